// Package chart draws the customer-journey emotion curve as a PNG.
//
// Touchpoints run along x in journey order, grouped and labelled by phase;
// emotion runs from -2 (red tint) to +2 (green tint) along y. The team's
// mean score is a line, the spread of participants' scores a band around it,
// ideal (future-state) touchpoints a second line, and the mean scores of an
// earlier version of the map an optional grey dashed line.
//
// The picture is meant to be read on a phone in a chat thread: it is
// 1600x900 with big fonts, thick lines and markers. Drawing is done with
// go-chart (github.com/wcharczuk/go-chart/v2); its axes are hidden and the
// categorical x axis, phase grouping, tints and legend are drawn by custom
// series, because go-chart has no categorical axis or bands of its own.
package chart

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/golang/freetype/truetype"
	gochart "github.com/wcharczuk/go-chart/v2"

	"github.com/journeybot/journeybot/internal/workshop"
)

// Picture size. 1600 px wide stays sharp when a phone scales it to the
// screen width; 16:9 matches how chat apps preview images.
const (
	Width  = 1600
	Height = 900
)

// Emotion scale bounds.
const (
	minScore = -2.0
	maxScore = 2.0
)

// MaxPoints is the most touchpoints Render draws. Beyond a few dozen the
// labels thin out and the curve turns into a smear; the cap bounds the work
// a runaway map can cause.
const MaxPoints = 500

// ErrNoTouchpoints is returned by Render for a curve without points: there
// is nothing to draw, and an empty frame would look like a bug.
var ErrNoTouchpoints = errors.New("chart: no touchpoints to draw")

// Point is one touchpoint on the curve.
type Point struct {
	// Label is drawn under the x axis, e.g. "T3 Pricing page". It is cut to
	// 22 runes with an ellipsis, and runes the font cannot draw (emoji)
	// are dropped.
	Label string
	// Name is the key into Curve.Previous: the touchpoint's name survives
	// renumbering between versions of a map, its T-number does not. When
	// empty, Label is used.
	Name  string
	Phase workshop.Phase
	// Mean is the team's mean score, Lo and Hi the lowest and highest
	// participant score, all on the -2..+2 scale. Values outside it are
	// clamped; a NaN or infinite Mean leaves the point out of the lines.
	Mean, Lo, Hi float64
	// Ideal marks a future-state touchpoint: it is drawn on the ideal line
	// instead of the mean line.
	Ideal bool
}

// Curve is everything Render draws.
type Curve struct {
	// Title names the workshop and persona, e.g. "Checkout redesign —
	// Claire, 34".
	Title string
	// Points are the touchpoints in journey order.
	Points []Point
	// Previous optionally holds the mean scores of an earlier version of
	// the map, by touchpoint name (Point.Name). Names are matched exactly,
	// then ignoring case and surrounding spaces.
	Previous map[string]float64
	// PhaseLabels are the localized phase names ("Avant", "Pendant"...);
	// missing ones fall back to the English name.
	PhaseLabels map[workshop.Phase]string
	// Future draws a future-state map: the ideal touchpoints are the main
	// line (thick, drawn on top, first in the legend) and today's are the
	// comparison (thinner and dashed).
	Future bool
	// YLabel names the y axis; the Legend* strings name the legend
	// entries. Empty ones fall back to English.
	YLabel, LegendMean, LegendIdeal, LegendSpread, LegendPrevious string
}

// FromTouchpoints turns touchpoints, already in journey order (see
// workshop.Map.Journey), into points labelled "T3 Pricing page".
func FromTouchpoints(tps []workshop.Touchpoint) []Point {
	pts := make([]Point, len(tps))
	for i := range tps {
		tp := &tps[i]
		lo, hi := tp.Spread()
		pts[i] = Point{
			Label: strings.TrimSpace(tp.ID + " " + tp.Name),
			Name:  tp.Name,
			Phase: tp.Phase,
			Mean:  tp.Mean(),
			Lo:    float64(lo),
			Hi:    float64(hi),
			Ideal: tp.State == workshop.StateIdeal,
		}
	}
	return pts
}

