package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// failoverGrace is how long after the promotion the bot may still refuse
// replies: the outage must end within it (internal/app/failover_test.go
// holds the bot to the same bound).
const failoverGrace = 3 * time.Second

// failoverTail is how long after the promotion a refusal is still
// unremarkable (the poller's and the bot's views of it differ by a few
// round trips); a longer tail becomes a finding.
const failoverTail = 300 * time.Millisecond

// failoverChannel is where the drills start their workshop.
const failoverChannel = "C1"

// FailoverResult is the outcome of one failover drill, for callers that
// check it.
type FailoverResult struct {
	Topology           string
	Sent, Stored       int
	Lost, Duplicated   int
	NonOK, Redelivered int
	Promotion, Outage  time.Duration
	Pass               bool
}

// failoverDrill is what one drill sent, saw and found.
type failoverDrill struct {
	topology  string
	sent      int
	firstOK   int // 200 on the first attempt
	nonOK     int // answers other than 200, or none within 3 s, over all attempts
	retries   int // redeliveries
	unacked   int // still not acknowledged 30 s after the stream
	stored    int
	lost      int
	dup       int
	promotion time.Duration // kill → a live node names a new master
	outage    time.Duration // kill → the last answer other than 200; 0 if none
	tail      time.Duration // promotion → sending of the last refused delivery
	codes     map[string]int
	readyDown int // /readyz probes not answered 200 after the kill
	notes     []string
	pass      bool
}

func (d *failoverDrill) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// judge applies the drill's targets: nothing lost, nothing stored twice,
// every reply acknowledged in the end, and the outage over within
// failoverGrace of the promotion.
func (d *failoverDrill) judge() (bool, string) {
	var why []string
	if d.lost > 0 {
		why = append(why, fmt.Sprintf("%d lost", d.lost))
	}
	if d.dup > 0 {
		why = append(why, fmt.Sprintf("%d duplicated", d.dup))
	}
	if d.unacked > 0 {
		why = append(why, fmt.Sprintf("%d never acknowledged", d.unacked))
	}
	if d.outage > d.promotion+failoverGrace {
		why = append(why, fmt.Sprintf("outage %s > promotion %s + %v", secs(d.outage), secs(d.promotion), failoverGrace))
	}
	return len(why) == 0, strings.Join(why, ", ")
}

