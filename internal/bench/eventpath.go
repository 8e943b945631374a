package bench

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Event-path targets: the p99 and round trips from issue #7, the ratios to
// the fair baseline and the growth of a test-step ack from issue #12.
const (
	targetP99        = 50 * time.Millisecond // ack p99 at 500 events/s with 1,000 workshops
	aimP99           = 5 * time.Millisecond  // what issue #12 aims at for the same cell
	targetFairRate   = 0.7                   // of the fair baseline's events/s, as fast as each goes
	targetFairCPU    = 1.5                   // × the fair baseline's CPU per event, same cells
	targetAckGrowth  = 1.5                   // test-step ack at 5,000 inputs ÷ at 50
	targetRoundTrips = 3.0                   // Redis round trips per reply event
	// minThroughput was issue #7's target against the minimal baseline,
	// which does less than the bot must: shown in the notes, not judged.
	minThroughput = 0.5
)

// Who an event-path cell measures: the bot, the fair baseline (what the bot
// must do for a reply, no more) or the minimal one (the libraries' floor).
const (
	whoBot  = "bot"
	whoFair = "fair"
	whoMin  = "min"
)

var whos = []string{whoBot, whoFair, whoMin}

// cell is one load against one process.
type cell struct {
	Load LoadStats
	Usage
	N int
}

func (c cell) cpuPer1k() float64 { return per(c.CPU.Seconds()*1000, c.N) }

// channelOf spreads workshops over 50 channels, 20 per channel at K=1,000.
func channelOf(i int) string { return fmt.Sprintf("C%03d", i%50) }

