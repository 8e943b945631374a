package chart

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// The impact/effort matrix: effort from 1 to 5 along x, impact from 1 to 5
// along y, split at 3 into four quadrants (quick wins top left, big bets
// top right, fill-ins bottom left, money pits bottom right), each change a
// labelled point at its mean ratings. Beside the plot, a key lists the
// changes in the order given (the engine gives them by priority) with
// their text, which a point's label alone cannot hold.
//
// The layout is fixed, whatever the data, so a reader (and a test) finds
// the plot where MatrixPlot says: a square of 1020 px on a 1600x1200
// picture, big enough to read on a phone.
const (
	MatrixWidth  = 1600
	MatrixHeight = 1200
)

// The rating scale, and the split between low and high. The plot runs
// half a step past each end, so a point at 1 or 5 is not cut by the edge.
const (
	minRating    = 1.0
	maxRating    = 5.0
	middleRating = 3.0
	matrixLo     = minRating - 0.5
	matrixHi     = maxRating + 0.5
)

// Plot and key geometry, in pixels.
const (
	matrixLeft   = 100
	matrixTop    = 80
	matrixSide   = 1020
	matrixKeyGap = 44

	quadrantSize = 26
	pointSize    = 20
	keySize      = 18
	keyRowH      = 30
	pointR       = 13.0
	pointRing    = 3.0
	quadrantPad  = 16
)

// MaxMatrixPoints is the most changes RenderMatrix draws: past a hundred
// points the labels are a smear, and the cap bounds a runaway map's work.
const MaxMatrixPoints = 200

// ErrNoRatings is returned by RenderMatrix when no change is rated: a
// matrix without points would look like a bug.
var ErrNoRatings = errors.New("chart: no rated changes to draw")

// Matrix is everything RenderMatrix draws.
type Matrix struct {
	// Title names the workshop.
	Title string
	// Points are the rated changes, in the order the key lists them.
	Points []MatrixPoint
	// QuickWins, BigBets, FillIns and MoneyPits name the quadrants in the
	// workshop's language; XLabel and YLabel the axes (effort, impact);
	// KeyTitle heads the key. Empty ones fall back to English.
	QuickWins, BigBets, FillIns, MoneyPits string
	XLabel, YLabel, KeyTitle               string
	// Note is said under the key, e.g. which changes nobody rated yet.
	Note string
}

// MatrixPoint is one rated change.
type MatrixPoint struct {
	// Label is drawn beside the point: the change's number, "C3".
	Label string
	// Text is the change, shown in the key after the label.
	Text string
	// Impact and Effort are the team's means, from 1 to 5 (clamped).
	Impact, Effort float64
}

// Colours of the quadrants (light tints under the points) and their
// names (darker shades of the same hue), and of the points: a blue that
// none of the tints or texts use.
var (
	quickTint  = drawing.Color{R: 222, G: 243, B: 227, A: 255}
	betTint    = drawing.Color{R: 255, G: 242, B: 212, A: 255}
	fillTint   = drawing.Color{R: 236, G: 238, B: 241, A: 255}
	pitTint    = drawing.Color{R: 252, G: 225, B: 225, A: 255}
	quickInk   = drawing.Color{R: 27, G: 112, B: 56, A: 255}
	betInk     = drawing.Color{R: 150, G: 96, B: 0, A: 255}
	fillInk    = drawing.Color{R: 88, G: 92, B: 98, A: 255}
	pitInk     = drawing.Color{R: 168, G: 36, B: 36, A: 255}
	pointColor = drawing.Color{R: 29, G: 91, B: 191, A: 255}
	splitColor = drawing.Color{R: 110, G: 114, B: 120, A: 255}
)

// PointColor is the colour of the points, for tests that find them.
var PointColor = pointColor

// MatrixPlot is where the plot lies in the picture.
func MatrixPlot() image.Rectangle {
	return image.Rect(matrixLeft, matrixTop, matrixLeft+matrixSide, matrixTop+matrixSide)
}

// MatrixPixel is the pixel at the centre of a point rated effort and
// impact: what RenderMatrix draws, found the way go-chart maps values.
func MatrixPixel(effort, impact float64) image.Point {
	r := MatrixPlot()
	step := func(v float64, n int) int {
		return int(math.Ceil((clampRating(v) - matrixLo) / (matrixHi - matrixLo) * float64(n)))
	}
	return image.Pt(r.Min.X+step(effort, r.Dx()), r.Max.Y-step(impact, r.Dy()))
}

