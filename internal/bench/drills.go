package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// drill is what one fault drill sent, what was acknowledged and what was
// found in the store afterwards.
type drill struct {
	name        string
	sent        int // distinct events
	acked       int // 200 on the first attempt
	late        int // of which after Slack's 3 s
	retries     int // redeliveries sent
	unacked     int // still not acknowledged after the redeliveries
	stored      int // distinct events found stored in the end
	lostAcked   int // acknowledged, yet not stored (checked before any redelivery)
	storedEarly int // not acknowledged, yet stored before redelivery (in flight at the fault)
	lost        int // never stored
	dup         int // stored more than once, or stored and not sent
	noCheck     int // stored, but no ✅ reaction on the message
	dupCheck    int // a ✅ added twice
	notes       []string
	target      string // what the drill must show
	miss        string // why it did not, beyond loss and duplicates
	pass        bool
}

func (d *drill) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// partDrills is part 4: break things during a load and count what survives.
func (r *Runner) partDrills(ctx context.Context) error {
	t := &Table{Title: "4. Fault drills: sent, acknowledged, found",
		Cols: []string{"drill", "sent", "200 first time", "redelivered", "stored", "acked but lost", "lost", "duplicated", "✅ missing", "result"}}
	var details []string
	add := func(d *drill, err error) error {
		if err != nil {
			return fmt.Errorf("drill %s: %w", d.name, err)
		}
		d.pass = d.pass && d.lostAcked == 0 && d.lost == 0 && d.dup == 0 && d.unacked == 0
		measured := fmt.Sprintf("lost %d (acked %d), duplicated %d", d.lost, d.lostAcked, d.dup)
		if d.miss != "" {
			measured += "; " + d.miss
		}
		t.Add(d.name, d.sent, fmt.Sprintf("%d (%d late)", d.acked, d.late), d.retries, d.stored, d.lostAcked, d.lost, d.dup, d.noCheck,
			r.verdict("drill "+d.name+": "+d.target, measured, d.pass, ""))
		details = append(details, fmt.Sprintf("- %s: %s", d.name, strings.Join(d.notes, "; ")))
		r.report.Drills = append(r.report.Drills, DrillResult{Name: d.name, Sent: d.sent, Stored: d.stored,
			AckedButLost: d.lostAcked, Lost: d.lost, Duplicated: d.dup, Pass: d.pass})
		return nil
	}
	steps := []func(context.Context) (*drill, error){r.drillBurst, r.drillKillBot}
	for _, f := range steps {
		d, err := f(ctx)
		if err := add(d, err); err != nil {
			return err
		}
	}
	// Drills that break Redis get a server of their own.
	rs, err := StartRedis(ctx, mustMkdir(filepath.Join(r.opt.Dir, "redis-drills")))
	if err != nil {
		return err
	}
	defer rs.Close()
	for _, f := range []func(context.Context, *RedisServer) (*drill, error){r.drillKillRedis, r.drillRedisDown, r.drillRedisHung} {
		d, err := f(ctx, rs)
		if err := add(d, err); err != nil {
			return err
		}
	}
	t.Notes = append([]string{
		"200 first time: deliveries answered 200 on the first attempt (late: after Slack's 3 s, so Slack would retry them anyway).",
		"Redelivered: retries sent, as Slack does, for every delivery without a 200 within 3 s (same event_id, ts and body), until each got one.",
		"Acked but lost: answered 200 but absent from the store, checked before any redelivery could hide it. Duplicated: a reply stored twice, or stored though never sent.",
		"✅ missing: stored replies whose message never got the bot's reaction (cosmetic, but visible to the team).",
		"",
	}, details...)
	r.print(t)
	return nil
}

// storedTS counts stored inputs by message ts over workshops, plus inputs
// whose ts was never sent.
func storedTS(ctx context.Context, st *redis.Store, ws []Workshop, sent map[string]bool) (map[string]int, int, error) {
	out := map[string]int{}
	extra := 0
	for _, w := range ws {
		wk, err := st.Load(ctx, w.ID)
		if err != nil {
			return nil, 0, err
		}
		for _, in := range wk.Inputs {
			if !sent[in.TS] {
				extra++
				continue
			}
			out[in.TS]++
		}
	}
	return out, extra, nil
}

