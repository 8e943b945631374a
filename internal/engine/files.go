package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// ChartRenderer draws the charts: the emotion curve and the impact/effort
// matrix. The chart package implements it; the engine only says what to
// draw, in the workshop's language.
type ChartRenderer interface {
	RenderCurve(ctx context.Context, c Curve) ([]byte, error)
	RenderMatrix(ctx context.Context, m Matrix) ([]byte, error)
}

// PDFRenderer draws the one-page map of the PDF export. The pdf package
// implements it; the engine only says what the page shows (export.Sheet).
type PDFRenderer interface {
	RenderPDF(ctx context.Context, s page.Sheet) ([]byte, error)
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
// touchpoint, no rated change); the engine answers it with a sentence
// rather than a chart.
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
		Name:    curveFileName(w.ID),
		Title:   e.T(w.Lang, "chart.title", "title", w.Title),
		AltText: truncateRunes(alt, 1000),
		Data:    png,
	}, nil
}

func curveFileName(id string) string { return fmt.Sprintf("journey-%s-curve.png", strings.ToLower(id)) }

// upload shares f. When it is a workshop's emotion curve and the notifier
// can say where it is (FileSharer), the address is kept in the meta for
// the canvas's link: the latest curve shared wins. Failing to keep it
// only loses the link, so it is logged, not returned.
func (e *Engine) upload(ctx context.Context, f File) error {
	sharer, ok := e.notify.(FileSharer)
	if !ok || f.Workshop == "" || f.Name != curveFileName(f.Workshop) {
		return e.notify.Upload(ctx, f)
	}
	link, err := sharer.Share(ctx, f)
	if err != nil || link == "" {
		return err
	}
	if _, err := e.store.UpdateMeta(ctx, f.Workshop, func(m *workshop.Meta) error {
		m.ChartURL = link
		return nil
	}); err != nil {
		e.log.WarnContext(ctx, "keep the chart's address", "workshop", f.Workshop, "err", err)
	}
	return nil
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
		err = e.upload(ctx, f)
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
	if err := e.upload(ctx, f); err != nil {
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
		if err := e.upload(ctx, f); err != nil {
			return fmt.Errorf("upload export of %s: %w", w.ID, err)
		}
	}
	return nil
}

// ExportFiles renders w in format, ready to upload or write. A Markdown
// export with touchpoints comes with the emotion curve, and one with rated
// changes with the impact/effort matrix, which the document shows as
// images; a CSV export with changes comes with the changes' CSV (the
// touchpoints' has one row per touchpoint). The document is listed last,
// so it follows what it refers to.
// A PDF has the curve drawn inside it.
func (e *Engine) ExportFiles(ctx context.Context, w *workshop.Workshop, format string) ([]File, error) {
	if format == export.PDF {
		f, err := e.pdfFile(ctx, w, w.Map())
		if err != nil {
			return nil, err
		}
		return []File{f}, nil
	}
	var files []File
	var opt export.Options
	m := w.Map()
	if format == export.MD && e.charts != nil && len(m.Touchpoints) > 0 {
		f, err := e.chartFile(ctx, w, m)
		if err != nil {
			return nil, err
		}
		f.ThreadTS = "" // beside the document, not in the touchpoints thread
		files = append(files, f)
		opt.Chart = f.Name
	}
	if format == export.MD && e.charts != nil && m.Rated() {
		f, err := e.matrixFile(ctx, w, m)
		if err != nil {
			return nil, err
		}
		f.ThreadTS = ""
		files = append(files, f)
		opt.Matrix = f.Name
	}
	if format == export.CSV && len(m.Changes) > 0 {
		var buf bytes.Buffer
		if err := export.WriteChangesCSV(&buf, w, e.exportOptions(w, opt)); err != nil {
			return nil, fmt.Errorf("export changes of %s as csv: %w", w.ID, err)
		}
		files = append(files, File{
			Channel: w.Channel, Workshop: w.ID, Name: export.ChangesFileName(w), Data: buf.Bytes(), Lang: w.Lang,
			Title: e.T(w.Lang, "export.file_title", "title", w.Title+" · "+e.stepName(w.Lang, workshop.Iterate), "format", "CSV"),
		})
	}
	f, err := e.exportFile(w, format, opt)
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

// pdfFile draws the map of w on a page, with its emotion curve when
// there are touchpoints to draw.
func (e *Engine) pdfFile(ctx context.Context, w *workshop.Workshop, m *workshop.Map) (File, error) {
	if e.pdfs == nil {
		return File{}, problem("error.pdf_unavailable")
	}
	opt := e.exportOptions(w, export.Options{})
	if e.charts != nil && len(m.Touchpoints) > 0 {
		c := e.curve(w, m)
		c.Title = "" // the page's title names the workshop, its persona card the persona
		png, err := e.charts.RenderCurve(ctx, c)
		if err != nil && !errors.Is(err, ErrNoChart) {
			return File{}, fmt.Errorf("render chart of %s: %w", w.ID, err)
		}
		opt.Curve = png
	}
	data, err := e.pdfs.RenderPDF(ctx, export.Sheet(w, m, opt))
	if err != nil {
		return File{}, fmt.Errorf("export %s as pdf: %w", w.ID, err)
	}
	return e.exportedFile(w, export.PDF, data), nil
}

// exportOptions completes opt (the images a Markdown document shows) with
// the workshop's words, clock and locale.
func (e *Engine) exportOptions(w *workshop.Workshop, opt export.Options) export.Options {
	opt.T = func(key string, args ...any) rich.Text { return e.R(w.Lang, key, args...) }
	opt.Now = e.now()
	opt.Locale = e.cat.Locale(w.Lang)
	return opt
}

// exportFile renders w in format; opt names the images a Markdown
// document shows, if any.
func (e *Engine) exportFile(w *workshop.Workshop, format string, opt export.Options) (File, error) {
	var buf bytes.Buffer
	if err := export.Write(&buf, format, w, e.exportOptions(w, opt)); err != nil {
		return File{}, fmt.Errorf("export %s as %s: %w", w.ID, format, err)
	}
	return e.exportedFile(w, format, buf.Bytes()), nil
}

// exportedFile is an export of w in format, ready to upload.
func (e *Engine) exportedFile(w *workshop.Workshop, format string, data []byte) File {
	return File{
		Channel: w.Channel, Workshop: w.ID, Name: export.FileName(w, format), Data: data, Lang: w.Lang,
		Title:   e.T(w.Lang, "export.file_title", "title", w.Title, "format", strings.ToUpper(format)),
		Comment: e.R(w.Lang, "export.posted", "format", strings.ToUpper(format), "title", UserText(w.Title)),
	}
}
