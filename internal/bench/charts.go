package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/chart"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// curveOf is the chart the bot draws for w (engine.curve, minus prompts).
func curveOf(w *workshop.Workshop) chart.Curve {
	return chart.Curve{Title: w.Title, Points: chart.FromTouchpoints(w.Map().Journey())}
}

// partCharts is part 2: what a chart costs, and what drawing charts does to
// the acknowledgement of events that arrive meanwhile.
func (r *Runner) partCharts(ctx context.Context) error {
	if err := chart.Init(); err != nil {
		return err
	}
	t := &Table{Title: "2a. Chart rendering (in process, PNG 1200 px wide)",
		Cols: []string{"touchpoints", "time/op", "allocs/op", "alloc MB/op", "PNG KB", "runs"}}
	var avg time.Duration
	for _, n := range r.sz.renderNs {
		c := curveOf(r.touchpointWorkshop(n))
		var size int
		cost, err := measureOp(r.sz.renderTime, r.sz.minRuns, func() error {
			var buf bytes.Buffer
			err := chart.Render(&buf, c)
			size = buf.Len()
			return err
		})
		if err != nil {
			return err
		}
		avg += cost.PerOp / time.Duration(len(r.sz.renderNs))
		t.Add(n, ms(cost.PerOp), fmt.Sprintf("%.0f", cost.AllocsPerOp), f1(cost.BytesPerOp/(1<<20)), size>>10, cost.N)
	}
	t.Note("`go test -bench Render ./internal/chart` measures the same through testing.B (BenchmarkRender12/50, run first by `make bench`).")
	r.print(t)
	return r.chartsUnderLoad(ctx, avg)
}

// chartsUnderLoad runs the same event load twice against one bot: alone,
// then while `/journey chart` commands keep it drawing.
func (r *Runner) chartsUnderLoad(ctx context.Context, renderAvg time.Duration) error {
	prefix := r.newPrefix()
	st := redis.New(r.rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, r.sz.chartK, workshop.Goals, channelOf)
	if err != nil {
		return err
	}
	// Ten workshops to draw: five of 12 touchpoints, five of 50.
	cws, err := r.createWorkshops(ctx, st, fake, 10, workshop.Touchpoints, func(i int) string { return fmt.Sprintf("CCHART%d", i) })
	if err != nil {
		return err
	}
	for i, w := range cws {
		tw := r.touchpointWorkshop([]int{12, 50}[i%2])
		if err := fill(ctx, st, w.ID, tw.Inputs, tw.Scores); err != nil {
			return err
		}
	}
	bot, err := r.startBot(ctx, "bot-charts", r.redis.URL(), prefix, fake, "")
	if err != nil {
		return err
	}
	defer bot.Stop()
	r.warmup(ctx, bot, ws[:1])
	const rate = 500
	n := int(rate * r.sz.chartPhase.Seconds())

	t := &Table{Title: fmt.Sprintf("2b. Ack latency while charts render (%d events/s over %d workshops)", rate, r.sz.chartK),
		Cols: []string{"phase", "charts/s", "core drawing", "accepted/s", "p50", "p99", "max", "failed", "charts uploaded", "bot CPU s", "p99 ÷ alone", "target"}}
	var alone time.Duration
	for _, chartRate := range r.sz.chartRates {
		m, err := r.startMeter(ctx, bot, fake)
		if err != nil {
			return err
		}
		uploads0 := len(fake.Uploads())
		var wg sync.WaitGroup
		var cmdAcked int
		if chartRate > 0 {
			wg.Go(func() { cmdAcked = r.chartCommands(ctx, bot.Target, cws, chartRate, r.sz.chartPhase) })
		}
		outs := OpenLoop(ctx, bot.Target, r.events(ws, n), rate, r.sz.workers)
		wg.Wait()
		// Wait for the charts asked for to be drawn and uploaded.
		deadline := time.Now().Add(60 * time.Second)
		for len(fake.Uploads())-uploads0 < cmdAcked && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		r.quiesce(fake, lastAnswer(outs))
		u, err := m.done(ctx)
		if err != nil {
			return err
		}
		s := Summarize(outs)
		name, target, vs := "events alone", "–", "–"
		switch {
		case chartRate == 0:
			alone = s.P99
		case chartRate == chartJudgeRate:
			name = "events + charts"
			target = r.verdict(fmt.Sprintf("ack p99 < 50 ms at 500 events/s while %v charts/s render", chartRate), ms(s.P99), s.P99 < targetP99 && s.Failed == 0, "p99<50ms")
		default:
			name = "events + chart storm"
		}
		if chartRate > 0 {
			vs = ratio(float64(s.P99), float64(alone))
		}
		t.Add(name, chartRate, fmt.Sprintf("%.0f%%", chartRate*renderAvg.Seconds()*100), fmt.Sprintf("%.0f", s.Rate()), ms(s.P50), ms(s.P99), ms(s.Max), s.Failed,
			fmt.Sprintf("%d of %d", len(fake.Uploads())-uploads0, cmdAcked), f2(u.CPU.Seconds()), vs, target)
	}
	t.Note("Charts: `/journey chart W…` on workshops of 12 and 50 touchpoints, alternately. Core drawing: charts/s × the in-process render time of 2a (%s).", ms(renderAvg))
	t.Note("The chart is drawn after the command's 200, in the background; an event's ack shares the CPU with it, and the garbage collector: a render allocates 8-12 MB.")
	t.Note("The target is judged at %v charts/s, a busy day's peak; the storm row shows what happens when drawing takes most of a core.", chartJudgeRate)
	r.print(t)
	return nil
}

// chartJudgeRate is the chart rate at which the ack target is judged.
const chartJudgeRate = 2

// chartCommands sends `/journey chart` at rate for d and returns how many
// were acknowledged.
func (r *Runner) chartCommands(ctx context.Context, t *Target, cws []Workshop, rate float64, d time.Duration) int {
	n := int(rate * d.Seconds())
	acked := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		w := cws[i%len(cws)]
		wg.Go(func() {
			st, err := t.Command(ctx, w.Channel, "UFAC", "chart "+w.ID)
			if err == nil && st == http.StatusOK {
				mu.Lock()
				acked++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return acked
}