var (
	initOnce sync.Once
	initErr  error
	font     *truetype.Font
)

// Init parses go-chart's embedded Roboto font. go-chart does this lazily
// with an unsynchronised nil check, which is a data race when the first
// charts are drawn concurrently; calling Init once at start-up (Render also
// calls it) makes every later use a plain read.
func Init() error {
	initOnce.Do(func() {
		font, initErr = gochart.GetDefaultFont()
		if initErr != nil {
			initErr = fmt.Errorf("chart: load font: %w", initErr)
		}
	})
	return initErr
}

// Render draws c as a PNG into w. Nothing is written when it fails.
func Render(w io.Writer, c Curve) error {
	if err := Init(); err != nil {
		return err
	}
	if len(c.Points) == 0 {
		return ErrNoTouchpoints
	}
	if len(c.Points) > MaxPoints {
		return fmt.Errorf("chart: %d touchpoints, at most %d can be drawn", len(c.Points), MaxPoints)
	}
	out, err := renderPNG(c)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// renderPNG renders into memory, so that a failure half-way never leaves a
// truncated image in the caller's writer, and turns a go-chart panic into an
// error: a bad chart must not take the bot down.
func renderPNG(c Curve) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("chart: render panicked: %v\n%s", p, debug.Stack())
		}
	}()
	d := prepare(c)
	lay, err := newLayout(d)
	if err != nil {
		return nil, err
	}
	ch := build(d, lay)
	for _, s := range ch.Series {
		// go-chart does not validate series itself, and mismatched
		// lengths panic deep inside it.
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
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

// encodePNG encodes a rendered picture.
func encodePNG(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(256 << 10)
	if err := encoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// encoder trades a few percent of file size for speed: PNG compression is
// most of the render time at the default level. Its buffer pool lets
// concurrent renders reuse the compressor's large buffers.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer  { b, _ := p.p.Get().(*png.EncoderBuffer); return b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// collector receives go-chart's raster instead of its PNG (go-chart checks
// for gochart.RGBACollector before encoding), so that we encode it.
type collector struct{ rgba *image.RGBA }

func (c *collector) SetRGBA(i *image.RGBA) { c.rgba = i }

func (c *collector) Write([]byte) (int, error) {
	return 0, errors.New("chart: go-chart wrote encoded bytes to the image collector")
}

// data is the curve cleaned up for drawing: finite, clamped values and
// drawable text.
type data struct {
	title  string
	labels []string // cleaned and cut, one per point
	ideal  []bool   // per point: labels of ideal touchpoints take the ideal colour
	phases []phaseRun
	n      int

	mean, idealLine, prev series // lines
	meanBand, idealBand   band

	yLabel string
	legend []legendItem
	future bool
}

// series is one line's values; X is the point index.
type series struct{ x, y []float64 }

// band is the spread of scores for one line.
type band struct{ x, lo, hi []float64 }

// phaseRun is a run of consecutive points in the same phase, from..to
// inclusive.
type phaseRun struct {
	label    string
	from, to int
}

// prepare checks and cleans c. NaN and infinite values never reach
// go-chart: a NaN mean leaves the point out, a NaN bound falls back to the
// mean, and everything is clamped to the -2..+2 scale.
func prepare(c Curve) *data {
	d := &data{n: len(c.Points), future: c.Future}
	d.title = clean(font, c.Title)
	d.yLabel = clean(font, cmp.Or(c.YLabel, "Emotion"))

	prev := previousLookup(c.Previous)
	d.labels = make([]string, d.n)
	d.ideal = make([]bool, d.n)
	for i, p := range c.Points {
		d.labels[i] = truncate(clean(font, p.Label), maxLabelRunes)
		d.ideal[i] = p.Ideal
		x := float64(i)
		if v, ok := prev(cmp.Or(p.Name, p.Label)); ok {
			d.prev.x = append(d.prev.x, x)
			d.prev.y = append(d.prev.y, v)
		}
		if !finite(p.Mean) {
			continue
		}
		m := clamp(p.Mean)
		lo, hi := m, m
		if finite(p.Lo) {
			lo = min(clamp(p.Lo), m)
		}
		if finite(p.Hi) {
			hi = max(clamp(p.Hi), m)
		}
		s, b := &d.mean, &d.meanBand
		if p.Ideal {
			s, b = &d.idealLine, &d.idealBand
		}
		s.x, s.y = append(s.x, x), append(s.y, m)
		b.x, b.lo, b.hi = append(b.x, x), append(b.lo, lo), append(b.hi, hi)
	}

	for i, p := range c.Points {
		if i > 0 && p.Phase == c.Points[i-1].Phase {
			d.phases[len(d.phases)-1].to = i
			continue
		}
		label := c.PhaseLabels[p.Phase]
		if label == "" {
			label = defaultPhaseLabel(p.Phase)
		}
		d.phases = append(d.phases, phaseRun{label: clean(font, label), from: i, to: i})
	}

	// The legend lists only what is drawn, so a colour in the legend
	// always means something on the plot.
	meanItem := legendItem{kind: legendLine, color: meanColor, label: cmp.Or(c.LegendMean, "Team mean")}
	idealItem := legendItem{kind: legendLine, color: idealColor, label: cmp.Or(c.LegendIdeal, "Ideal")}
	if c.Future {
		meanItem.kind = legendDashed
		meanItem.label = cmp.Or(c.LegendMean, "Today, for comparison")
		idealItem.label = cmp.Or(c.LegendIdeal, "Ideal experience")
	}
	lines := []struct {
		item legendItem
		n    int
	}{{meanItem, len(d.mean.x)}, {idealItem, len(d.idealLine.x)}}
	if c.Future {
		lines[0], lines[1] = lines[1], lines[0]
	}
	for _, l := range lines {
		if l.n > 0 {
			d.legend = append(d.legend, l.item)
		}
	}
	if spread(d.meanBand) || spread(d.idealBand) {
		col := meanBandColor
		if !spread(d.meanBand) {
			col = idealBandColor
		}
		d.legend = append(d.legend, legendItem{kind: legendBand, color: col, label: cmp.Or(c.LegendSpread, "Spread (min–max)")})
	}
	if len(d.prev.x) > 0 {
		d.legend = append(d.legend, legendItem{kind: legendDashed, color: prevColor, label: cmp.Or(c.LegendPrevious, "Previous review")})
	}
	for i := range d.legend {
		d.legend[i].label = clean(font, d.legend[i].label)
	}
	return d
}

// previousLookup matches a touchpoint name against the previous map:
// exactly first, then ignoring case and surrounding spaces, since names get
// retyped between reviews. Non-finite previous values are ignored.
func previousLookup(prev map[string]float64) func(string) (float64, bool) {
	if len(prev) == 0 {
		return func(string) (float64, bool) { return 0, false }
	}
	fold := make(map[string]float64, len(prev))
	for k, v := range prev {
		fold[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return func(name string) (float64, bool) {
		v, ok := prev[name]
		if !ok {
			v, ok = fold[strings.ToLower(strings.TrimSpace(name))]
		}
		if !ok || !finite(v) {
			return 0, false
		}
		return clamp(v), true
	}
}

// spread reports whether any point of b has a visible band.
func spread(b band) bool {
	for i := range b.lo {
		if b.hi[i] > b.lo[i] {
			return true
		}
	}
	return false
}

func defaultPhaseLabel(p workshop.Phase) string {
	switch p {
	case workshop.Before:
		return "Before"
	case workshop.During:
		return "During"
	case workshop.After:
		return "After"
	case workshop.Morning:
		return "Morning"
	case workshop.Midday:
		return "Midday"
	case workshop.Afternoon:
		return "Afternoon"
	case workshop.Evening:
		return "Evening"
	case workshop.Night:
		return "Night"
	}
	return string(p)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func clamp(v float64) float64 { return max(minScore, min(maxScore, v)) }
