package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Lines a team could write in each step, to fill workshops of any size
// with input the parser accepts.
var stepLines = map[workshop.Step]func(i int) string{
	workshop.Goals: func(i int) string { return fmt.Sprintf("Why do visitors leave at step %d of the checkout?", i) },
	workshop.Personas: func(i int) string {
		return fmt.Sprintf("Claire %d, 34 | marketing manager, Lyon, mobile-first | values speed; hates hidden fees", i)
	},
	workshop.Touchpoints: touchpointLine,
	workshop.Scope:       func(i int) string { return fmt.Sprintf("Includes the returns desk, note %d", i) },
	workshop.Resources: func(i int) string {
		return fmt.Sprintf("need | follow-up tool %d | no follow-up after a ticket | @maria", i)
	},
	workshop.Test:    func(i int) string { return fmt.Sprintf("G1 partly | drop-off visible, cause unknown (%d)", i) },
	workshop.Iterate: func(i int) string { return fmt.Sprintf("Show fees on the pricing page %d | @leo | 2026-12-15", i) },
}

var channels = []string{"website", "e-mail", "shop", "phone", "app", "chat"}

func touchpointLine(i int) string {
	phase := []string{"before", "during", "after"}[i%3]
	return fmt.Sprintf("Touchpoint %d | %s | %s | %d | clear tiers | hidden fees", i+1, channels[i%len(channels)], phase, i%5-2)
}

// input makes the i-th input of a workshop: its ts is unique in the run.
// Its Items count is what the bot would record, so the store's step totals
// (which the goal check of a test-step reply reads) are right.
func (r *Runner) input(step workshop.Step, i int) workshop.Input {
	ts := r.ts.next()
	text := stepLines[step](i)
	items, _ := workshop.ParseReply(step, text)
	return workshop.Input{ID: ts, Step: step, Author: fmt.Sprintf("U%03d", i%12), Text: text, TS: ts,
		Version: ts, Source: workshop.SourceThread, Items: len(items)}
}

// mixedInputs spreads n inputs over the seven steps, as a long workshop
// collects them.
func (r *Runner) mixedInputs(n int) []workshop.Input {
	out := make([]workshop.Input, n)
	for i := range out {
		out[i] = r.input(workshop.Step(1+i%7), i)
	}
	return out
}

// touchpointWorkshop is n touchpoints with three scores each, so the chart
// draws a mean line and a spread band.
func (r *Runner) touchpointWorkshop(n int) *workshop.Workshop {
	w := &workshop.Workshop{Meta: workshop.Meta{ID: "W0", Title: "Checkout redesign", Lang: workshop.LangEN, Step: workshop.Touchpoints}}
	for i := range n {
		in := r.input(workshop.Touchpoints, i)
		w.Inputs = append(w.Inputs, in)
		for u := range 3 {
			w.Scores = append(w.Scores, workshop.Score{Touchpoint: in.ID + "#0", User: fmt.Sprintf("U%d", u), Value: (i+u)%5 - 2, At: time.Now()})
		}
	}
	return w
}

// fill stores inputs and scores into workshop id.
func fill(ctx context.Context, st *redis.Store, id string, inputs []workshop.Input, scores []workshop.Score) error {
	for _, in := range inputs {
		if _, err := st.PutInput(ctx, id, in); err != nil {
			return err
		}
	}
	for _, s := range scores {
		if err := st.PutScore(ctx, id, s); err != nil {
			return err
		}
	}
	return nil
}

// OpCost is the measured cost of one operation.
type OpCost struct {
	PerOp       time.Duration
	AllocsPerOp float64
	BytesPerOp  float64
	N           int
}

// measureOp runs op repeatedly for about d (at least minRuns times, after
// one warm-up call unless a single run is asked for) and reports time and allocations per call, as testing.B
// would, without needing the test flags.
func measureOp(d time.Duration, minRuns int, op func() error) (OpCost, error) {
	if minRuns > 1 {
		if err := op(); err != nil {
			return OpCost{}, err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	n := 0
	for n < minRuns || time.Since(start) < d {
		if err := op(); err != nil {
			return OpCost{}, err
		}
		n++
	}
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	return OpCost{
		PerOp:       el / time.Duration(n),
		AllocsPerOp: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		BytesPerOp:  float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
		N:           n,
	}, nil
}