func clampRating(v float64) float64 {
	if !finite(v) {
		return middleRating
	}
	return max(minRating, min(maxRating, v))
}

// RenderMatrix draws m as a PNG into w. Nothing is written when it fails.
func RenderMatrix(w io.Writer, m Matrix) error {
	if err := Init(); err != nil {
		return err
	}
	if len(m.Points) == 0 {
		return ErrNoRatings
	}
	if len(m.Points) > MaxMatrixPoints {
		return fmt.Errorf("chart: %d changes, at most %d can be drawn", len(m.Points), MaxMatrixPoints)
	}
	out, err := renderMatrix(m)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// renderMatrix renders into memory and turns a go-chart panic into an
// error, as renderPNG does.
func renderMatrix(m Matrix) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("chart: render panicked: %v\n%s", p, debug.Stack())
		}
	}()
	meas, err := newMeasurer(font)
	if err != nil {
		return nil, err
	}
	d := prepareMatrix(m)
	plot := MatrixPlot()
	ch := gochart.Chart{
		Width: MatrixWidth, Height: MatrixHeight, DPI: dpi, Font: font,
		Title: meas.fit(d.title, titleSize, MatrixWidth-2*margin),
		TitleStyle: gochart.Style{
			FontSize: titleSize, FontColor: textColor, Padding: gochart.Box{Top: margin},
		},
		Background: gochart.Style{FillColor: white, Padding: gochart.Box{
			Left: plot.Min.X, Top: plot.Min.Y, Right: MatrixWidth - plot.Max.X, Bottom: MatrixHeight - plot.Max.Y,
		}},
		Canvas:         gochart.Style{FillColor: white},
		XAxis:          gochart.XAxis{Style: gochart.Hidden(), Range: &gochart.ContinuousRange{Min: matrixLo, Max: matrixHi}},
		YAxis:          gochart.YAxis{Style: gochart.Hidden(), Range: &gochart.ContinuousRange{Min: matrixLo, Max: matrixHi}},
		YAxisSecondary: gochart.YAxis{Style: gochart.Hidden()},
		Series:         []gochart.Series{matrixSeries{d: d}},
		Elements:       []gochart.Renderable{matrixKey(d)},
	}
	var img collector
	if err := ch.Render(gochart.PNG, &img); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	if img.rgba == nil {
		return nil, errors.New("chart: go-chart produced no image")
	}
	return encodePNG(img.rgba)
}

// matrixData is a matrix cleaned up for drawing.
type matrixData struct {
	title     string
	points    []MatrixPoint // cleaned, clamped
	quadrants [4]quadrantLabel
	xLabel    string
	yLabel    string
	keyTitle  string
	note      string
}

type quadrantLabel struct {
	text      string
	tint, ink drawing.Color
	// top and left say which corner of the plot the quadrant holds.
	top, left bool
}

func prepareMatrix(m Matrix) *matrixData {
	d := &matrixData{
		title:    clean(font, m.Title),
		xLabel:   clean(font, cmp.Or(m.XLabel, "Effort")),
		yLabel:   clean(font, cmp.Or(m.YLabel, "Impact")),
		keyTitle: clean(font, m.KeyTitle),
		note:     clean(font, m.Note),
		quadrants: [4]quadrantLabel{
			{clean(font, cmp.Or(m.QuickWins, "Quick wins")), quickTint, quickInk, true, true},
			{clean(font, cmp.Or(m.BigBets, "Big bets")), betTint, betInk, true, false},
			{clean(font, cmp.Or(m.FillIns, "Fill-ins")), fillTint, fillInk, false, true},
			{clean(font, cmp.Or(m.MoneyPits, "Money pits")), pitTint, pitInk, false, false},
		},
	}
	for _, p := range m.Points {
		d.points = append(d.points, MatrixPoint{
			Label:  truncate(clean(font, p.Label), 12),
			Text:   clean(font, p.Text),
			Impact: clampRating(p.Impact),
			Effort: clampRating(p.Effort),
		})
	}
	return d
}

// matrixSeries draws the plot: the quadrants, the grid, the axes' ticks
// and names, and the points with their labels.
type matrixSeries struct {
	custom
	d *matrixData
}

