package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// ChartRenderer draws the emotion curve. The chart package implements it;
// the engine only says what to draw, in the workshop's language.
type ChartRenderer interface {
	RenderCurve(ctx context.Context, c Curve) ([]byte, error)
}

// Curve is what the emotion curve shows.
type Curve struct {
	Title string
	// Touchpoints in journey order.
	Touchpoints []workshop.Touchpoint
	// Previous holds the means of the previous review's map, by touchpoint
	// name, for comparison; nil when there is none.
	Previous map[string]float64
	// Future says the map is a future-state map: its ideal touchpoints are
	// the main line, today's the comparison.
	Future bool
	Labels CurveLabels
}

// CurveLabels are the chart's words in the workshop's language.
type CurveLabels struct {
	Phases   map[workshop.Phase]string
	YAxis    string
	Mean     string
	Spread   string
	Ideal    string
	Previous string
}

// ErrNoChart is returned by renderers that cannot draw anything (no
// touchpoint); the engine answers it with a sentence rather than a chart.
var ErrNoChart = errors.New("nothing to chart")

func (e *Engine) curve(w *workshop.Workshop, m *workshop.Map) Curve {
	lang := w.Lang
	title := w.Title
	if len(m.Personas) > 0 {
		title += " — " + m.Personas[0].Name
	}
	c := Curve{
		Title:       title,
		Touchpoints: m.Journey(),
		Labels: CurveLabels{
			Phases: map[workshop.Phase]string{},
			YAxis:  e.T(lang, "chart.y_axis"), Mean: e.T(lang, "chart.mean"), Spread: e.T(lang, "chart.spread"),
			Ideal: e.T(lang, "chart.ideal"), Previous: e.T(lang, "chart.previous"),
		},
	}
	for _, ph := range workshop.AllPhases {
		c.Labels.Phases[ph] = e.T(lang, "phase."+string(ph))
	}
	if m.MapType() == workshop.MapFutureState {
		c.Future = true
		c.Labels.Mean, c.Labels.Ideal = e.T(lang, "chart.mean_future"), e.T(lang, "chart.ideal_future")
	}
	if w.Round > 0 {
		// In a review round, the version before it is drawn beside.
		c.Previous = w.MapAt(w.Round - 1).Means()
	}
	return c
}

// chartFile renders the curve of w and describes it for screen readers.
func (e *Engine) chartFile(ctx context.Context, w *workshop.Workshop, m *workshop.Map) (File, error) {
	if e.charts == nil {
		return File{}, problem("error.charts_unavailable")
	}
	if len(m.Touchpoints) == 0 {
		return File{}, problem("error.no_touchpoints_chart")
	}
	png, err := e.charts.RenderCurve(ctx, e.curve(w, m))
	if errors.Is(err, ErrNoChart) {
		return File{}, problem("error.no_touchpoints_chart")
	}
	if err != nil {
		return File{}, fmt.Errorf("render chart of %s: %w", w.ID, err)
	}
	lo, hi := m.Touchpoints[0], m.Touchpoints[0]
	for _, t := range m.Touchpoints[1:] {
		if t.Mean() < lo.Mean() {
			lo = t
		}
		if t.Mean() > hi.Mean() {
			hi = t
		}
	}
	alt := e.T(w.Lang, "chart.alt", "title", w.Title, "count", len(m.Touchpoints),
		"low", lo.ID+" "+lo.Name, "low_score", e.score(w.Lang, lo.Mean()),
		"high", hi.ID+" "+hi.Name, "high_score", e.score(w.Lang, hi.Mean()))
	return File{
		Channel: w.Channel, ThreadTS: w.StepTS(workshop.Touchpoints), Workshop: w.ID, Lang: w.Lang,
		Name:    fmt.Sprintf("journey-%s-curve.png", strings.ToLower(w.ID)),
		Title:   e.T(w.Lang, "chart.title", "title", w.Title),
		AltText: truncateRunes(alt, 1000),
		Data:    png,
	}, nil
}

// postChart uploads the curve when the touchpoints step closes; a failure is
// logged, not fatal, since the step has already moved on.
func (e *Engine) postChart(ctx context.Context, w *workshop.Workshop, m *workshop.Map, thread string) {
	if e.charts == nil || len(m.Touchpoints) == 0 {
		return
	}
	f, err := e.chartFile(ctx, w, m)
	if err == nil {
		f.ThreadTS = thread
		err = e.notify.Upload(ctx, f)
	}
	if err != nil {
		e.log.WarnContext(ctx, "post chart", "workshop", w.ID, "err", err)
	}
}

func (e *Engine) cmdChart(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	f, err := e.chartFile(ctx, w, w.Map())
	if err != nil {
		return err
	}
	if err := e.notify.Upload(ctx, f); err != nil {
		return fmt.Errorf("upload chart of %s: %w", w.ID, err)
	}
	return nil
}

func (e *Engine) cmdExport(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	format := export.MD
	if len(c.args) > 0 {
		format = strings.ToLower(strings.TrimPrefix(c.args[0], "."))
	}
	if !export.ValidFormat(format) {
		return problem("error.export_format", "got", UserText(format))
	}
	files, err := e.ExportFiles(ctx, w, format)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := e.notify.Upload(ctx, f); err != nil {
			return fmt.Errorf("upload export of %s: %w", w.ID, err)
		}
	}
	return nil
}

// ExportFiles renders w in format, ready to upload or write. A Markdown
// export with touchpoints comes with the emotion curve, which the document
// shows as an image; the curve is listed first, so the document follows it.
func (e *Engine) ExportFiles(ctx context.Context, w *workshop.Workshop, format string) ([]File, error) {
	var files []File
	chartName := ""
	if m := w.Map(); format == export.MD && e.charts != nil && len(m.Touchpoints) > 0 {
		f, err := e.chartFile(ctx, w, m)
		if err != nil {
			return nil, err
		}
		f.ThreadTS = "" // beside the document, not in the touchpoints thread
		files = append(files, f)
		chartName = f.Name
	}
	f, err := e.exportFile(w, format, chartName)
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

// exportFile renders w in format; chart names the curve's image file for a
// Markdown document to show, if any.
func (e *Engine) exportFile(w *workshop.Workshop, format, chart string) (File, error) {
	var buf bytes.Buffer
	opt := export.Options{T: func(key string, args ...any) rich.Text { return e.R(w.Lang, key, args...) }, Now: e.now(), Chart: chart, Locale: e.cat.Locale(w.Lang)}
	if err := export.Write(&buf, format, w, opt); err != nil {
		return File{}, fmt.Errorf("export %s as %s: %w", w.ID, format, err)
	}
	return File{
		Channel: w.Channel, Workshop: w.ID, Name: export.FileName(w, format), Data: buf.Bytes(), Lang: w.Lang,
		Title:   e.T(w.Lang, "export.file_title", "title", w.Title, "format", strings.ToUpper(format)),
		Comment: e.R(w.Lang, "export.posted", "format", strings.ToUpper(format), "title", UserText(w.Title)),
	}, nil
}