// secs formats a duration as seconds with one decimal, "–" for none.
func secs(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// redisProcAttr kills the topologies' servers with the bench, as StartProc
// does for the bench's own children.
var redisProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

// partFailover is part 5: a Redis Cluster (3 masters, 3 replicas) and a
// Sentinel group (1 master, 2 replicas, 3 sentinels) on loopback, the bot
// in HTTP mode against each, and kill -9 of the master that holds the
// workshop while replies stream in and Slack redelivers what is refused.
// On the Sentinel group, before its failover, it also prices
// REDIS_WAIT_REPLICAS=1 on the acknowledgement path.
func (r *Runner) partFailover(ctx context.Context) error {
	// The bench's own clients see the kills too (dials refused, a new
	// master): their go-redis lines go to a file, not the progress lines.
	logPath := filepath.Join(r.opt.Dir, "bench-redis-clients.log")
	if f, err := os.Create(logPath); err == nil {
		redis.SetLogger(slog.New(slog.NewTextHandler(f, nil)))
		defer func() {
			redis.SetLogger(slog.New(slog.NewTextHandler(r.opt.Log, nil)))
			f.Close()
		}()
		r.logf("failover: the bench's go-redis log lines go to %s", logPath)
	}
	t := &Table{Title: "5. Redis failover under load: kill -9 of the master holding the workshop",
		Cols: []string{"topology", "replies", "200 first time", "non-200", "redelivered", "promotion", "outage", "lost", "duplicated", "result"}}
	var details []string
	var errs []error
	add := func(d *failoverDrill, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.topology, err))
			t.Add(d.topology, "", "", "", "", "", "", "", "", "error: "+firstLine(err.Error()))
			return
		}
		pass, why := d.judge()
		d.pass = pass
		measured := fmt.Sprintf("lost %d, duplicated %d, outage %s, promotion %s", d.lost, d.dup, secs(d.outage), secs(d.promotion))
		if why != "" {
			measured += "; " + why
		}
		t.Add(d.topology, d.sent, d.firstOK, d.nonOK, d.retries, secs(d.promotion), secs(d.outage), d.lost, d.dup,
			r.verdict("failover, "+d.topology+": 0 lost, 0 duplicated, outage ≤ promotion + 3 s", measured, pass, ""))
		details = append(details, fmt.Sprintf("- %s: %s", d.topology, strings.Join(d.notes, "; ")))
		r.report.Failovers = append(r.report.Failovers, FailoverResult{Topology: d.topology, Sent: d.sent, Stored: d.stored,
			Lost: d.lost, Duplicated: d.dup, NonOK: d.nonOK, Redelivered: d.retries, Promotion: d.promotion, Outage: d.outage, Pass: pass})
	}

	d := &failoverDrill{topology: "Cluster 3+3"}
	add(d, r.failoverCluster(ctx, d))
	if d.tail > failoverTail {
		r.finding("Cluster failover: the bot refused deliveries sent up to %s after a node mapped the workshop's slot to the new master (it re-reads the slot map after a failed command and every 2 s).", ms(d.tail))
	}

	var wt *Table
	d = &failoverDrill{topology: "Sentinel 1+2+3"}
	wt, err := r.failoverSentinel(ctx, d)
	add(d, err)
	if d.tail > failoverTail {
		r.finding("Sentinel failover: the bot refused deliveries sent up to %s after a sentinel named the new master, with errors that still name the old one. go-redis (v9.23, internal/pool) stops dialling after PoolSize failed dials and returns the last dial error at once, probing the address again only once a second (ConnPool.tryDial); the FailoverClient's switch closes the old connections but does not reset that state, so the bot reaches the new master up to 1 s after it knows it.", ms(d.tail))
	}

	t.Notes = append([]string{
		fmt.Sprintf("Replies: %.0f/s to one workshop's goals thread, one goroutine per delivery as Slack sends them; the master holding the workshop's keys gets kill -9 after %v, the stream goes on %v.",
			r.sz.foRate, r.sz.foBefore, r.sz.foAfter),
		"Non-200: answers other than 200, or none within Slack's 3 s, over first attempts and redeliveries; each such reply is redelivered once a second (same event_id, ts and body) until it gets a 200.",
		"Promotion: kill → a live node maps the workshop's slot to another master (Cluster), or a sentinel names another master (Sentinel), polled every 20 ms. Outage: kill → the last answer other than 200; it can end just before the promotion is seen, when the deliveries in flight then get their 200 after it.",
		"Lost: sent but not in the store at the end (every reply was redelivered until acknowledged, so a lost reply is an acknowledged one). Duplicated: stored more than once, or stored though never sent.",
		"The Cluster is made by redis-cli --cluster create, so {W1} (slot 12634) and the channel's thread bindings {C1} (slot 16109) share the third master: the kill takes the thread lookup down with the write.",
		"The topologies' data nodes run without persistence (redistest's set-up): a failover loses what the replica did not have, whatever the disk. The bot runs with REDIS_WAIT_REPLICAS=0 (the default).",
		"",
	}, details...)
	r.print(t)
	if wt != nil {
		r.print(wt)
	}
	return errors.Join(errs...)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// startTopologyBot starts the bot in HTTP mode against a Redis topology:
// env carries REDIS_ADDRS (and REDIS_MASTER_NAME), extra anything else.
func (r *Runner) startTopologyBot(ctx context.Context, name, prefix string, fake *fakeslack.Server, env []string) (*Service, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	all := append(botEnv("", prefix, fake.APIURL(), addr), env...)
	all = append(all, r.opt.BotEnv...)
	return r.startService(ctx, name, r.opt.BotArgv, all, addr)
}

// failoverPrefix is a REDIS_PREFIX for a topology that is thrown away
// after the part, so its keys need no cleanup.
func (r *Runner) failoverPrefix(kind string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nPrefix++
	return fmt.Sprintf("jbbench-%s-%s-%d", r.run, kind, r.nPrefix)
}