func (s matrixSeries) Render(r gochart.Renderer, cb gochart.Box, xr, yr gochart.Range, _ gochart.Style) {
	p := plot{cb: cb, xr: xr, yr: yr}
	d := s.d
	m := &measurer{r: r, font: font}
	midX, midY := p.x(middleRating), p.y(middleRating)

	// The four quadrants, then the grid over them.
	for _, q := range d.quadrants {
		x0, x1 := midX, cb.Right
		if q.left {
			x0, x1 = cb.Left, midX
		}
		y0, y1 := midY, cb.Bottom
		if q.top {
			y0, y1 = cb.Top, midY
		}
		fillRect(r, x0, y0, x1, y1, q.tint)
	}
	for v := minRating; v <= maxRating; v++ {
		if v == middleRating {
			continue
		}
		line(r, p.x(v), cb.Top, p.x(v), cb.Bottom, gridColor, 1.5, nil)
		line(r, cb.Left, p.y(v), cb.Right, p.y(v), gridColor, 1.5, nil)
	}
	line(r, midX, cb.Top, midX, cb.Bottom, splitColor, 3, nil)
	line(r, cb.Left, midY, cb.Right, midY, splitColor, 3, nil)

	// Quadrant names in their outer corners, where a point (at most 5, a
	// half step from the edge) never is.
	var taken []image.Rectangle
	asc := ascent(r, quadrantSize)
	for _, q := range d.quadrants {
		label := m.fit(q.text, quadrantSize, cb.Width()/2-2*quadrantPad)
		if label == "" {
			continue
		}
		w := m.width(label, quadrantSize)
		x := cb.Left + quadrantPad
		if !q.left {
			x = cb.Right - quadrantPad - w
		}
		y := cb.Top + quadrantPad + asc
		if !q.top {
			y = cb.Bottom - quadrantPad
		}
		text(r, label, quadrantSize, q.ink, x, y)
		taken = append(taken, image.Rect(x, y-asc, x+w, y))
	}

	// Axes: ticks 1..5 on both, names centred along them.
	asc = ascent(r, tickSize)
	for v := minRating; v <= maxRating; v++ {
		s := strconv.Itoa(int(v))
		w := m.width(s, tickSize)
		text(r, s, tickSize, textColor, p.x(v)-w/2, cb.Bottom+gap+asc)
		text(r, s, tickSize, textColor, cb.Left-gap-w, p.y(v)+asc/2)
	}
	lasc := ascent(r, legendSize)
	if d.xLabel != "" {
		label := m.fit(d.xLabel, legendSize, cb.Width())
		w := m.width(label, legendSize)
		text(r, label, legendSize, mutedColor, (cb.Left+cb.Right-w)/2, cb.Bottom+gap+asc+gap+lasc+4)
	}
	if d.yLabel != "" {
		label := m.fit(d.yLabel, legendSize, cb.Height())
		w := m.width(label, legendSize)
		r.SetTextRotation(-math.Pi / 2)
		text(r, label, legendSize, mutedColor, margin+lasc, (cb.Top+cb.Bottom+w)/2)
		r.ClearTextRotation()
	}

	// Points: changes rated alike share one point, labelled with all
	// their numbers.
	type group struct {
		at     image.Point
		labels []string
	}
	var groups []*group
	for _, pt := range d.points {
		at := image.Pt(p.x(pt.Effort), p.y(pt.Impact))
		var g *group
		for _, o := range groups {
			if dx, dy := o.at.X-at.X, o.at.Y-at.Y; dx*dx+dy*dy <= int(pointR*pointR) {
				g = o
				break
			}
		}
		if g == nil {
			g = &group{at: at}
			groups = append(groups, g)
		}
		g.labels = append(g.labels, pt.Label)
	}
	for _, g := range groups {
		rr := int(pointR + pointRing)
		taken = append(taken, image.Rect(g.at.X-rr, g.at.Y-rr, g.at.X+rr, g.at.Y+rr))
	}
	for _, g := range groups {
		disc(r, g.at.X, g.at.Y, pointR+pointRing, white)
		disc(r, g.at.X, g.at.Y, pointR, pointColor)
	}
	asc = ascent(r, pointSize)
	inside := image.Rect(cb.Left, cb.Top, cb.Right, cb.Bottom)
	for _, g := range groups {
		label := m.fit(strings.Join(g.labels, ", "), pointSize, cb.Width()/2)
		w := m.width(label, pointSize)
		box := placeLabel(g.at, w, asc, inside, taken)
		taken = append(taken, box)
		// A white halo keeps the label legible over grid and split lines.
		fillRect(r, box.Min.X-3, box.Min.Y-3, box.Max.X+3, box.Max.Y+3, drawing.Color{R: 255, G: 255, B: 255, A: 190})
		text(r, label, pointSize, textColor, box.Min.X, box.Max.Y)
	}
}