// settle checks a load's outcome against the store, redelivers what was
// not acknowledged, waits for the bot's background work, and checks again.
func (r *Runner) settle(ctx context.Context, d *drill, st *redis.Store, ws []Workshop, fake *fakeslack.Server, t *Target, events []*Event, outs []Outcome) error {
	sent := map[string]bool{}
	for _, e := range events {
		sent[e.TS] = true
	}
	d.sent = len(sent)
	before, _, err := storedTS(ctx, st, ws, sent)
	if err != nil {
		return err
	}
	for i, o := range outs {
		ts := events[i].TS
		if o.Acked() {
			d.acked++
			if o.Latency > SlackTimeout {
				d.late++
			}
			if before[ts] == 0 {
				d.lostAcked++
			}
		} else if before[ts] > 0 {
			d.storedEarly++
		}
	}
	retries, still := Redeliver(ctx, t, events, outs, 20, 500*time.Millisecond)
	d.retries, d.unacked = retries, len(still)
	r.quiesceDrill(fake)
	after, extra, err := storedTS(ctx, st, ws, sent)
	if err != nil {
		return err
	}
	d.dup = extra
	for ts := range sent {
		switch n := after[ts]; {
		case n == 0:
			d.lost++
		default:
			d.stored++
			d.dup += n - 1
		}
	}
	checks := map[string]int{}
	for _, rc := range fake.Reactions() {
		checks[rc.Timestamp]++
	}
	for ts := range sent {
		if after[ts] > 0 && checks[ts] == 0 {
			d.noCheck++
		}
	}
	for _, c := range fake.Calls("reactions.add") {
		if c.Error == "already_reacted" {
			d.dupCheck++
		}
	}
	return nil
}