// partEvents is part 1: the acknowledgement path under load, the bot next
// to the fair and the minimal baselines, then the Redis round trips of one
// reply, then the ack of a test-step reply as its workshop grows.
func (r *Runner) partEvents(ctx context.Context) error {
	t := &Table{Title: "1. Event path: signed thread replies (bot = journeybot serve, fair = fair baseline, min = minimal baseline)",
		Cols: []string{"workshops", "offered/s", "who", "accepted/s", "p50", "p99", "max", "failed", "Redis cmds/ev", "Slack calls/ev",
			"Slack conns/ev", "CPU s/1k ev", "redis CPU", "bench CPU", "other CPU s", "peak RSS", "target"}}
	var churn, heavy []string
	for _, k := range r.sz.ks {
		for _, rate := range append(slices.Clone(r.sz.rates), 0) {
			offered := "max"
			if rate > 0 {
				offered = fmt.Sprint(rate)
			}
			// A cell a target judges runs several times, bot and baselines
			// in turn, and the median run counts: on a shared machine a
			// neighbour's burst only ever makes one run look worse.
			p99Cell := k == 1000 && rate == 500
			runs := 1
			if p99Cell || rate == 0 {
				runs = r.sz.reps
			}
			all := make([][]cell, len(whos))
			for i := range runs {
				r.logf("event path: K=%d offered=%s, run %d of %d", k, offered, i+1, runs)
				for j, who := range whos {
					c, err := r.eventCell(ctx, k, rate, who)
					if err != nil {
						return err
					}
					all[j] = append(all[j], c)
				}
			}
			by := func(c cell) float64 { return -c.Load.Rate() }
			if p99Cell {
				by = func(c cell) float64 { return float64(c.Load.P99) }
			}
			med := make([]cell, len(whos))
			for j := range whos {
				med[j] = median(all[j], by)
			}
			bot, fair, minb := med[0], med[1], med[2]
			botTarget, fairTarget := "–", ""
			switch {
			case p99Cell:
				aim := "met"
				if bot.Load.P99 >= aimP99 {
					aim = "missed"
				}
				botTarget = r.verdict("ack p99 < 50 ms at 500 events/s, 1,000 workshops (aim < 5 ms)",
					fmt.Sprintf("%s (median of %d; aim < 5 ms %s)", ms(bot.Load.P99), runs, aim),
					bot.Load.P99 < targetP99 && bot.Load.Failed == 0, "p99<50ms")
			case rate == 0:
				if c := per(float64(bot.SlackConns), bot.N); c > 0.1 {
					churn = append(churn, fmt.Sprintf("%.2f at %d workshops", c, k))
				}
				frac := bot.Load.Rate() / fair.Load.Rate()
				botTarget = r.verdict(fmt.Sprintf("throughput ≥ 0.7 × fair baseline (%d workshops)", k),
					fmt.Sprintf("%.0f/s vs %.0f/s = %.2f (medians of %d)", bot.Load.Rate(), fair.Load.Rate(), frac, runs),
					frac >= targetFairRate, "≥0.7 fair")
				cpu := bot.cpuPer1k() / fair.cpuPer1k()
				fairTarget = r.verdict(fmt.Sprintf("CPU per event ≤ 1.5 × fair baseline (%d workshops, as fast as each goes)", k),
					fmt.Sprintf("%.2f vs %.2f CPU s/1k ev = ×%.2f (the median runs)", bot.cpuPer1k(), fair.cpuPer1k(), cpu),
					cpu <= targetFairCPU, "CPU≤1.5×fair")
				t.Note("Workshops %d, as fast as it goes: bot ÷ min baseline %.2f of the events/s (issue #7's target, ≥ %.1f of that baseline, is no longer judged: it does less than the bot must).",
					k, bot.Load.Rate()/minb.Load.Rate(), minThroughput)
			}
			for j, c := range med {
				target := ""
				if j == 0 {
					target = botTarget
				}
				t.Add(k, offered, whos[j], fmt.Sprintf("%.0f", c.Load.Rate()), ms(c.Load.P50), ms(c.Load.P99), ms(c.Load.Max),
					c.Load.Failed, f2(per(float64(c.RedisCmds), c.N)), f2(per(float64(c.SlackCalls), c.N)), f2(per(float64(c.SlackConns), c.N)),
					f2(c.cpuPer1k()), f2(per(c.RedisCPU.Seconds()*1000, c.N)), f2(per(c.BenchCPU.Seconds()*1000, c.N)), f1(c.OtherCPU.Seconds()),
					mb(c.HWM), target)
			}
			if c := bot.cpuPer1k() / fair.cpuPer1k(); rate > 0 && c > targetFairCPU {
				heavy = append(heavy, fmt.Sprintf("×%.2f at %s events/s over %d workshops", c, offered, k))
			}
			ratioRow(t, "bot÷fair", bot, fair, fairTarget)
			ratioRow(t, "bot÷min", bot, minb, "")
			if runs > 1 {
				t.Note("Workshops %d, offered %s, %d runs each: bot %s; fair %s; min %s.", k, offered, runs,
					runList(all[0], p99Cell), runList(all[1], p99Cell), runList(all[2], p99Cell))
			}
		}
	}
	if len(churn) > 0 {
		r.finding("at full load the bot opened a new TCP connection to the Slack Web API for many events (%s per event): its client keeps too few idle connections per host, so concurrent reactions and header updates dial again (internal/slack/client.go transport: MaxIdleConnsPerHost). Over HTTPS each dial is a TLS handshake.", strings.Join(churn, ", "))
	}
	if len(heavy) > 0 && r.sz.judge {
		r.finding("at fixed rates the bot's CPU per event exceeds %.1f× the fair baseline's (%s; the target is judged as fast as each goes): the debounced header update (its store reads and one chat.update, per workshop per %v) is shared by few replies when they are spread over many workshops, and the fair baseline has none.", targetFairCPU, strings.Join(heavy, ", "), headerDelay)
	}
	t.Note("Offered: events sent per second, open loop (latency counted from when each was due); max: %d senders in a closed loop for %v.", r.sz.maxConc, r.sz.maxCell)
	t.Note("fair: verify the signature (slack-go), parse the envelope and the message, SET NX the event id (TTL 1 h), one HSET of the reply keyed by its ts in the thread's hash, 200, then one reactions.add on a keep-alive client: what the bot must do for a reply. min: verify, parse, SET NX, 200 (no store write, no reaction).")
	t.Note("Per-event costs include the work after the 200: the ✅ reaction (bot and fair) and the bot's debounced header update (its store reads and one chat.update, per workshop per %v), which the fair baseline does not do; the measurement waits for both.", headerDelay)
	t.Note("Targets (issue #12): as fast as each goes, the bot's events/s ≥ %.1f × fair's and its CPU per event ≤ %.1f × fair's (on the bot÷fair row); ack p99 < 50 ms at 500 events/s over 1,000 workshops (aim < 5 ms).", targetFairRate, targetFairCPU)
	t.Note("Slack conns: new TCP connections to the (fake) Web API per event, counted from TIME_WAIT sockets; 0 means the client reuses its connections.")
	t.Note("Redis cmds: INFO commandstats, which also counts each command inside a MULTI block or a Lua script (table 1b counts round trips).")
	t.Note("CPU s/1k ev: the measured process (utime+stime from /proc); redis CPU and bench CPU (load generator + fake Slack) are per 1k events too, on the same two cores.")
	t.Note("Other CPU s: what every other process on the machine used during the cell (/proc/stat): the noise. Peak RSS: VmHWM.")
	r.print(t)
	if err := r.roundTrips(ctx); err != nil {
		return err
	}
	return r.ackGrowth(ctx)
}