// startDrillWorkshop runs `/journey start` on the bot and returns the
// workshop with its goals thread, once the bot has posted and bound it.
func (r *Runner) startDrillWorkshop(ctx context.Context, s *Service, st *redis.Store, fake *fakeslack.Server) (Workshop, error) {
	if code, err := s.Target.Command(ctx, failoverChannel, "UFAC", "start Failover drill"); err != nil || code != http.StatusOK {
		return Workshop{}, fmt.Errorf("/journey start: %d, %v", code, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range fake.Messages(failoverChannel) {
			if m.Ephemeral || m.ThreadTS != "" {
				continue
			}
			ref, err := st.Thread(ctx, failoverChannel, m.TS)
			if err == nil && ref.Step == workshop.Goals {
				return Workshop{ID: ref.Workshop, Channel: failoverChannel, Thread: m.TS, Step: workshop.Goals}, nil
			}
		}
		if time.Now().After(deadline) {
			return Workshop{}, fmt.Errorf("no goals thread bound 15 s after /journey start:\n%s", s.LogTail(3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// failoverCluster runs the drill on a fresh Redis Cluster.
func (r *Runner) failoverCluster(ctx context.Context, d *failoverDrill) error {
	r.logf("failover: starting a Redis Cluster (3 masters, 3 replicas)")
	start := time.Now()
	c, err := redistest.NewCluster(mustMkdir(filepath.Join(r.opt.Dir, "cluster")),
		redistest.WithSysProcAttr(redisProcAttr), redistest.WithLogf(r.logf))
	if err != nil {
		return err
	}
	defer c.Close()
	r.logf("failover: cluster up in %s: %s", ms(time.Since(start)), strings.Join(c.Addrs(), " "))
	prefix := r.failoverPrefix("cluster")
	env := []string{"REDIS_ADDRS=" + strings.Join(c.Addrs(), ",")}
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs(), DialTimeout: 500 * time.Millisecond})
	defer cc.Close()

	var slot int64
	var dead, inputs string
	promoted := make(chan promotion, 1)
	err = r.runFailover(ctx, d, prefix, env, redis.Options{Addrs: c.Addrs(), Prefix: prefix}, func(key string) error {
		inputs = key
		slot, err = cc.ClusterKeySlot(ctx, key).Result()
		return err
	}, func(key string) (time.Time, error) {
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return time.Time{}, err
		}
		dead = node.Options().Addr
		at := time.Now()
		c.Kill(dead)
		go func() {
			p := waitSlotMoved(ctx, c.Addrs(), dead, slot, 30*time.Second)
			if p.err == nil {
				// When every live node agrees, for the notes.
				if err := c.WaitHealthyErr(30 * time.Second); err == nil {
					p.settled = time.Now()
				}
			}
			promoted <- p
		}()
		return at, nil
	}, promoted)
	if err != nil {
		return err
	}
	d.notes = append([]string{fmt.Sprintf("killed master %s, which served slot %d (%s)", dead, slot, inputs)}, d.notes...)
	return nil
}

// failoverSentinel runs the WAIT measurement and then the drill on a fresh
// Sentinel group, and returns the WAIT table.
func (r *Runner) failoverSentinel(ctx context.Context, d *failoverDrill) (*Table, error) {
	r.logf("failover: starting a Sentinel group (1 master, 2 replicas, 3 sentinels)")
	start := time.Now()
	sg, err := redistest.NewSentinel(mustMkdir(filepath.Join(r.opt.Dir, "sentinel")),
		redistest.WithSysProcAttr(redisProcAttr), redistest.WithLogf(r.logf))
	if err != nil {
		return nil, err
	}
	defer sg.Close()
	r.logf("failover: sentinel group up in %s: data %s, sentinels %s", ms(time.Since(start)),
		strings.Join(sg.DataAddrs(), " "), strings.Join(sg.SentinelAddrs(), " "))
	env := []string{"REDIS_ADDRS=" + strings.Join(sg.SentinelAddrs(), ","), "REDIS_MASTER_NAME=" + redistest.SentinelMaster}
	open := redis.Options{Addrs: sg.SentinelAddrs(), MasterName: redistest.SentinelMaster}

	// The price of WAIT first, while the group has both its replicas.
	wt, werr := r.waitCost(ctx, sg, env, open)
	if werr != nil {
		return nil, fmt.Errorf("REDIS_WAIT_REPLICAS cost: %w", werr)
	}

	prefix := r.failoverPrefix("sentinel")
	open.Prefix = prefix
	var old string
	promoted := make(chan promotion, 1)
	err = r.runFailover(ctx, d, prefix, env, open, nil, func(string) (time.Time, error) {
		var err error
		if old, err = sg.MasterErr(); err != nil {
			return time.Time{}, err
		}
		at := time.Now()
		sg.Kill(old)
		go func() {
			p := waitNewMaster(ctx, sg.SentinelAddrs(), redistest.SentinelMaster, old, 30*time.Second)
			if p.err == nil {
				if _, err := sg.WaitMasterErr(old, 30*time.Second); err == nil {
					p.settled = time.Now()
				}
			}
			promoted <- p
		}()
		return at, nil
	}, promoted)
	if err != nil {
		return wt, err
	}
	d.notes = append([]string{"killed master " + old}, d.notes...)
	return wt, nil
}

// promotion is when a topology named a new master after the kill.
type promotion struct {
	at      time.Time // the first live node or sentinel naming it
	addr    string
	settled time.Time // every live node agrees (zero if not seen)
	err     error
}

// runFailover starts the bot against a topology, starts a workshop,
// streams replies, calls kill after r.sz.foBefore, and checks the store
// once every reply is acknowledged. prepare, when set, gets the
// workshop's inputs key before the stream; promoted delivers the
// promotion that kill started waiting for.
func (r *Runner) runFailover(ctx context.Context, d *failoverDrill, prefix string, env []string, open redis.Options,
	prepare func(key string) error, kill func(key string) (time.Time, error), promoted <-chan promotion) error {
	name := "bot-failover-" + strings.ToLower(strings.Fields(d.topology)[0])
	r.logf("failover drill: %s", d.topology)
	fake := fakeslack.New()
	defer fake.Close()
	bot, err := r.startTopologyBot(ctx, name, prefix, fake, env)
	if err != nil {
		return err
	}
	defer bot.Stop()
	st, err := redis.Open(ctx, open)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := r.startDrillWorkshop(ctx, bot, st, fake)
	if err != nil {
		return err
	}
	key := prefix + ":{" + w.ID + "}:inputs"
	if prepare != nil {
		if err := prepare(key); err != nil {
			return err
		}
	}
	t := NewTarget(bot.Addr, Secret, 256)
	t.Client.Timeout = SlackTimeout
	defer t.Close()
	var killErr error
	run := r.streamFailover(ctx, t, bot.Addr, w, func() time.Time {
		at, err := kill(key)
		if err != nil {
			killErr = err
			return time.Now()
		}
		return at
	})
	if killErr != nil {
		return killErr
	}
	var p promotion
	select {
	case p = <-promoted:
	case <-ctx.Done():
		return ctx.Err()
	}
	if p.err != nil {
		return p.err
	}
	d.sent, d.firstOK, d.nonOK, d.retries, d.unacked = len(run.events), run.firstOK, run.nonOK, run.retries, run.unacked
	d.codes, d.readyDown = run.codes, run.readyDown
	d.promotion = p.at.Sub(run.killedAt)
	if run.lastFail.After(run.killedAt) {
		d.outage = run.lastFail.Sub(run.killedAt)
		d.tail = run.lastSent.Sub(p.at)
	}

	// What is in the store, read again until the store answers.
	sent := map[string]bool{}
	for _, e := range run.events {
		sent[e.TS] = true
	}
	var stored map[string]int
	var extra int
	if err := retryFor(ctx, 20*time.Second, func() error {
		var err error
		stored, extra, err = storedTS(ctx, st, []Workshop{w}, sent)
		return err
	}); err != nil {
		return fmt.Errorf("read the workshop back: %w", err)
	}
	d.dup = extra
	for ts := range sent {
		if n := stored[ts]; n == 0 {
			d.lost++
		} else {
			d.stored++
			d.dup += n - 1
		}
	}
	var codes []string
	for k, v := range d.codes {
		codes = append(codes, fmt.Sprintf("%s ×%d", k, v))
	}
	slices.Sort(codes)
	settled := "not seen"
	if !p.settled.IsZero() {
		settled = secs(p.settled.Sub(run.killedAt))
	}
	first := "none"
	if !run.firstFail.IsZero() {
		first = ms(run.firstFail.Sub(run.killedAt))
	}
	slices.Sort(run.failLat)
	lastSent := "none"
	if !run.lastSent.IsZero() {
		lastSent = ms(run.lastSent.Sub(run.killedAt))
	}
	d.note("new master %s named after %s, every live node agreeing after %s; first refusal %s after the kill, answers other than 200: [%s], each after p50 %s, max %s; the last refused delivery was sent %s after the kill; /readyz not 200 in %d probes after the kill; %d still unacknowledged 30 s after the stream",
		p.addr, secs(d.promotion), settled, first, strings.Join(codes, ", "), ms(pct(run.failLat, 0.5)), ms(pct(run.failLat, 1)), lastSent, d.readyDown, d.unacked)
	return nil
}

// retryFor calls f until it succeeds or timeout has passed.
func retryFor(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// failoverStream is what a stream of replies met.
type failoverStream struct {
	events    []*Event // every reply sent, in order
	firstOK   int
	nonOK     int
	retries   int
	unacked   int
	codes     map[string]int
	firstFail time.Time // the first answer other than 200 after the kill
	lastFail  time.Time // the last one
	lastSent  time.Time // when the delivery that got it was sent
	killedAt  time.Time
	readyDown int
	failLat   []time.Duration // how long each answer other than 200 took
}

// streamFailover sends r.sz.foRate replies a second to w's thread for
// foBefore+foAfter, calling kill after foBefore. Each delivery has a
// goroutine of its own, as Slack sends each event whatever became of the
// others; every reply not answered 200 is redelivered once a second, with
// Slack's retry headers, until it is, or 30 s after the stream. /readyz
// is probed every 100 ms meanwhile.
func (r *Runner) streamFailover(ctx context.Context, t *Target, addr string, w Workshop, kill func() time.Time) *failoverStream {
	res := &failoverStream{codes: map[string]int{}}
	var (
		mu       sync.Mutex
		pending  []*Event
		attempts = map[*Event]int{}
		reasons  = map[*Event]string{}
		killed   bool
		inflight sync.WaitGroup
	)
	deliver := func(e *Event, attempt int, reason string) {
		defer inflight.Done()
		sent := time.Now()
		code, err := t.Send(ctx, e, attempt, reason)
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if err == nil && code == http.StatusOK {
			if attempt == 0 {
				res.firstOK++
			}
			return
		}
		res.nonOK++
		res.failLat = append(res.failLat, now.Sub(sent))
		what, why := strconv.Itoa(code), "http_error"
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				what, why = "no answer within 3 s", "http_timeout"
			} else {
				what = "connection error"
			}
		}
		res.codes[what]++
		if killed {
			if res.firstFail.IsZero() {
				res.firstFail = now
			}
			res.lastFail = now
			if sent.After(res.lastSent) {
				res.lastSent = sent
			}
		}
		reasons[e] = why
		pending = append(pending, e)
	}
	redeliver := func() int {
		mu.Lock()
		again := pending
		pending = nil
		for _, e := range again {
			attempts[e]++
		}
		mu.Unlock()
		for _, e := range again {
			mu.Lock()
			n, why := attempts[e], reasons[e]
			res.retries++
			mu.Unlock()
			inflight.Add(1)
			go deliver(e, n, why)
		}
		return len(again)
	}

	stopProbe := make(chan struct{})
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		pt := NewTarget(addr, Secret, 2)
		pt.Client.Timeout = time.Second
		defer pt.Close()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopProbe:
				return
			case <-tick.C:
			}
			code, err := pt.Get(ctx, "/readyz")
			mu.Lock()
			if killed && (err != nil || code != http.StatusOK) {
				res.readyDown++
			}
			mu.Unlock()
		}
	}()

	tick := time.NewTicker(time.Duration(float64(time.Second) / r.sz.foRate))
	start := time.Now()
	lastRetry := start
	for i := 0; time.Since(start) < r.sz.foBefore+r.sz.foAfter && ctx.Err() == nil; i++ {
		<-tick.C
		if res.killedAt.IsZero() && time.Since(start) >= r.sz.foBefore {
			at := kill()
			mu.Lock()
			res.killedAt, killed = at, true
			mu.Unlock()
			r.logf("failover: master killed %s into the stream", ms(at.Sub(start)))
		}
		e := r.replyEvent(w, i)
		e.Body()
		res.events = append(res.events, e)
		inflight.Add(1)
		go deliver(e, 0, "")
		if time.Since(lastRetry) >= time.Second {
			lastRetry = time.Now()
			redeliver()
		}
	}
	tick.Stop()
	// Then keep redelivering, once a second, until every reply has its 200.
	for deadline := time.Now().Add(30 * time.Second); ctx.Err() == nil; {
		inflight.Wait()
		mu.Lock()
		left := len(pending)
		mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			res.unacked = left
			break
		}
		time.Sleep(time.Until(lastRetry.Add(time.Second)))
		lastRetry = time.Now()
		redeliver()
	}
	inflight.Wait()
	close(stopProbe)
	<-probeDone
	return res
}

