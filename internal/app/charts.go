package app

import (
	"bytes"
	"context"
	"errors"

	"github.com/journeybot/journeybot/internal/chart"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// charts draws the engine's curves and matrices with the chart package.
type charts struct{}

// newCharts returns the chart renderer, with go-chart's font loaded now:
// it is parsed lazily with a data race on first concurrent use.
func newCharts() engine.ChartRenderer {
	if err := chart.Init(); err != nil {
		return nil
	}
	return charts{}
}

func (charts) RenderCurve(_ context.Context, c engine.Curve) ([]byte, error) {
	var buf bytes.Buffer
	err := chart.Render(&buf, chart.Curve{
		Title:          c.Title,
		Points:         chart.FromTouchpoints(c.Touchpoints),
		Previous:       c.Previous,
		Future:         c.Future,
		PhaseLabels:    c.Labels.Phases,
		YLabel:         c.Labels.YAxis,
		LegendMean:     c.Labels.Mean,
		LegendIdeal:    c.Labels.Ideal,
		LegendSpread:   c.Labels.Spread,
		LegendPrevious: c.Labels.Previous,
	})
	if errors.Is(err, chart.ErrNoTouchpoints) {
		return nil, engine.ErrNoChart
	}
	return buf.Bytes(), err
}

func (charts) RenderMatrix(_ context.Context, m engine.Matrix) ([]byte, error) {
	pts := make([]chart.MatrixPoint, len(m.Changes))
	for i, c := range m.Changes {
		pts[i] = chart.MatrixPoint{Label: c.ID, Text: c.Text, Impact: c.Rating.Impact, Effort: c.Rating.Effort}
	}
	q := m.Labels.Quadrants
	var buf bytes.Buffer
	err := chart.RenderMatrix(&buf, chart.Matrix{
		Title:     m.Title,
		Points:    pts,
		QuickWins: q[workshop.QuickWin], BigBets: q[workshop.BigBet], FillIns: q[workshop.FillIn], MoneyPits: q[workshop.MoneyPit],
		XLabel: m.Labels.XAxis, YLabel: m.Labels.YAxis, KeyTitle: m.Labels.Key, Note: m.Labels.Note,
	})
	if errors.Is(err, chart.ErrNoRatings) {
		return nil, engine.ErrNoChart
	}
	return buf.Bytes(), err
}