// ratioRow adds a row of a's figures divided by b's.
func ratioRow(t *Table, label string, a, b cell, target string) {
	t.Add("", "", label, ratio(a.Load.Rate(), b.Load.Rate()), ratio(float64(a.Load.P50), float64(b.Load.P50)),
		ratio(float64(a.Load.P99), float64(b.Load.P99)), ratio(float64(a.Load.Max), float64(b.Load.Max)), "",
		ratio(per(float64(a.RedisCmds), a.N), per(float64(b.RedisCmds), b.N)), ratio(per(float64(a.SlackCalls), a.N), per(float64(b.SlackCalls), b.N)), "",
		ratio(a.cpuPer1k(), b.cpuPer1k()), "", "", "", ratio(float64(a.HWM), float64(b.HWM)), target)
}

// median returns the middle cell by key (lower is better).
func median(cs []cell, key func(cell) float64) cell {
	s := slices.Clone(cs)
	slices.SortFunc(s, func(a, b cell) int { return cmp.Compare(key(a), key(b)) })
	return s[len(s)/2]
}

// runList shows every run of a repeated cell: its p99, or its rate and
// CPU per event.
func runList(cs []cell, p99 bool) string {
	var parts []string
	for _, c := range cs {
		if p99 {
			parts = append(parts, "p99 "+ms(c.Load.P99))
		} else {
			parts = append(parts, fmt.Sprintf("%.0f/s at %.2f CPU s/1k", c.Load.Rate(), c.cpuPer1k()))
		}
	}
	return strings.Join(parts, ", ")
}

