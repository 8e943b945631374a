package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Nudge planning targets, from issue #14.
const (
	targetNudgeCPU        = time.Second // CPU of one scheduler pass over every open workshop
	targetNudgeRoundTrips = 1.0         // Redis round trips per due workshop in a pass
)

// nudgeZones are the members' zones, in turn: when Paris starts work,
// New York and Tokyo are out of hours, so each pass nudges one zone and
// plans the others.
var nudgeZones = []string{"Europe/Paris", "America/New_York", "Asia/Tokyo"}

// The passes of the part: Tuesday 1 December 2026 at 09:00 UTC (10:00 in
// Paris), 14:00 UTC (09:00 in New York), Wednesday 00:00 UTC (09:00 in
// Tokyo); the step's deadline is Thursday at 17:00 UTC.
var (
	nudgeStart    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	nudgeDeadline = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
)

// nudgePass is what one scheduler pass did and cost.
type nudgePass struct {
	at         time.Time
	due        int // workshops the due index listed
	dms        int
	roundTrips int64
	cpu        time.Duration
	byCmd      map[string]int64
}

// partNudges is part 6: nudge planning over many open workshops, each with
// a step deadline and a channel of people in three zones, two of whom
// have contributed. The scheduler runs its passes as the clock reaches
// each zone's working hours; the baseline is the same job one workshop at
// a time, as the scheduler did it before passes were batched (read the
// meta, load the whole workshop, claim each nudge, update the meta, read
// it again). Each way runs twice on its own copy of the data: through the
// counting proxy for round trips, and straight to Redis for CPU (the
// proxy runs in this process and would count in it).
func (r *Runner) partNudges(ctx context.Context) error {
	n, members := r.sz.nudgeWorkshops, r.sz.nudgeMembers
	t := &Table{Title: fmt.Sprintf("6. Nudge planning: %d open workshops, %d channel members each (3 zones, 2 contributed)", n, members),
		Cols: []string{"pass (UTC)", "way", "due workshops", "DMs", "Redis round trips", "per due workshop", "CPU", "CPU vs one by one", "round trips vs one by one", "target"}}
	proxy, err := StartProxy(r.redis.Addr())
	if err != nil {
		return err
	}
	defer proxy.Close()
	viaProxy := goredis.NewClient(&goredis.Options{Addr: proxy.Addr, PoolSize: 16})
	defer viaProxy.Close()

	type way struct {
		name    string
		batched bool
	}
	results := map[string][][]nudgePass{} // way -> [counted, timed] -> passes
	for _, w := range []way{{"batched", true}, {"one by one", false}} {
		for _, counted := range []bool{true, false} {
			prefix := r.newPrefix()
			if err := r.nudgeWorkshops(ctx, redis.New(r.rdb, prefix), n, members); err != nil {
				return err
			}
			client := r.rdb
			if counted {
				client = viaProxy
			}
			r.logf("nudges: %s, counted=%v", w.name, counted)
			passes, err := r.nudgePasses(ctx, redis.New(client, prefix), w.batched, members, proxy)
			if err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
			results[w.name] = append(results[w.name], passes)
		}
	}
	worstCPU, worstRT := time.Duration(0), 0.0
	for i := range results["batched"][0] {
		rt, cpu := results["batched"][0][i], results["batched"][1][i]
		ort, ocpu := results["one by one"][0][i], results["one by one"][1][i]
		if rt.dms != ort.dms || cpu.dms != rt.dms || ocpu.dms != rt.dms || rt.due != ort.due {
			return fmt.Errorf("pass %d: the ways did not do the same job (DMs %d/%d/%d/%d, due %d/%d)", i+1, rt.dms, cpu.dms, ort.dms, ocpu.dms, rt.due, ort.due)
		}
		perDue := float64(rt.roundTrips) / float64(max(rt.due, 1))
		worstCPU, worstRT = max(worstCPU, cpu.cpu), max(worstRT, perDue)
		label := rt.at.Format("Mon 15:04")
		t.Add(label, "batched", rt.due, rt.dms, rt.roundTrips, f2(perDue), ms(cpu.cpu),
			ratio(cpu.cpu.Seconds(), ocpu.cpu.Seconds()), fmt.Sprintf("1/%.0f", float64(ort.roundTrips)/float64(max(rt.roundTrips, 1))),
			r.verdict(fmt.Sprintf("nudge pass %s: < 1 s CPU, ≤ 1 round trip per due workshop", label),
				fmt.Sprintf("%s CPU, %s round trips per due workshop", ms(cpu.cpu), f2(perDue)), cpu.cpu < targetNudgeCPU && perDue <= targetNudgeRoundTrips, "<1 s, ≤1"))
		t.Add(label, "one by one", ort.due, ort.dms, ort.roundTrips, f2(float64(ort.roundTrips)/float64(max(ort.due, 1))), ms(ocpu.cpu), "1", "1", "")
	}
	t.Note("A pass is one Scheduler.RunDue at the pass's instant: the due index lists every workshop whose nudge pass is due, the engine nudges the members in working hours (09:00-18:00 their time) and plans the next pass at the next zone's morning. DMs are rendered as Block Kit JSON, as the Slack notifier does, and not sent.")
	t.Note("Batched: metas read in one pipeline per 200 due workshops, the step's contributors from the totals the store keeps (one pipeline), every nudge claimed in one pipeline, the next passes saved with one compare-and-set each, pipelined. One by one: the same engine and data, as the scheduler ran passes before they were batched: each workshop's meta read, the whole workshop loaded, each nudge claimed on its own, the meta updated and read again (7 round trips per workshop, one per nudge).")
	t.Note("CPU: this process's user+system time over the pass (getrusage), in the run straight to Redis; round trips: the counting proxy's batches, in the other run. Worst pass: %s CPU, %s round trips per due workshop.", ms(worstCPU), f2(worstRT))
	r.print(t)
	return nil
}