// placeLabel finds where a label w wide and h tall goes beside a point at:
// right of it, else left, above, below or in a corner, the first place
// inside the plot that no other label, point or quadrant name takes;
// right of it when every place is taken.
func placeLabel(at image.Point, w, h int, inside image.Rectangle, taken []image.Rectangle) image.Rectangle {
	off := int(pointR+pointRing) + 5
	candidates := []image.Point{
		{at.X + off, at.Y - h/2},     // right
		{at.X - off - w, at.Y - h/2}, // left
		{at.X - w/2, at.Y - off - h}, // above
		{at.X - w/2, at.Y + off},     // below
		{at.X + off, at.Y - off - h}, // above right
		{at.X + off, at.Y + off},     // below right
		{at.X - off - w, at.Y - off - h},
		{at.X - off - w, at.Y + off},
	}
	free := func(b image.Rectangle) bool {
		if !b.In(inside) {
			return false
		}
		for _, t := range taken {
			if b.Inset(-2).Overlaps(t) {
				return false
			}
		}
		return true
	}
	for _, c := range candidates {
		if b := image.Rect(c.X, c.Y, c.X+w, c.Y+h); free(b) {
			return b
		}
	}
	c := candidates[0]
	if c.X+w > inside.Max.X {
		c = candidates[1]
	}
	return image.Rect(c.X, c.Y, c.X+w, c.Y+h)
}

// matrixKey lists the changes beside the plot: number and text, one a
// line, as many as fit, then the note.
func matrixKey(d *matrixData) gochart.Renderable {
	return func(r gochart.Renderer, _ gochart.Box, _ gochart.Style) {
		m := &measurer{r: r, font: font}
		plot := MatrixPlot()
		x0 := plot.Max.X + matrixKeyGap
		width := MatrixWidth - margin - x0
		asc := ascent(r, keySize)
		y := plot.Min.Y
		if d.keyTitle != "" {
			title := m.fit(d.keyTitle, legendSize, width)
			text(r, title, legendSize, mutedColor, x0, y+ascent(r, legendSize))
			y += keyRowH + 6
		}
		noteLines := wrapText(m, d.note, keySize, width)
		bottom := plot.Max.Y - len(noteLines)*keyRowH
		if len(noteLines) > 0 {
			bottom -= keyRowH / 2
		}
		idW := 0
		for _, p := range d.points {
			idW = max(idW, m.width(p.Label, keySize))
		}
		for i, p := range d.points {
			if y+2*keyRowH > bottom && i < len(d.points)-1 {
				more := fmt.Sprintf("… +%d", len(d.points)-i)
				text(r, more, keySize, mutedColor, x0, y+asc)
				y += keyRowH
				break
			}
			text(r, p.Label, keySize, pointColor, x0, y+asc)
			tx := x0 + idW + 12
			text(r, m.fit(p.Text, keySize, width-(tx-x0)), keySize, textColor, tx, y+asc)
			y += keyRowH
		}
		y = max(y+keyRowH/2, bottom+keyRowH/2)
		for _, l := range noteLines {
			text(r, l, keySize, mutedColor, x0, y+asc)
			y += keyRowH
		}
	}
}

// wrapText breaks s into lines at most width pixels wide, at spaces; a word
// longer than a line is cut. At most four lines: the last one ends with an
// ellipsis when more was left.
func wrapText(m *measurer, s string, size float64, width int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		try := strings.TrimSpace(cur + " " + word)
		if cur == "" || m.width(try, size) <= width {
			cur = try
			continue
		}
		lines = append(lines, m.fit(cur, size, width))
		cur = word
	}
	if cur != "" {
		lines = append(lines, m.fit(cur, size, width))
	}
	if len(lines) > 4 {
		lines = append(lines[:3], m.fit(lines[3]+" "+ellipsis, size, width))
	}
	return lines
}