// eventCell measures one (workshops, rate) cell against a fresh bot or
// baseline, so each starts from the same state.
func (r *Runner) eventCell(ctx context.Context, k int, rate float64, who string) (cell, error) {
	prefix := r.newPrefix()
	// Keep Redis as small as at the start: a cell must not pay for the
	// data (and AOF) of the cells before it.
	defer deletePrefix(context.WithoutCancel(ctx), r.rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	var ws []Workshop
	var svc *Service
	var err error
	switch who {
	case whoBot:
		ws, err = r.createWorkshops(ctx, redis.New(r.rdb, prefix), fake, k, workshop.Goals, channelOf)
		if err != nil {
			return cell{}, err
		}
		svc, err = r.startBot(ctx, "bot", r.redis.URL(), prefix, fake, "")
	default:
		// The baselines know no workshops; the same bodies go to them.
		ws = make([]Workshop, k)
		for i := range ws {
			ws[i] = Workshop{ID: fmt.Sprintf("W%d", i+1), Channel: channelOf(i), Thread: r.ts.next()}
		}
		if who == whoFair {
			svc, err = r.startBaseline(ctx, RoleFairBaseline, prefix, fake)
		} else {
			svc, err = r.startBaseline(ctx, RoleBaseline, prefix, nil)
		}
	}
	if err != nil {
		return cell{}, err
	}
	defer svc.Stop()
	if warm := r.warmup(ctx, svc, ws[:1]); who != whoMin {
		awaitReactions(fake, 0, acked(warm)) // the warm-up's must not land in the count
	}
	r0 := reactions(fake)
	m, err := r.startMeter(ctx, svc, fake)
	if err != nil {
		return cell{}, err
	}
	var outs []Outcome
	if rate > 0 {
		evs := r.events(ws, int(rate*r.sz.cell.Seconds()))
		outs = OpenLoop(ctx, svc.Target, evs, rate, r.sz.workers)
	} else {
		// Room for 40,000 events/s, well above what two cores can take.
		most := int(40000 * r.sz.maxCell.Seconds())
		idx := spread(most, k)
		_, outs = ClosedLoop(ctx, svc.Target, func(i int) *Event { return r.replyEvent(ws[idx[i]], i) }, r.sz.maxConc, r.sz.maxCell, most)
	}
	switch who {
	case whoBot:
		r.quiesce(fake, lastAnswer(outs))
	case whoFair:
		awaitReactions(fake, r0, acked(outs))
	}
	u, err := m.done(ctx)
	if err != nil {
		return cell{}, err
	}
	return cell{Load: Summarize(outs), Usage: u, N: len(outs)}, nil
}

// roundTrips counts Redis round trips per reply through a counting proxy,
// at a gentle rate so no header update fires during the load: what the
// proxy saw when the load ended is the acknowledgement path alone; what it
// saw once the debounced work was done is the whole cost.
func (r *Runner) roundTrips(ctx context.Context) error {
	t := &Table{Title: "1b. Redis round trips per reply event (counting proxy between bot and Redis)",
		Cols: []string{"workshops", "replies", "before the 200", "in all", "by first command", "Redis cmds/ev", "commands by name", "target"}}
	for _, k := range r.sz.ks {
		r.logf("round trips: K=%d", k)
		prefix := r.newPrefix()
		fake := fakeslack.New()
		ws, err := r.createWorkshops(ctx, redis.New(r.rdb, prefix), fake, k, workshop.Goals, channelOf)
		if err != nil {
			fake.Close()
			return err
		}
		proxy, err := StartProxy(r.redis.Addr())
		if err != nil {
			fake.Close()
			return err
		}
		bot, err := r.startBot(ctx, "bot-rt", proxy.URL(), prefix, fake, "")
		if err != nil {
			proxy.Close()
			fake.Close()
			return err
		}
		r.warmup(ctx, bot, ws[:1])
		// The warm-up's own header update must not land in the count.
		if r.sz.quiesce {
			r.quiesce(fake, time.Now())
		}
		proxy.Reset()
		if err := r.redis.ResetStats(ctx); err != nil {
			return err
		}
		n := r.sz.rtEvents
		outs := OpenLoop(ctx, bot.Target, r.events(ws, n), 100, r.sz.workers)
		ack := handshakeFree(proxy.ByCommand())
		r.quiesce(fake, lastAnswer(outs))
		all := handshakeFree(proxy.ByCommand())
		calls, cmds, err := r.redis.CommandCalls(ctx)
		bot.Stop()
		proxy.Close()
		fake.Close()
		if err != nil {
			return err
		}
		if st := Summarize(outs); st.Failed > 0 {
			return fmt.Errorf("round trips: %d of %d replies failed", st.Failed, n)
		}
		total := per(float64(sum(all)), n)
		t.Add(k, n, f2(per(float64(sum(ack)), n)), f2(total), describe(all, n), f2(per(float64(cmds), n)), describe(calls, n),
			r.verdict(fmt.Sprintf("≤ 3 Redis round trips per reply (%d workshops)", k), f2(total), total <= targetRoundTrips, "≤3"))
	}
	t.Note("Before the 200: thread lookup (GET) + idempotent write (EVALSHA). After: the header update's reads, per workshop per %v; replies spread over 1,000 workshops are the worst case, one header update each.", headerDelay)
	t.Note("\"Before the 200\" is read when the load ends, so work the bot starts after a 200 and finishes at once (such as the lookup of the author's cached name, a GET) is counted in it too; \"in all\", which the target judges, is read once the header updates are done.")
	t.Note("Connection handshakes (HELLO, CLIENT SETINFO) are left out: a pool pays them once per connection, not per event.")
	r.print(t)
	return nil
}

func handshakeFree(m map[string]int64) map[string]int64 {
	delete(m, "hello")
	delete(m, "client")
	return m
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// describe lists counts per event, biggest first: "evalsha 1.00, get 1.00".
func describe(m map[string]int64, n int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return int(m[b] - m[a]) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.2f", strings.ToUpper(k), per(float64(m[k]), n)))
	}
	return strings.Join(parts, ", ")
}