// nudgeWorkshops creates n workshops at the goals step with a deadline and
// nudges planned from the first pass; members people in C<i>, the first
// two with a goal each.
func (r *Runner) nudgeWorkshops(ctx context.Context, st *redis.Store, n, members int) error {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := nudgeWorkshop(ctx, st, i, members); err != nil {
				mu.Lock()
				first = cmpErr(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func nudgeWorkshop(ctx context.Context, st *redis.Store, i, members int) error {
	id := fmt.Sprintf("W%d", i+1)
	m := &workshop.Meta{
		ID: id, Title: fmt.Sprintf("Checkout redesign %d", i+1), Lang: workshop.LangEN, Facilitator: "UFAC",
		Channel: fmt.Sprintf("C%05d", i), Step: workshop.Goals, CreatedAt: nudgeStart.Add(-24 * time.Hour),
		Messages:    []workshop.StepMessage{{Step: workshop.Goals, TS: "1764493200.000100", At: nudgeStart.Add(-24 * time.Hour)}},
		NudgeBefore: nudgeDeadline.Sub(nudgeStart),
	}
	m.SetDeadline(nudgeDeadline, nudgeStart)
	if err := st.Create(ctx, m); err != nil {
		return err
	}
	for j := range min(2, members) {
		ts := fmt.Sprintf("1764493300.%06d", j)
		in := workshop.Input{ID: ts, Step: workshop.Goals, Author: nudgeMember(i, j), Text: "Pay in two clicks", TS: ts, Source: workshop.SourceThread, Items: 1}
		if _, err := st.PutInput(ctx, id, in); err != nil {
			return err
		}
	}
	return nil
}

func nudgeMember(workshopIndex, j int) string { return fmt.Sprintf("U%05d%02d", workshopIndex, j) }

// nudgeDirectory gives each workshop's channel its members, zones in turn.
type nudgeDirectory struct{ members int }

func (d nudgeDirectory) Members(_ context.Context, channel string) ([]engine.Member, error) {
	var i int
	if _, err := fmt.Sscanf(channel, "C%05d", &i); err != nil {
		return nil, err
	}
	out := make([]engine.Member, d.members)
	for j := range out {
		out[j] = engine.Member{ID: nudgeMember(i, j), TZ: nudgeZones[j%len(nudgeZones)]}
	}
	return out, nil
}

// renderingNotifier renders each message as the Slack notifier would and
// counts the DMs.
type renderingNotifier struct{ dms atomic.Int64 }

func (n *renderingNotifier) Post(_ context.Context, m engine.Message) (string, error) {
	blocks, text := slack.Blocks(m)
	if _, err := json.Marshal(map[string]any{"channel": m.User, "blocks": blocks, "text": text}); err != nil {
		return "", err
	}
	if m.Direct {
		n.dms.Add(1)
	}
	return "1764579600.000100", nil
}
func (n *renderingNotifier) Update(context.Context, string, string, engine.Message) error { return nil }
func (n *renderingNotifier) React(context.Context, string, string, string) error          { return nil }
func (n *renderingNotifier) Upload(context.Context, engine.File) error                    { return nil }

// oneByOneStore hides the store's batch role from the engine, which then
// loads each whole workshop, as it did before passes were batched.
type oneByOneStore struct{ engine.Store }

// nudgePasses runs the passes at each zone's morning and measures each.
func (r *Runner) nudgePasses(ctx context.Context, st *redis.Store, batched bool, members int, proxy *Proxy) ([]nudgePass, error) {
	var now atomic.Pointer[time.Time]
	clock := func() time.Time { return *now.Load() }
	notes := &renderingNotifier{}
	var engStore engine.Store = st
	if !batched {
		engStore = oneByOneStore{st}
	}
	eng := engine.New(engine.Config{Store: engStore, Notifier: notes, DefaultLang: workshop.LangEN, Now: clock,
		Directory: nudgeDirectory{members}, Schedules: review.Schedules{}})
	sched := &review.Scheduler{Store: st, Reminder: eng, Now: clock}
	var out []nudgePass
	for _, at := range []time.Time{nudgeStart, nudgeStart.Add(5 * time.Hour), nudgeStart.Add(15 * time.Hour)} {
		now.Store(&at)
		due, err := st.Due(ctx, at, 1<<20)
		if err != nil {
			return nil, err
		}
		proxy.Reset()
		dms0 := notes.dms.Load()
		cpu0 := processCPU()
		if batched {
			_, err = sched.RunDue(ctx)
		} else {
			err = oneByOnePass(ctx, st, eng, at)
		}
		cpu := processCPU() - cpu0
		if err != nil {
			return nil, err
		}
		out = append(out, nudgePass{at: at, due: len(due), dms: int(notes.dms.Load() - dms0), roundTrips: proxy.RoundTrips(), cpu: cpu, byCmd: proxy.ByCommand()})
	}
	if left, err := st.Due(ctx, nudgeDeadline.Add(-time.Minute), 10); err != nil || len(left) != 0 {
		return nil, fmt.Errorf("after the passes, still due before the deadline: %v, %v", left, err)
	}
	return out, nil
}

// oneByOnePass is a nudge pass the way the scheduler ran it before
// batches, with the same engine.
func oneByOnePass(ctx context.Context, st *redis.Store, eng *engine.Engine, now time.Time) error {
	ids, err := st.Due(ctx, now, 1<<20)
	if err != nil {
		return err
	}
	for _, id := range ids {
		m, err := st.LoadMeta(ctx, id)
		if err != nil {
			return err
		}
		at := m.NudgeAt
		plans, err := eng.NudgeAll(ctx, []*workshop.Meta{m}, now, func(keys []string) ([]bool, error) {
			got := make([]bool, len(keys))
			for i, k := range keys {
				if got[i], err = st.Claim(ctx, k, review.NudgeClaimTTL); err != nil {
					return nil, err
				}
			}
			return got, nil
		})
		if err != nil {
			return err
		}
		if _, err := st.UpdateMeta(ctx, id, func(cur *workshop.Meta) error {
			if cur.NudgeAt.Equal(at) {
				cur.ApplyNudges(plans[0])
			}
			return nil
		}); err != nil {
			return err
		}
		if _, err := st.LoadMeta(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// processCPU is this process's user and system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
