package chart

import (
	"math"

	gochart "github.com/wcharczuk/go-chart/v2"
)

// dpi is the resolution handed to go-chart. Its rasteriser scales glyphs by
// size*dpi/64, so at 72 a "16" font is 18 px tall: the sizes below are
// chosen by eye for a 1600 px picture shrunk to a phone screen.
const dpi = 72

// Font sizes.
const (
	titleSize  = 28
	legendSize = 18
	phaseSize  = 21
	labelSize  = 16
	tickSize   = 17
)

// Spacing, in pixels.
const (
	margin    = 18 // around the picture
	gap       = 12 // between blocks
	tickLen   = 8  // x tick marks under the plot
	labelGap  = 6  // between a tick and its label
	rightPad  = 40 // right of the plot: room for a marker at the last point
	minCanvas = 0.4
)

// labelMode is how x labels are placed: side by side when they fit,
// staggered on two rows when they fit every other slot, else rotated.
type labelMode int

const (
	labelsFlat labelMode = iota
	labelsStaggered
	labels45
	labels90
)

// layout is where everything goes, computed before go-chart runs because
// go-chart sizes the plot ("canvas") from the background padding only.
type layout struct {
	pad gochart.Box // background padding: the canvas is what remains

	title      string // cut to the picture width
	legendTop  int
	legendRows [][]legendItem
	phaseTop   int // top of the phase-name row

	mode       labelMode
	stride     int // draw every stride-th label when even rotated ones collide
	labelW     []int
	labelLineH int

	lineH map[float64]int // line height per font size
}

// lineHeightSample has an ascender, a descender and an accent, so its ink
// height is a full line.
const lineHeightSample = "ÉÁgjpyq|"

func newLayout(d *data) (*layout, error) {
	m, err := newMeasurer(font)
	if err != nil {
		return nil, err
	}
	lay := &layout{stride: 1, lineH: map[float64]int{}}
	for _, s := range []float64{titleSize, legendSize, phaseSize, labelSize, tickSize} {
		m.r.SetFontSize(s)
		lay.lineH[s] = m.r.MeasureText(lineHeightSample).Height()
	}

	// Top: title, legend, phase names, then the plot.
	y := margin
	if d.title != "" {
		lay.title = m.fit(d.title, titleSize, Width-2*margin)
		y += lay.lineH[titleSize] + gap
	}
	lay.legendTop = y
	lay.legendRows = legendRows(m, d.legend, Width-2*margin)
	if n := len(lay.legendRows); n > 0 {
		y += n*legendRowH(lay) + gap
	}
	lay.phaseTop = y
	y += lay.lineH[phaseSize] + phaseBarGap + phaseBarW + gap
	lay.pad.Top = y

	// Left: the rotated axis name, then the tick labels.
	lay.pad.Left = margin + lay.lineH[legendSize] + gap + m.width("+2", tickSize) + gap
	lay.pad.Right = rightPad

	// Bottom: the x labels, whose size decides how they are placed.
	lay.labelW = make([]int, d.n)
	maxW := 0
	for i, l := range d.labels {
		lay.labelW[i] = m.width(l, labelSize)
		maxW = max(maxW, lay.labelW[i])
	}
	lh := lay.lineH[labelSize]
	lay.labelLineH = lh
	slot := float64(Width-lay.pad.Left-lay.pad.Right) / float64(d.n)
	under := tickLen + labelGap
	switch {
	case float64(maxW+2*gap) <= slot:
		lay.mode = labelsFlat
		lay.pad.Bottom = under + lh + margin
	case float64(maxW+2*gap) <= 2*slot:
		lay.mode = labelsStaggered
		lay.pad.Bottom = under + 2*lh + labelGap + margin
	case slot*math.Sqrt2/2 >= float64(lh+4):
		lay.mode = labels45
		lay.pad.Bottom = under + int(float64(maxW+lh)*math.Sqrt2/2) + margin
		// A 45° label ends at its tick and runs down-left, so the first
		// ones may need more room than the y tick labels.
		for i, w := range lay.labelW {
			need := margin + int(float64(w)*math.Sqrt2/2-(float64(i)+0.5)*slot)
			lay.pad.Left = max(lay.pad.Left, need)
		}
	default:
		lay.mode = labels90
		lay.pad.Bottom = under + maxW + margin
		// With hundreds of points even upright labels collide: draw every
		// stride-th one.
		lay.stride = max(1, int(math.Ceil(float64(lh+2)/slot)))
	}
	// Never let labels squeeze the plot to nothing (they are at most 22
	// runes, so this only matters for a much smaller picture).
	lay.pad.Bottom = min(lay.pad.Bottom, int(Height*(1-minCanvas))-lay.pad.Top)
	return lay, nil
}

// Phase bar: a thick line under each phase name spanning its touchpoints.
const (
	phaseBarGap = 6
	phaseBarW   = 4
)

func legendRowH(lay *layout) int { return lay.lineH[legendSize] + 8 }

// Legend geometry.
const (
	swatchW       = 44 // a line sample
	swatchGap     = 10 // between sample and text
	legendItemGap = 40 // between entries
)

// legendRows lays the legend entries out in centred rows that fit width.
func legendRows(m *measurer, items []legendItem, width int) [][]legendItem {
	var rows [][]legendItem
	rowW := 0
	for _, it := range items {
		it.label = m.fit(it.label, legendSize, width-swatchW-swatchGap)
		it.w = swatchW + swatchGap + m.width(it.label, legendSize)
		if len(rows) == 0 || rowW+legendItemGap+it.w > width {
			rows = append(rows, nil)
			rowW = -legendItemGap
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
		rowW += legendItemGap + it.w
	}
	return rows
}