// quiesceDrill waits for the bot's background work (reactions, header)
// even in the smoke run, since the drill checks it.
func (r *Runner) quiesceDrill(fake *fakeslack.Server) {
	if r.sz.quiesce {
		r.quiesce(fake, time.Now())
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	n, stable := -1, 0
	for time.Now().Before(deadline) && stable < 5 {
		if c := callCount(fake); c == n {
			stable++
		} else {
			n, stable = c, 0
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drillBurst: (a) many replies to one step in the same instant.
func (r *Runner) drillBurst(ctx context.Context) (*drill, error) {
	d := &drill{name: fmt.Sprintf("a. %d replies to one step at once", r.sz.burst), target: "all stored once", pass: true}
	r.logf("drill: %s", d.name)
	prefix := r.newPrefix()
	st := redis.New(r.rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, 1, workshop.Goals, channelOf)
	if err != nil {
		return d, err
	}
	bot, err := r.startBot(ctx, "bot-burst", r.redis.URL(), prefix, fake, "")
	if err != nil {
		return d, err
	}
	defer bot.Stop()
	events := make([]*Event, r.sz.burst)
	for i := range events {
		events[i] = r.replyEvent(ws[0], i)
		events[i].Body()
	}
	// Every sender waits at the gate, so all requests leave together.
	outs := make([]Outcome, len(events))
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i, e := range events {
		wg.Go(func() {
			<-gate
			start := time.Now()
			st, err := bot.Target.Send(ctx, e, 0, "")
			outs[i] = Outcome{Status: st, Err: err, Sent: start, Latency: time.Since(start)}
		})
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	close(gate)
	wg.Wait()
	span := time.Since(start)
	if err := r.settle(ctx, d, st, ws, fake, bot.Target, events, outs); err != nil {
		return d, err
	}
	s := Summarize(outs)
	d.note("all %d sent within %s; slowest 200 after %s; header updates: %d chat.update for the burst",
		len(events), ms(span), ms(s.Max), len(fake.Calls("chat.update")))
	return d, nil
}

// drillKillBot: (b) kill -9 of the bot in the middle of a load, restart on
// the same address, Slack redelivers.
func (r *Runner) drillKillBot(ctx context.Context) (*drill, error) {
	d := &drill{name: "b. kill -9 of the bot under load", target: "nothing lost or duplicated after redelivery", pass: true}
	r.logf("drill: %s", d.name)
	prefix := r.newPrefix()
	st := redis.New(r.rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, r.sz.drillK, workshop.Goals, channelOf)
	if err != nil {
		return d, err
	}
	port, err := freePort()
	if err != nil {
		return d, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	bot, err := r.startBot(ctx, "bot-kill", r.redis.URL(), prefix, fake, addr)
	if err != nil {
		return d, err
	}
	// One client for the whole drill, as Slack is one sender whatever
	// happens to the app.
	t := NewTarget(addr, Secret, r.sz.workers)
	defer t.Close()
	events := r.events(ws, r.sz.drillEvents)
	loadTime := time.Duration(float64(len(events)) / r.sz.drillRate * float64(time.Second))
	var bot2 *Service
	var restartErr error
	var down time.Duration
	var killedAt time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(loadTime * 3 / 10)
		killedAt = time.Now()
		bot.Kill()
		// A supervisor does not restart a crashed process at once.
		time.Sleep(r.sz.restartPause)
		bot2, restartErr = r.startBot(ctx, "bot-kill", r.redis.URL(), prefix, fake, addr)
		down = time.Since(killedAt)
	}()
	outs := OpenLoop(ctx, t, events, r.sz.drillRate, r.sz.workers)
	<-done
	if restartErr != nil {
		return d, restartErr
	}
	defer bot2.Stop()
	if err := r.settle(ctx, d, st, ws, fake, t, events, outs); err != nil {
		return d, err
	}
	d.note("%d events at %.0f/s over %d workshops; killed %s in, back after %s; %d not acknowledged, of which %d were stored already (in flight at the kill), retried %d times; %d ✅ missing, %d ✅ added twice",
		len(events), r.sz.drillRate, len(ws), ms(killedAt.Sub(outs[0].Sent)), ms(down), d.sent-d.acked+d.late, d.storedEarly, d.retries, d.noCheck, d.dupCheck)
	if d.noCheck > 0 {
		r.finding("after a kill -9 of the bot, %d stored replies never got their ✅: the reaction is sent after the 200 and a redelivery finds the reply stored (outcome duplicate), which reacts to nothing (internal/slack/bot.go, onEvent, case engine.Duplicate).", d.noCheck)
	}
	return d, nil
}

// drillKillRedis: (c) kill -9 of redis-server (AOF on) under load, restart.
func (r *Runner) drillKillRedis(ctx context.Context, rs *RedisServer) (*drill, error) {
	d := &drill{name: "c. kill -9 of redis-server (AOF) under load", target: "no acknowledged reply lost, none duplicated", pass: true}
	r.logf("drill: %s", d.name)
	return d, r.redisDrill(ctx, rs, d, r.sz.drillEvents, r.sz.drillRate, time.Second,
		func() error { rs.Kill9(); return nil }, func() error { return rs.Restart(ctx) })
}

// drillRedisDown: (d) Redis stopped for 10 s under load; the bot must
// refuse events (so Slack retries), fail /readyz and recover by itself.
func (r *Runner) drillRedisDown(ctx context.Context, rs *RedisServer) (*drill, error) {
	d := &drill{name: fmt.Sprintf("d. Redis down %v (stopped)", r.sz.outage), target: redisTarget, pass: true}
	r.logf("drill: %s", d.name)
	n := int(r.sz.outageRate * (r.sz.outage + r.sz.outagePad).Seconds())
	return d, r.redisDrill(ctx, rs, d, n, r.sz.outageRate, r.sz.outage,
		rs.Terminate, func() error { return rs.Restart(ctx) })
}

// drillRedisHung: (d, variant) Redis frozen with SIGSTOP for 10 s: the
// connections stay open and nothing answers, the harder case for timeouts.
func (r *Runner) drillRedisHung(ctx context.Context, rs *RedisServer) (*drill, error) {
	d := &drill{name: fmt.Sprintf("d'. Redis hung %v (SIGSTOP)", r.sz.outage), target: redisTarget, pass: true}
	r.logf("drill: %s", d.name)
	n := int(r.sz.outageRate * (r.sz.outage + r.sz.outagePad).Seconds())
	return d, r.redisDrill(ctx, rs, d, n, r.sz.outageRate, r.sz.outage,
		rs.Pause, rs.Resume)
}

// redisTarget is what the Redis outage drills must show.
const redisTarget = "no 200 for undone work, an answer within 3 s, /readyz fails then recovers, no restart"

// probe is one look at the bot's health routes.
type probe struct {
	at             time.Time
	ready, healthy int // HTTP status, 0 when no answer within 3 s
}

// redisDrill runs a load at rate against a bot on rs, breaks Redis 30% of
// the way in with fault, repairs it after down with repair, and checks
// the store, the answers and the bot's readiness.
func (r *Runner) redisDrill(ctx context.Context, rs *RedisServer, d *drill, n int, rate float64, down time.Duration, fault, repair func() error) error {
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	prefix := r.newPrefix()
	defer deletePrefix(context.Background(), rdb, prefix)
	st := redis.New(rdb, prefix)
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, r.sz.drillK, workshop.Goals, channelOf)
	if err != nil {
		return err
	}
	bot, err := r.startBot(ctx, "bot-redis-drill", rs.URL(), prefix, fake, "")
	if err != nil {
		return err
	}
	defer bot.Stop()
	pid := bot.Pid()
	events := r.events(ws, n)
	loadTime := time.Duration(float64(n) / rate * float64(time.Second))

	// Probe /readyz and /healthz every 200 ms, with Slack's patience.
	var probes []probe
	stopProbe := make(chan struct{})
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		pt := NewTarget(bot.Addr, Secret, 4)
		pt.Client.Timeout = SlackTimeout
		defer pt.Close()
		for {
			p := probe{at: time.Now()}
			p.ready, _ = pt.Get(ctx, "/readyz")
			p.healthy, _ = pt.Get(ctx, "/healthz")
			probes = append(probes, p)
			select {
			case <-stopProbe:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	var faultAt, repairedAt time.Time
	var faultErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(loadTime * 3 / 10)
		faultAt = time.Now()
		if faultErr = fault(); faultErr != nil {
			return
		}
		time.Sleep(down)
		faultErr = repair()
		repairedAt = time.Now()
	}()
	outs := OpenLoop(ctx, bot.Target, events, rate, r.sz.workers)
	<-done
	if faultErr != nil {
		close(stopProbe)
		<-probeDone
		return faultErr
	}
	// Keep probing until the bot is ready again (or 30 s).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, err := bot.Target.Get(ctx, "/readyz"); err == nil && st == http.StatusOK {
			break
		}
	}
	close(stopProbe)
	<-probeDone

	// What did the bot answer while Redis was away?
	var during, ok200, fast, slowest = 0, 0, 0, time.Duration(0)
	codes := map[string]int{}
	for _, o := range outs {
		if o.Sent.Before(faultAt) || !o.Sent.Before(repairedAt) {
			continue
		}
		during++
		if o.Status == http.StatusOK {
			ok200++
		}
		if o.Latency <= SlackTimeout {
			fast++
		}
		slowest = max(slowest, o.Latency)
		key := strconv.Itoa(o.Status)
		if o.Err != nil {
			key = "no answer"
		}
		codes[key]++
	}
	var notReady, unhealthy int
	var firstNotReady, readyAgain time.Time
	for _, p := range probes {
		if p.healthy != http.StatusOK {
			unhealthy++
		}
		if p.at.After(faultAt) && p.ready != http.StatusOK {
			notReady++
			if firstNotReady.IsZero() {
				firstNotReady = p.at
			}
		}
		if p.at.After(repairedAt) && p.ready == http.StatusOK && readyAgain.IsZero() {
			readyAgain = p.at
		}
	}
	if err := r.settle(ctx, d, st, ws, fake, bot.Target, events, outs); err != nil {
		return err
	}
	restarted := bot.Exited() || bot.Pid() != pid
	var codeList []string
	for k, v := range codes {
		codeList = append(codeList, fmt.Sprintf("%s ×%d", k, v))
	}
	d.note("%d events at %.0f/s over %d workshops; Redis away %s from %s in; %d deliveries sent meanwhile were answered [%s], %d of them within 3 s (slowest %s)",
		n, rate, len(ws), ms(repairedAt.Sub(faultAt)), ms(faultAt.Sub(outs[0].Sent)), during, strings.Join(codeList, ", "), fast, ms(slowest))
	since := func(t, from time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return ms(t.Sub(from))
	}
	d.note("/readyz failed %d probes, the first %s after the fault; ready again %s after Redis came back; /healthz failed %d probes; bot restarted: %v; %d stored before any 200 (in flight at the fault), %d retries",
		notReady, since(firstNotReady, faultAt), since(readyAgain, repairedAt), unhealthy, restarted, d.storedEarly, d.retries)
	var why []string
	if notReady == 0 {
		why = append(why, "/readyz never failed")
	}
	if readyAgain.IsZero() {
		why = append(why, "/readyz did not recover")
	}
	if restarted {
		why = append(why, "the bot restarted")
	}
	if during > 0 && fast < during {
		why = append(why, fmt.Sprintf("%d of %d deliveries during the outage not answered within 3 s", during-fast, during))
		r.finding("with Redis %s, %d of %d deliveries waited longer than Slack's 3 s for an answer (slowest %s): the ack path has no deadline (internal/slack/http.go handleEvents passes r.Context() to onEvent) and go-redis waits out its 3 s read timeout, then retries. Slack retries those anyway, so nothing is lost, but requests pile up; bound the ack path (context.WithTimeout(r.Context(), 2*time.Second)) and let go-redis honour it (ContextTimeoutEnabled in internal/redis newClient), so the bot answers 503 in time.", d.name[strings.Index(d.name, "Redis ")+6:], during-fast, during, ms(slowest))
	}
	if len(why) > 0 {
		d.miss = strings.Join(why, ", ")
		d.note("MISS: %s", d.miss)
		d.pass = false
	}
	return nil
}