// waitSlotMoved polls the live nodes until one maps slot to another master
// than dead.
func waitSlotMoved(ctx context.Context, addrs []string, dead string, slot int64, timeout time.Duration) promotion {
	var nodes []*goredis.Client
	for _, a := range addrs {
		if a != dead {
			nodes = append(nodes, goredis.NewClient(&goredis.Options{Addr: a, DialTimeout: 200 * time.Millisecond,
				ReadTimeout: 500 * time.Millisecond, MaxRetries: -1, PoolSize: 1}))
		}
	}
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		for _, n := range nodes {
			slots, err := n.ClusterSlots(ctx).Result()
			if err != nil {
				continue
			}
			for _, s := range slots {
				if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 && s.Nodes[0].Addr != dead {
					return promotion{at: time.Now(), addr: s.Nodes[0].Addr}
				}
			}
		}
	}
	return promotion{err: fmt.Errorf("no live node moved slot %d off %s within %v", slot, dead, timeout)}
}

// waitNewMaster polls the sentinels until one names another master than
// old.
func waitNewMaster(ctx context.Context, sentinels []string, name, old string, timeout time.Duration) promotion {
	var scs []*goredis.SentinelClient
	for _, a := range sentinels {
		scs = append(scs, goredis.NewSentinelClient(&goredis.Options{Addr: a, DialTimeout: 200 * time.Millisecond,
			ReadTimeout: 500 * time.Millisecond, MaxRetries: -1, PoolSize: 1}))
	}
	defer func() {
		for _, sc := range scs {
			sc.Close()
		}
	}()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		for _, sc := range scs {
			hp, err := sc.GetMasterAddrByName(ctx, name).Result()
			if err == nil && len(hp) == 2 {
				if a := net.JoinHostPort(hp[0], hp[1]); a != old {
					return promotion{at: time.Now(), addr: a}
				}
			}
		}
	}
	return promotion{err: fmt.Errorf("no sentinel named another master than %s within %v", old, timeout)}
}

