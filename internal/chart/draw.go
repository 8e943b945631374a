package chart

import (
	"errors"
	"math"

	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Colours. The tints are light enough for dark text and lines on top; the
// mean line is blue and the ideal line purple so that neither is confused
// with the red/green of the scale (nor lost on it by colour-blind readers).
var (
	white      = drawing.Color{R: 255, G: 255, B: 255, A: 255}
	textColor  = drawing.Color{R: 33, G: 37, B: 41, A: 255}
	mutedColor = drawing.Color{R: 95, G: 99, B: 104, A: 255}

	negTint   = drawing.Color{R: 253, G: 226, B: 226, A: 255}
	posTint   = drawing.Color{R: 225, G: 244, B: 229, A: 255}
	gridColor = drawing.Color{R: 0, G: 0, B: 0, A: 28}
	zeroColor = drawing.Color{R: 95, G: 99, B: 104, A: 255}
	sepColor  = drawing.Color{R: 120, G: 124, B: 130, A: 255}

	phaseBarColor = drawing.Color{R: 140, G: 145, B: 152, A: 255}

	meanColor      = drawing.Color{R: 29, G: 91, B: 191, A: 255}
	meanBandColor  = drawing.Color{R: 29, G: 91, B: 191, A: 44}
	idealColor     = drawing.Color{R: 142, G: 68, B: 173, A: 255}
	idealBandColor = drawing.Color{R: 142, G: 68, B: 173, A: 48}
	prevColor      = drawing.Color{R: 110, G: 110, B: 110, A: 255}
)

// Line styles.
const (
	lineW       = 4.0
	markerR     = 7.0
	prevLineW   = 3.0
	prevMarkerR = 4.5
)

var prevDash = []float64{12, 9}

// build assembles the go-chart chart. All go-chart axes are hidden: the
// x axis is categorical (touchpoints), which go-chart cannot label per
// phase, and the y axis is drawn on the left by frameSeries. The ranges are
// set explicitly so that go-chart never derives them from the data: -2..+2
// always, and the x range padded by half a slot on each side, which keeps
// one touchpoint from being a "zero x-range delta" error and keeps the end
// markers off the plot's edge.
func build(d *data, lay *layout) gochart.Chart {
	ch := gochart.Chart{
		Width:  Width,
		Height: Height,
		DPI:    dpi,
		Font:   font,
		Title:  lay.title,
		TitleStyle: gochart.Style{
			FontSize:  titleSize,
			FontColor: textColor,
			Padding:   gochart.Box{Top: margin},
		},
		Background: gochart.Style{FillColor: white, Padding: lay.pad},
		// The canvas is the positive half's tint: frameSeries then only
		// paints the negative half (each full-size fill costs ~5% of a
		// render).
		Canvas: gochart.Style{FillColor: posTint},
		XAxis: gochart.XAxis{
			Style: gochart.Hidden(),
			Range: &gochart.ContinuousRange{Min: -0.5, Max: float64(d.n) - 0.5},
		},
		YAxis: gochart.YAxis{
			Style: gochart.Hidden(),
			Range: &gochart.ContinuousRange{Min: minScore, Max: maxScore},
		},
		// Shown by default, it would draw a stray axis line on the left.
		YAxisSecondary: gochart.YAxis{Style: gochart.Hidden()},
	}
	// Drawing order is back to front: frame, bands, lines, then all
	// markers, so that a lone ideal point is not hidden under the mean
	// line passing through its slot.
	ch.Series = append(ch.Series, frameSeries{d: d, lay: lay})
	if len(d.meanBand.x) > 0 {
		ch.Series = append(ch.Series, bandSeries{b: d.meanBand, color: meanBandColor})
	}
	if len(d.idealBand.x) > 0 {
		ch.Series = append(ch.Series, bandSeries{b: d.idealBand, color: idealBandColor})
	}
	// Lines and markers thin out when touchpoints are packed, or 100 of
	// them would merge into one blue smear.
	slot := float64(Width-lay.pad.Left-lay.pad.Right) / float64(d.n)
	width := max(1.5, min(lineW, slot/4))
	type lineSpec struct {
		s       series
		color   drawing.Color
		width   float64
		dash    []float64
		markerR float64
	}
	prev := lineSpec{d.prev, prevColor, min(width, prevLineW), prevDash, min(prevMarkerR, slot*0.16)}
	ideal := lineSpec{d.idealLine, idealColor, width, nil, min(markerR, slot/4)}
	mean := lineSpec{d.mean, meanColor, width, nil, min(markerR, slot/4)}
	order := []lineSpec{prev, ideal, mean}
	if d.future {
		// A future-state map: the ideal is the main line, on top and
		// thicker; today's curve is the comparison, thin and dashed.
		ideal.width = width * 1.5
		mean.width, mean.dash, mean.markerR = min(width, prevLineW), prevDash, min(prevMarkerR, slot*0.16)
		order = []lineSpec{prev, mean, ideal}
	}
	for _, l := range order {
		if len(l.s.x) > 0 {
			ch.Series = append(ch.Series, gochart.ContinuousSeries{
				XValues: l.s.x,
				YValues: l.s.y,
				Style:   gochart.Style{StrokeColor: l.color, StrokeWidth: l.width, StrokeDashArray: l.dash},
			})
		}
	}
	// The ideal markers go last: ideal points are few, and each matters.
	var marks markerSeries
	for _, l := range []lineSpec{prev, mean, ideal} {
		if len(l.s.x) == 1 {
			l.markerR = max(l.markerR, 3) // a lone point has no line: it must show
		}
		if len(l.s.x) > 0 && l.markerR >= 2 {
			marks.sets = append(marks.sets, markerSet{s: l.s, color: l.color, r: l.markerR})
		}
	}
	ch.Series = append(ch.Series, marks)
	ch.Elements = []gochart.Renderable{legend(lay)}
	return ch
}

// custom is the part of gochart.Series that the custom series share.
type custom struct{}

func (custom) GetName() string             { return "" }
func (custom) GetYAxis() gochart.YAxisType { return gochart.YAxisPrimary }
func (custom) GetStyle() gochart.Style     { return gochart.Style{} }
func (custom) Validate() error             { return nil }

// plot maps values to pixels inside the canvas.
type plot struct {
	cb     gochart.Box
	xr, yr gochart.Range
}

func (p plot) x(v float64) int { return p.cb.Left + p.xr.Translate(v) }
func (p plot) y(v float64) int { return p.cb.Bottom - p.yr.Translate(v) }

// frameSeries draws everything that is not data: the red and green halves,
// grid and zero lines, phase separators and names, and both axes' labels.
// It is a series rather than a chart element because only series are given
// the canvas box and ranges, and it must be drawn before the data.
type frameSeries struct {
	custom
	d   *data
	lay *layout
}

func (f frameSeries) Render(r gochart.Renderer, cb gochart.Box, xr, yr gochart.Range, _ gochart.Style) {
	p := plot{cb: cb, xr: xr, yr: yr}
	d, lay := f.d, f.lay

	// The positive half is the canvas colour, set in build.
	fillRect(r, cb.Left, p.y(0), cb.Right, p.y(minScore), negTint)
	for _, v := range []float64{-1, 1} {
		line(r, cb.Left, p.y(v), cb.Right, p.y(v), gridColor, 1.5, nil)
	}

	// Phases: a dashed separator between runs, reaching up to the names
	// so that each name visibly heads its group of touchpoints.
	slot := float64(cb.Width()) / float64(d.n)
	for _, run := range d.phases[1:] {
		x := (p.x(float64(run.from-1)) + p.x(float64(run.from))) / 2
		line(r, x, lay.phaseTop, x, cb.Bottom, sepColor, 2, []float64{10, 7})
	}
	m := &measurer{r: r, font: font}
	asc := ascent(r, phaseSize)
	barY := lay.phaseTop + lay.lineH[phaseSize] + phaseBarGap + phaseBarW/2
	for _, run := range d.phases {
		x0 := p.x(float64(run.from)) - int(slot/2)
		x1 := p.x(float64(run.to)) + int(slot/2)
		inset := min(8, (x1-x0)/6)
		label := m.fit(run.label, phaseSize, x1-x0-2*inset)
		if label == "" {
			continue // a bar heading nothing would look like a glitch
		}
		line(r, x0+inset, barY, x1-inset, barY, phaseBarColor, phaseBarW, nil)
		w := m.width(label, phaseSize)
		text(r, label, phaseSize, textColor, (x0+x1-w)/2, lay.phaseTop+asc)
	}

	line(r, cb.Left, p.y(0), cb.Right, p.y(0), zeroColor, 2.5, nil)

	// y axis: scores on the left, where a reader looks first.
	asc = ascent(r, tickSize)
	for v := minScore; v <= maxScore; v++ {
		s := tickLabel(v)
		w := m.width(s, tickSize)
		text(r, s, tickSize, textColor, cb.Left-gap-w, p.y(v)+asc/2)
	}
	if d.yLabel != "" {
		label := m.fit(d.yLabel, legendSize, cb.Height())
		w := m.width(label, legendSize)
		a := ascent(r, legendSize) // measured before rotating, or it is rotated too
		r.SetTextRotation(-math.Pi / 2)
		text(r, label, legendSize, mutedColor, margin+a, (cb.Top+cb.Bottom+w)/2)
		r.ClearTextRotation()
	}

	f.xLabels(r, p, slot)
}

// xLabels draws a tick and a label per touchpoint, placed as the layout
// decided.
func (f frameSeries) xLabels(r gochart.Renderer, p plot, slot float64) {
	lay := f.lay
	asc := ascent(r, labelSize)
	top := p.cb.Bottom + tickLen + labelGap // where label ink starts
	for i, label := range f.d.labels {
		x := p.x(float64(i))
		drawn := i%lay.stride == 0
		tick := tickLen
		if lay.mode == labelsStaggered && i%2 == 1 {
			// A longer tick leads the eye down to the second row.
			tick += lay.labelLineH + labelGap
		}
		if drawn || slot >= 4 {
			line(r, x, p.cb.Bottom, x, p.cb.Bottom+tick, mutedColor, 2, nil)
		}
		if !drawn || label == "" {
			continue
		}
		w := lay.labelW[i]
		col := textColor
		if f.d.ideal[i] {
			col = idealColor // ties the label to its line
		}
		switch lay.mode {
		case labelsFlat, labelsStaggered:
			y := top + asc
			if lay.mode == labelsStaggered && i%2 == 1 {
				y += lay.labelLineH + labelGap
			}
			// Keep the end labels inside the picture.
			lx := max(margin/2, min(x-w/2, Width-margin/2-w))
			text(r, label, labelSize, col, lx, y)
		case labels45:
			// The label ends at its tick and runs down-left. The
			// baseline is offset so that the middle of the letters,
			// not their foot, points at the tick.
			c := math.Sqrt2 / 2
			ex := float64(x) + c*float64(asc)/2
			ey := float64(top) + c*float64(asc)/2
			r.SetTextRotation(-math.Pi / 4)
			text(r, label, labelSize, col, int(ex-c*float64(w)), int(ey+c*float64(w)))
			r.ClearTextRotation()
		case labels90:
			r.SetTextRotation(-math.Pi / 2)
			text(r, label, labelSize, col, x+asc/2, top+w)
			r.ClearTextRotation()
		}
	}
}

func tickLabel(v float64) string {
	switch {
	case v > 0:
		return "+" + string(rune('0'+int(v)))
	case v < 0:
		return "−" + string(rune('0'-int(v))) // U+2212, as wide as "+"
	}
	return "0"
}

// bandSeries fills the area between the lowest and highest scores.
type bandSeries struct {
	custom
	b     band
	color drawing.Color
}

var errLengths = errors.New("series lengths differ")

func (s bandSeries) Validate() error {
	if len(s.b.lo) != len(s.b.x) || len(s.b.hi) != len(s.b.x) {
		return errLengths
	}
	return nil
}

func (s bandSeries) Render(r gochart.Renderer, cb gochart.Box, xr, yr gochart.Range, _ gochart.Style) {
	p := plot{cb: cb, xr: xr, yr: yr}
	b := s.b
	// The band is drawn per run of neighbouring touchpoints: across a
	// touchpoint of the other line (or one without scores) it would
	// claim a spread nobody gave.
	for from := 0; from < len(b.x); {
		to := from + 1
		for to < len(b.x) && b.x[to]-b.x[to-1] <= 1 {
			to++
		}
		if to-from == 1 {
			// A polygon through one x has no area: draw a bar.
			hw := int(min(float64(cb.Width())/xr.GetDelta()*0.3, 24))
			x := p.x(b.x[from])
			fillRect(r, x-hw, p.y(b.hi[from]), x+hw, p.y(b.lo[from]), s.color)
		} else {
			r.SetFillColor(s.color)
			r.MoveTo(p.x(b.x[from]), p.y(b.hi[from]))
			for i := from + 1; i < to; i++ {
				r.LineTo(p.x(b.x[i]), p.y(b.hi[i]))
			}
			for i := to - 1; i >= from; i-- {
				r.LineTo(p.x(b.x[i]), p.y(b.lo[i]))
			}
			r.Close()
			r.Fill()
		}
		from = to
	}
}

// markerSeries draws ringed markers on the lines' points: go-chart's own
// dots have no outline and vanish where lines cross.
type markerSeries struct {
	custom
	sets []markerSet
}

type markerSet struct {
	s     series
	color drawing.Color
	r     float64
}

func (m markerSeries) Validate() error {
	for _, set := range m.sets {
		if len(set.s.x) != len(set.s.y) {
			return errLengths
		}
	}
	return nil
}

func (m markerSeries) Render(r gochart.Renderer, cb gochart.Box, xr, yr gochart.Range, _ gochart.Style) {
	p := plot{cb: cb, xr: xr, yr: yr}
	for _, set := range m.sets {
		ring := min(2.5, set.r/3)
		for i := range set.s.x {
			x, y := p.x(set.s.x[i]), p.y(set.s.y[i])
			disc(r, x, y, set.r+ring, white)
			disc(r, x, y, set.r, set.color)
		}
	}
}

// Legend entries.
type legendKind int

const (
	legendLine legendKind = iota
	legendDashed
	legendBand
)

type legendItem struct {
	kind  legendKind
	color drawing.Color
	label string
	w     int // swatch and label width, set by the layout
}

// legend draws the legend rows centred under the title, outside the plot,
// so that it never hides a point.
func legend(lay *layout) gochart.Renderable {
	return func(r gochart.Renderer, _ gochart.Box, _ gochart.Style) {
		asc := ascent(r, legendSize)
		rowH := legendRowH(lay)
		for ri, row := range lay.legendRows {
			total := -legendItemGap
			for _, it := range row {
				total += legendItemGap + it.w
			}
			x := (Width - total) / 2
			top := lay.legendTop + ri*rowH
			mid := top + rowH/2
			for _, it := range row {
				switch it.kind {
				case legendLine:
					line(r, x, mid, x+swatchW, mid, it.color, lineW, nil)
					disc(r, x+swatchW/2, mid, markerR+2.5, white)
					disc(r, x+swatchW/2, mid, markerR, it.color)
				case legendDashed:
					line(r, x, mid, x+swatchW, mid, it.color, prevLineW, []float64{9, 6})
				case legendBand:
					fillRect(r, x, mid-9, x+swatchW, mid+9, it.color)
				}
				text(r, it.label, legendSize, textColor, x+swatchW+swatchGap, mid+asc/2)
				x += it.w + legendItemGap
			}
		}
	}
}

// Drawing helpers. Each sets every style it uses, because the renderer
// keeps state between calls.

func fillRect(r gochart.Renderer, x0, y0, x1, y1 int, c drawing.Color) {
	r.SetFillColor(c)
	r.MoveTo(x0, y0)
	r.LineTo(x1, y0)
	r.LineTo(x1, y1)
	r.LineTo(x0, y1)
	r.Close()
	r.Fill()
}

func line(r gochart.Renderer, x0, y0, x1, y1 int, c drawing.Color, width float64, dash []float64) {
	r.SetStrokeColor(c)
	r.SetStrokeWidth(width)
	r.SetStrokeDashArray(dash)
	r.MoveTo(x0, y0)
	r.LineTo(x1, y1)
	r.Stroke()
	r.SetStrokeDashArray(nil)
}

func disc(r gochart.Renderer, x, y int, radius float64, c drawing.Color) {
	r.SetFillColor(c)
	r.MoveTo(x+int(radius), y)
	r.ArcTo(x, y, radius, radius, 0, 2*math.Pi)
	r.Close()
	r.Fill()
}

func text(r gochart.Renderer, s string, size float64, c drawing.Color, x, y int) {
	r.SetFont(font)
	r.SetFontSize(size)
	r.SetFontColor(c)
	r.Text(s, x, y)
}

// ascent is the height of capitals at size, used to centre text on a point.
func ascent(r gochart.Renderer, size float64) int {
	r.SetFont(font)
	r.SetFontSize(size)
	return r.MeasureText("H").Height()
}
