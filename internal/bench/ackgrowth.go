package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// testReply is the reply table 1c sends: a test result about goal G1, which
// the bot checks against the workshop's goals before it stores it.
const testReply = "G1 yes | note"

// ackRun is one run of table 1c: a load of test-step replies against a
// fresh bot, in one workshop of a given size.
type ackRun struct {
	cell
	goals int
}

// ackGrowth is table 1c: the acknowledgement of a test-step reply in a
// workshop of 50 inputs and in one of 5,000, on the real binary. Each run
// is a fresh bot on a fresh workshop of one size, the sizes in turn, reps
// times; p50 and p99 are the medians of the runs.
func (r *Runner) ackGrowth(ctx context.Context) error {
	ns := r.sz.ackNs
	t := &Table{Title: fmt.Sprintf("1c. Ack of a test-step reply (%q, checked against the goals) as the workshop grows", testReply),
		Cols: []string{"inputs", "goals", "replies", "accepted/s", "p50", "p99", "max", "failed", "✅/reply", "Redis cmds/ev", "CPU s/1k ev", "other CPU s", "target"}}
	runs := make([][]ackRun, len(ns))
	for i := range r.sz.reps {
		for j, n := range ns {
			r.logf("test-step ack: %d inputs, run %d of %d", n, i+1, r.sz.reps)
			c, err := r.ackCell(ctx, n)
			if err != nil {
				return err
			}
			runs[j] = append(runs[j], c)
		}
	}
	p50s, p99s := make([]time.Duration, len(ns)), make([]time.Duration, len(ns))
	for j, n := range ns {
		p50s[j] = medianDur(runs[j], func(c ackRun) time.Duration { return c.Load.P50 })
		p99s[j] = medianDur(runs[j], func(c ackRun) time.Duration { return c.Load.P99 })
		// The other columns are the run with the median p50.
		c := slices.Clone(runs[j])
		slices.SortFunc(c, func(a, b ackRun) int { return cmp.Compare(a.Load.P50, b.Load.P50) })
		m := c[len(c)/2]
		if reacted := m.SlackBy["reactions.add"]; reacted < m.Load.Acked {
			return fmt.Errorf("test-step ack: %d of %d replies in a workshop of %d inputs got no ✅ (refused?): the goal check did not find G1", m.Load.Acked-reacted, m.Load.Acked, n)
		}
		t.Add(n, m.goals, m.N, fmt.Sprintf("%.0f", m.Load.Rate()), ms(p50s[j]), ms(p99s[j]), ms(m.Load.Max), m.Load.Failed,
			f2(per(float64(m.SlackBy["reactions.add"]), m.N)), f2(per(float64(m.RedisCmds), m.N)), f2(m.cpuPer1k()), f1(m.OtherCPU.Seconds()), "")
	}
	last := len(ns) - 1
	g50, g99 := float64(p50s[last])/float64(p50s[0]), float64(p99s[last])/float64(p99s[0])
	big, small := fmt.Sprintf("%d", ns[last]), fmt.Sprintf("%d", ns[0])
	target := r.verdict(fmt.Sprintf("test-step reply ack p50 within %.1f× from %s to %s inputs", targetAckGrowth, small, big),
		fmt.Sprintf("%s vs %s = ×%.2f (medians of %d)", ms(p50s[last]), ms(p50s[0]), g50, r.sz.reps), g50 <= targetAckGrowth, "p50")
	if r.sz.judge {
		target += ", " + r.verdict(fmt.Sprintf("test-step reply ack p99 within %.1f× from %s to %s inputs", targetAckGrowth, small, big),
			fmt.Sprintf("%s vs %s = ×%.2f (medians of %d)", ms(p99s[last]), ms(p99s[0]), g99, r.sz.reps), g99 <= targetAckGrowth, "p99")
	}
	t.Add(big+" ÷ "+small, "", "", "", fmt.Sprintf("×%.2f", g50), fmt.Sprintf("×%.2f", g99), "", "", "", "", "", "", target)
	for j, n := range ns {
		var parts []string
		for _, c := range runs[j] {
			parts = append(parts, fmt.Sprintf("p50 %s p99 %s", ms(c.Load.P50), ms(c.Load.P99)))
		}
		t.Note("%d inputs, %d runs: %s.", n, len(runs[j]), strings.Join(parts, "; "))
	}
	t.Note("Each run: a fresh bot and one workshop (inputs spread over the seven steps, the thread bound to the test step), %d replies at %.0f/s, open loop; p50 and p99 are medians of the runs, the other columns the run with the median p50.",
		int(r.sz.ackRate*r.sz.ackCell.Seconds()), r.sz.ackRate)
	t.Note("The bot checks that G1 exists from the step totals the store keeps, not from the whole workshop; after the 200 come the ✅ and the debounced header update (once per %v), whose CPU is in the CPU column.", headerDelay)
	t.Note("Target (issue #12): the ack at %s inputs within %.1f× of the ack at %s inputs.", big, targetAckGrowth, small)
	r.print(t)
	return nil
}

// medianDur is the median of one duration of the runs.
func medianDur(cs []ackRun, f func(ackRun) time.Duration) time.Duration {
	ds := make([]time.Duration, len(cs))
	for i, c := range cs {
		ds[i] = f(c)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// ackCell sends test-step replies to a fresh bot, in a workshop of n
// inputs.
func (r *Runner) ackCell(ctx context.Context, n int) (ackRun, error) {
	prefix := r.newPrefix()
	defer deletePrefix(context.WithoutCancel(ctx), r.rdb, prefix)
	st := redis.New(r.rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, 1, workshop.Test, func(int) string { return "CTEST" })
	if err != nil {
		return ackRun{}, err
	}
	w := ws[0]
	if err := fill(ctx, st, w.ID, r.mixedInputs(n), nil); err != nil {
		return ackRun{}, err
	}
	counts, err := st.Counts(ctx, w.ID)
	if err != nil {
		return ackRun{}, err
	}
	bot, err := r.startBot(ctx, "bot-ack", r.redis.URL(), prefix, fake, "")
	if err != nil {
		return ackRun{}, err
	}
	defer bot.Stop()
	replies := func(k int) []*Event {
		evs := make([]*Event, k)
		for i := range evs {
			evs[i] = r.replyWith(w, i, testReply)
			evs[i].Body()
		}
		return evs
	}
	awaitReactions(fake, 0, acked(OpenLoop(ctx, bot.Target, replies(r.sz.warmupEvents), 500, 16)))
	r0 := reactions(fake)
	m, err := r.startMeter(ctx, bot, fake)
	if err != nil {
		return ackRun{}, err
	}
	outs := OpenLoop(ctx, bot.Target, replies(int(r.sz.ackRate*r.sz.ackCell.Seconds())), r.sz.ackRate, r.sz.workers)
	awaitReactions(fake, r0, acked(outs)) // the smoke run does not quiesce, but counts the ✅
	r.quiesce(fake, lastAnswer(outs))
	u, err := m.done(ctx)
	if err != nil {
		return ackRun{}, err
	}
	return ackRun{cell: cell{Load: Summarize(outs), Usage: u, N: len(outs)}, goals: counts.Items[workshop.Goals]}, nil
}