// waitCell is one load against a bot with one REDIS_WAIT_REPLICAS.
type waitCell struct {
	load  LoadStats
	waits int64 // WAIT commands the master ran meanwhile
}

// waitCost measures the acknowledgement path with REDIS_WAIT_REPLICAS=0
// and =1 on the same Sentinel group, in turn, r.sz.reps times each, and
// returns the table (median runs by p99).
func (r *Runner) waitCost(ctx context.Context, sg *redistest.Sentinel, env []string, open redis.Options) (*Table, error) {
	t := &Table{Title: "5b. Cost of REDIS_WAIT_REPLICAS=1 on the acknowledgement path (Sentinel: 1 master, 2 replicas)",
		Cols: []string{"REDIS_WAIT_REPLICAS", "replies", "offered/s", "p50", "p99", "max", "failed", "WAIT cmds/reply"}}
	var runs [2][]waitCell
	for i := range r.sz.reps {
		for wait := range 2 {
			r.logf("failover: REDIS_WAIT_REPLICAS=%d, run %d of %d", wait, i+1, r.sz.reps)
			c, err := r.waitCell(ctx, sg, env, open, wait)
			if err != nil {
				return nil, err
			}
			runs[wait] = append(runs[wait], c)
		}
	}
	var med [2]waitCell
	for wait := range 2 {
		s := slices.Clone(runs[wait])
		slices.SortFunc(s, func(a, b waitCell) int { return int(a.load.P99 - b.load.P99) })
		med[wait] = s[len(s)/2]
		c := med[wait]
		t.Add(wait, c.load.Sent, fmt.Sprint(r.sz.waitRate), ms(c.load.P50), ms(c.load.P99), ms(c.load.Max), c.load.Failed,
			f2(per(float64(c.waits), c.load.Sent)))
	}
	t.Add("1 ÷ 0", "", "", ratio(float64(med[1].load.P50), float64(med[0].load.P50)), ratio(float64(med[1].load.P99), float64(med[0].load.P99)),
		ratio(float64(med[1].load.Max), float64(med[0].load.Max)), "", "")
	if r.sz.reps > 1 {
		list := func(cs []waitCell) string {
			var parts []string
			for _, c := range cs {
				parts = append(parts, "p50 "+ms(c.load.P50)+" p99 "+ms(c.load.P99))
			}
			return strings.Join(parts, "; ")
		}
		t.Note("%d runs each, in turn, the median by p99 shown: WAIT 0: %s. WAIT 1: %s.", r.sz.reps, list(runs[0]), list(runs[1]))
	}
	t.Note("Each run: a fresh bot (REDIS_ADDRS = the 3 sentinels, REDIS_MASTER_NAME) on %d fresh workshops, %d replies open loop at %.0f/s; latency from when each was due to its 200.",
		r.sz.waitK, r.sz.waitN, r.sz.waitRate)
	t.Note("With REDIS_WAIT_REPLICAS=1 the store pipelines `WAIT 1 %d` (at most %d ms) after each reply's script, on the master's connection (internal/redis runReplicated); WAIT cmds/reply counts the master's cmdstat_wait over the run.",
		redis.WaitTimeout.Milliseconds(), redis.WaitTimeout.Milliseconds())
	t.Note("Same group, same run, before its failover (table 5): loopback replication, so this is the price of one more round trip to a replica, not of a network.")
	p50, p99 := float64(med[1].load.P50-med[0].load.P50), float64(med[1].load.P99-med[0].load.P99)
	t.Note("WAIT 1 adds %s at p50 and %s at p99.", signedMs(time.Duration(p50)), signedMs(time.Duration(p99)))
	r.report.WaitCost = &WaitCost{P50: [2]time.Duration{med[0].load.P50, med[1].load.P50}, P99: [2]time.Duration{med[0].load.P99, med[1].load.P99},
		Failed: [2]int{med[0].load.Failed, med[1].load.Failed}, WaitsPerReply: [2]float64{per(float64(med[0].waits), med[0].load.Sent), per(float64(med[1].waits), med[1].load.Sent)}}
	return t, nil
}

// WaitCost is the acknowledgement latency with REDIS_WAIT_REPLICAS 0 and 1
// (index), median runs.
type WaitCost struct {
	P50, P99      [2]time.Duration
	Failed        [2]int
	WaitsPerReply [2]float64
}

func signedMs(d time.Duration) string {
	if d < 0 {
		return "−" + ms(-d)
	}
	if d == 0 {
		return "0 ms"
	}
	return "+" + ms(d)
}

// waitCell runs one load against a fresh bot with REDIS_WAIT_REPLICAS=wait.
func (r *Runner) waitCell(ctx context.Context, sg *redistest.Sentinel, env []string, open redis.Options, wait int) (waitCell, error) {
	prefix := r.failoverPrefix(fmt.Sprintf("wait%d", wait))
	open.Prefix = prefix
	st, err := redis.Open(ctx, open)
	if err != nil {
		return waitCell{}, err
	}
	defer st.Close()
	fake := fakeslack.New()
	defer fake.Close()
	ws, err := r.createWorkshops(ctx, st, fake, r.sz.waitK, workshop.Goals, channelOf)
	if err != nil {
		return waitCell{}, err
	}
	bot, err := r.startTopologyBot(ctx, fmt.Sprintf("bot-wait%d", wait), prefix, fake, append(slices.Clone(env), "REDIS_WAIT_REPLICAS="+strconv.Itoa(wait)))
	if err != nil {
		return waitCell{}, err
	}
	defer bot.Stop()
	r.warmup(ctx, bot, ws[:1])
	master, err := sg.MasterErr()
	if err != nil {
		return waitCell{}, err
	}
	mc := goredis.NewClient(&goredis.Options{Addr: master, PoolSize: 1, MaxRetries: -1})
	defer mc.Close()
	waits := func() (int64, error) {
		s, err := mc.Info(ctx, "commandstats").Result()
		if err != nil {
			return 0, err
		}
		calls, _ := parseCommandStats(s)
		return calls["wait"], nil
	}
	w0, err := waits()
	if err != nil {
		return waitCell{}, err
	}
	outs := OpenLoop(ctx, bot.Target, r.events(ws, r.sz.waitN), r.sz.waitRate, r.sz.workers)
	w1, err := waits()
	if err != nil {
		return waitCell{}, err
	}
	return waitCell{load: Summarize(outs), waits: w1 - w0}, nil
}
