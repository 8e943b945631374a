// Package bench measures journeybot and breaks it on purpose, so the claims
// "fast" and "loses nothing" are numbers from a run anyone can repeat
// (`make bench`), not adjectives.
//
// Everything runs on loopback: a redis-server the bench starts for itself
// (AOF on, fsync every second), the fake Slack Web API in the bench
// process, and the bot as a child process (`journeybot serve` in HTTP mode),
// so kill -9, CPU time (/proc/<pid>/stat) and resident memory
// (/proc/<pid>/status) are real. The load generator is open loop: it sends
// at a fixed rate whatever the answers, as Slack does, and measures
// latency from when a delivery was due, so a slow bot cannot hide behind a
// slow generator.
//
// A shared 2-core machine drifts from run to run, so every figure that
// matters is also given as a ratio against baselines measured in the same
// run, with the same libraries: the fair baseline, which does what the bot
// must for a reply and no more (verify the signature, parse the event,
// claim the event id with SET NX, store the reply with one HSET, answer
// 200, then one reactions.add), is the reference of the event-path
// targets; the minimal one (verify, parse, one SET NX, 200) shows the
// floor of the libraries. See docs/performance.md for how to
// read the tables.
package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Secret signs every request of a run.
const Secret = "bench-signing-secret"

// headerDelay is the bot's debounce of header updates (slack.Config
// HeaderDelay, 5 s by default, not configurable from the environment).
// Work it schedules is part of an event's cost, so measurements wait for it.
const headerDelay = 5 * time.Second

// Options says how to run the bench.
type Options struct {
	// Out receives the tables; Log, progress lines (nil: discarded).
	Out, Log io.Writer
	// Dir holds logs and Redis data; it must exist.
	Dir string
	// BotArgv starts the bot in HTTP mode, e.g. {"/tmp/journeybot", "serve"};
	// BotEnv is added to its environment.
	BotArgv []string
	BotEnv  []string
	// SelfArgv starts a binary that calls MaybeRunRole first (the bench
	// itself, or a test binary), for the baseline; BaselineEnv is added to
	// its environment.
	SelfArgv    []string
	BaselineEnv []string
	// Small runs a smoke version: tiny sizes, no waits, targets not judged.
	Small bool
	// Parts selects parts by name (PartNames); empty means all.
	Parts []string
}

// sizes are the knobs that differ between the full run and the smoke test.
type sizes struct {
	ks           []int
	rates        []float64
	cell         time.Duration // each fixed-rate cell
	maxCell      time.Duration // the as-fast-as-it-goes cell
	maxConc      int
	quiesce      bool // wait for debounced work after a load
	rtEvents     int
	chartRates   []float64 // charts/s during the phases of 2b; 0 is events alone
	chartPhase   time.Duration
	chartK       int
	renderTime   time.Duration
	renderNs     []int // touchpoints of the charts rendered in process
	scaleNs      []int
	inputNs      []int
	opTime       time.Duration
	burst        int
	drillEvents  int
	drillRate    float64
	drillK       int
	outage       time.Duration
	outageRate   float64
	outagePad    time.Duration // load time around an outage
	minRuns      int           // of an in-process measurement
	restartPause time.Duration // between kill -9 of the bot and its restart
	judge        bool
	reps         int // runs of a cell that a target judges (median judged)
	workers      int
	warmupEvents int
	// Table 1c: test-step replies at ackRate for ackCell, in workshops of
	// ackNs inputs (the first is the reference).
	ackNs   []int
	ackRate float64
	ackCell time.Duration
	// Part 5: replies/s during a failover, the stream before and after the
	// kill; the WAIT cost's replies, rate and workshops.
	foRate            float64
	foBefore, foAfter time.Duration
	waitN, waitK      int
	waitRate          float64
	// Part 6: open workshops and channel members of the nudge passes.
	nudgeWorkshops, nudgeMembers int
}

func fullSizes() sizes {
	return sizes{
		ks: []int{10, 1000}, rates: []float64{100, 500, 1000}, cell: 6 * time.Second, maxCell: 5 * time.Second,
		maxConc: 32, quiesce: true, rtEvents: 300, chartRates: []float64{0, 2, 10}, chartPhase: 6 * time.Second, chartK: 1000,
		ackNs: []int{50, 5000}, ackRate: 100, ackCell: 6 * time.Second,
		renderTime: 2 * time.Second, renderNs: []int{12, 50}, scaleNs: []int{10, 1000, 10000}, inputNs: []int{10, 100, 1000}, opTime: 400 * time.Millisecond,
		burst: 200, drillEvents: 2000, drillRate: 400, drillK: 50, outage: 10 * time.Second, outageRate: 100,
		outagePad: 6 * time.Second, minRuns: 3, restartPause: time.Second,
		judge: true, reps: 3, workers: 256, warmupEvents: 50,
		foRate: 20, foBefore: 2 * time.Second, foAfter: 8 * time.Second, waitN: 500, waitK: 10, waitRate: 100,
		nudgeWorkshops: 1000, nudgeMembers: 50,
	}
}

func smallSizes() sizes {
	return sizes{
		ks: []int{5}, rates: []float64{100}, cell: 500 * time.Millisecond, maxCell: 300 * time.Millisecond,
		maxConc: 4, rtEvents: 20, chartRates: []float64{0, 2}, chartPhase: 500 * time.Millisecond, chartK: 5,
		ackNs: []int{5, 20}, ackRate: 100, ackCell: 300 * time.Millisecond,
		renderTime: 50 * time.Millisecond, renderNs: []int{12}, scaleNs: []int{10}, inputNs: []int{10, 30}, opTime: 50 * time.Millisecond,
		burst: 30, drillEvents: 100, drillRate: 100, drillK: 5, outage: 500 * time.Millisecond, outageRate: 50,
		outagePad: 500 * time.Millisecond, minRuns: 1, restartPause: 100 * time.Millisecond,
		reps: 1, workers: 32, warmupEvents: 5,
		foRate: 20, foBefore: time.Second, foAfter: 6 * time.Second, waitN: 50, waitK: 2, waitRate: 100,
		nudgeWorkshops: 20, nudgeMembers: 10,
	}
}

// Runner holds what the parts share.
type Runner struct {
	opt      Options
	sz       sizes
	redis    *RedisServer
	rdb      *goredis.Client
	run      string // this run's id, in every prefix and event id
	ts       tsClock
	mu       sync.Mutex
	prefixes []string
	nPrefix  int
	nEvent   int
	verdicts []Verdict
	findings []string
	report   Report
}

// Report is what a run found, for callers that check it (the smoke test).
type Report struct {
	Tables   []*Table
	Verdicts []Verdict
	Drills   []DrillResult
	// Failovers and WaitCost are part 5's (nil when it did not run).
	Failovers []FailoverResult
	WaitCost  *WaitCost
	Findings  []string
}

// DrillResult is the outcome of one fault drill.
type DrillResult struct {
	Name                           string
	Sent, Stored                   int
	AckedButLost, Lost, Duplicated int
	Pass                           bool
}

// PartNames are the parts Options.Parts selects from, in the order they
// run.
var PartNames = []string{"events", "charts", "scale", "drills", "failover", "nudges"}

// Run runs the selected parts and prints their tables. It returns an error
// when the bench itself could not run; missed targets are in the tables
// and the report.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	for _, p := range opt.Parts {
		if !slices.Contains(PartNames, p) {
			return nil, fmt.Errorf("unknown part %q (parts: %s)", p, strings.Join(PartNames, ", "))
		}
	}
	r := &Runner{opt: opt, sz: fullSizes(), run: strings.ToLower(rand.Text()[:6])}
	if opt.Small {
		r.sz = smallSizes()
	}
	rs, err := StartRedis(ctx, mustMkdir(filepath.Join(opt.Dir, "redis")))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	r.redis = rs
	r.rdb = goredis.NewClient(&goredis.Options{Addr: rs.Addr(), PoolSize: 32})
	defer r.rdb.Close()
	defer r.cleanup()

	fmt.Fprintf(opt.Out, "journeybot bench, %s: %d cores, GOMAXPROCS %d, %s, redis-server on %s (AOF everysec).\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), rs.Addr())
	if opt.Small {
		fmt.Fprintln(opt.Out, "Smoke run: tiny sizes, targets not judged.")
	}
	parts := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"events", r.partEvents},
		{"charts", r.partCharts},
		{"scale", r.partScale},
		{"drills", r.partDrills},
		{"failover", r.partFailover},
		{"nudges", r.partNudges},
	}
	var errs []error
	for _, p := range parts {
		if len(opt.Parts) > 0 && !slices.Contains(opt.Parts, p.name) {
			continue
		}
		r.logf("== part %s", p.name)
		start := time.Now()
		if err := p.fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
			fmt.Fprintf(opt.Out, "\n(part %s failed: %v)\n", p.name, err)
		}
		r.logf("== part %s took %s", p.name, time.Since(start).Round(time.Second))
	}
	if n, err := rs.Info(ctx, "persistence", "aof_rewrites"); err == nil {
		fmt.Fprintf(opt.Out, "\nredis-server rewrote its AOF %d times during the run (each a fork, which the cell it falls in pays for).\n", n)
	}
	r.printSummary()
	r.report.Verdicts, r.report.Findings = r.verdicts, r.findings
	return &r.report, errors.Join(errs...)
}

func (r *Runner) logf(format string, args ...any) {
	fmt.Fprintf(r.opt.Log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (r *Runner) print(t *Table) {
	t.Fprint(r.opt.Out)
	r.report.Tables = append(r.report.Tables, t)
}

// verdict records a target's outcome for the summary and returns the cell
// to print, "PASS label" or "MISS label". The smoke run judges nothing: its
// sizes are too small to mean anything.
func (r *Runner) verdict(target, measured string, pass bool, label string) string {
	if !r.sz.judge {
		return "–"
	}
	r.verdicts = append(r.verdicts, Verdict{target, measured, pass})
	return check(pass, label)
}

func (r *Runner) finding(format string, args ...any) {
	r.findings = append(r.findings, fmt.Sprintf(format, args...))
}

func (r *Runner) printSummary() {
	if len(r.verdicts) > 0 {
		t := &Table{Title: "Targets", Cols: []string{"target", "measured", "result"}}
		for _, v := range r.verdicts {
			t.Add(v.Target, v.Measured, check(v.Pass, ""))
		}
		r.print(t)
	}
	if len(r.findings) > 0 {
		fmt.Fprintln(r.opt.Out, "\nFindings:")
		for _, f := range r.findings {
			fmt.Fprintln(r.opt.Out, "- "+f)
		}
	}
}

// newPrefix returns a REDIS_PREFIX no other cell, run or test uses; every
// key under it is deleted when the run ends.
func (r *Runner) newPrefix() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nPrefix++
	p := fmt.Sprintf("jbbench-%s-%d", r.run, r.nPrefix)
	r.prefixes = append(r.prefixes, p)
	return p
}

func (r *Runner) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, p := range r.prefixes {
		if err := deletePrefix(ctx, r.rdb, p); err != nil {
			r.logf("cleanup %s: %v", p, err)
		}
	}
}

func deletePrefix(ctx context.Context, c *goredis.Client, prefix string) error {
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.Unlink(ctx, batch...).Err()
	}
	return nil
}

func mustMkdir(dir string) string {
	_ = os.MkdirAll(dir, 0o755)
	return dir
}

// Service is a bot or baseline child process and a client for it.
type Service struct {
	*Proc
	Addr   string
	Target *Target
}

// Stop stops the service and closes its client.
func (s *Service) Stop() error {
	s.Target.Close()
	return s.Proc.Stop(30 * time.Second)
}

// botEnv is the environment of `journeybot serve` in HTTP mode.
func botEnv(redisURL, prefix, apiURL, addr string) []string {
	return []string{
		"SLACK_BOT_TOKEN=xoxb-bench", "SLACK_SIGNING_SECRET=" + Secret, "SLACK_API_URL=" + apiURL,
		"SLACK_APP_TOKEN=", "REDIS_ADDRS=", "REDIS_MASTER_NAME=", "LOG_LEVEL=info", "LOG_FORMAT=json",
		"DEFAULT_LANG=en", "DEFAULT_TZ=UTC", "REDIS_URL=" + redisURL, "REDIS_PREFIX=" + prefix, "ADDR=" + addr,
	}
}

// startBot starts the bot against a fake Slack; addr "" picks a port.
func (r *Runner) startBot(ctx context.Context, name, redisURL, prefix string, fake *fakeslack.Server, addr string) (*Service, error) {
	if addr == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr = "127.0.0.1:" + strconv.Itoa(port)
	}
	env := append(botEnv(redisURL, prefix, fake.APIURL(), addr), r.opt.BotEnv...)
	return r.startService(ctx, name, r.opt.BotArgv, env, addr)
}

// startBaseline starts a baseline handler: RoleBaseline (the minimal one,
// which calls no Slack) or RoleFairBaseline, which sends its reactions to
// fake.
func (r *Runner) startBaseline(ctx context.Context, role, prefix string, fake *fakeslack.Server) (*Service, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	api := "http://127.0.0.1:1/api/"
	if fake != nil {
		api = fake.APIURL()
	}
	env := append(botEnv(r.redis.URL(), prefix, api, addr), RoleEnv+"="+role)
	env = append(env, r.opt.BaselineEnv...)
	return r.startService(ctx, role, r.opt.SelfArgv, env, addr)
}

func (r *Runner) startService(ctx context.Context, name string, argv, env []string, addr string) (*Service, error) {
	logPath := filepath.Join(r.opt.Dir, name+".log")
	start := time.Now()
	p, err := StartProc(name, argv, env, logPath)
	if err != nil {
		return nil, err
	}
	s := &Service{Proc: p, Addr: addr, Target: NewTarget(addr, Secret, r.sz.workers)}
	if err := s.waitHealthy(ctx, 30*time.Second); err != nil {
		p.Kill()
		return nil, err
	}
	r.logf("%s up on %s, pid %d, in %s", name, addr, p.Pid(), ms(time.Since(start)))
	return s, nil
}

func (s *Service) waitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, cancel := context.WithTimeout(ctx, time.Second)
		st, err := s.Target.Get(c, "/healthz")
		cancel()
		if err == nil && st == http.StatusOK {
			return nil
		}
		if s.Exited() {
			return fmt.Errorf("%s exited at start:\n%s", s.Name, s.LogTail(3000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy after %v:\n%s", s.Name, timeout, s.LogTail(3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Workshop is a workshop the bench made, and the step thread it replies in.
type Workshop struct {
	ID, Channel, Thread string
	Step                workshop.Step
}

// createWorkshops writes n open workshops straight into the store, as
// `/journey start` leaves them (meta, channel index, header message, a
// bound step thread), which is much faster than n commands and leaves the
// bot's memory untouched. The header is really posted to the fake, so the
// bot's debounced header updates succeed as they would in Slack.
func (r *Runner) createWorkshops(ctx context.Context, st *redis.Store, fake *fakeslack.Server, n int, step workshop.Step, channel func(i int) string) ([]Workshop, error) {
	api := goslack.New("xoxb-bench", goslack.OptionAPIURL(fake.APIURL()))
	out := make([]Workshop, n)
	errc := make(chan error, 1)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				if err := r.createWorkshop(ctx, st, api, step, channel(i), &out[i]); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
		return out, nil
	}
}

func (r *Runner) createWorkshop(ctx context.Context, st *redis.Store, api *goslack.Client, step workshop.Step, channel string, w *Workshop) error {
	id, err := st.NewID(ctx)
	if err != nil {
		return err
	}
	_, header, err := api.PostMessageContext(ctx, channel, goslack.MsgOptionText("header of "+id, false))
	if err != nil {
		return fmt.Errorf("post header: %w", err)
	}
	thread := r.ts.next()
	now := time.Now().UTC()
	m := &workshop.Meta{
		ID: id, Title: "Bench workshop " + id, Lang: workshop.LangEN, Facilitator: "UFAC", Channel: channel,
		Step: step, CreatedAt: now, HeaderTS: header, Review: workshop.Review{Cadence: workshop.CadenceOff},
		Messages: []workshop.StepMessage{{Step: step, TS: thread, At: now}},
	}
	if err := st.Create(ctx, m); err != nil {
		return err
	}
	if err := st.BindThread(ctx, channel, thread, workshop.ThreadRef{Workshop: id, Step: step}); err != nil {
		return err
	}
	*w = Workshop{ID: id, Channel: channel, Thread: thread, Step: step}
	return nil
}

// goalTexts are replies for the goals step: plain questions, as a team
// writes them.
var goalTexts = []string{
	"Why do 40% of visitors leave at the payment page?",
	"What makes a first-time buyer come back within a month?",
	"Where do customers get stuck when they change their delivery address?",
	"Which questions reach support before a purchase, and why?",
	"How long does it take a new user to find the pricing page?",
}

// replyEvent makes the i-th reply of a run, to workshop w.
func (r *Runner) replyEvent(w Workshop, i int) *Event {
	return r.replyWith(w, i, goalTexts[i%len(goalTexts)])
}

// replyWith makes the i-th reply of a run, to workshop w, saying text.
func (r *Runner) replyWith(w Workshop, i int, text string) *Event {
	r.mu.Lock()
	r.nEvent++
	n := r.nEvent
	r.mu.Unlock()
	return &Event{
		ID: fmt.Sprintf("Ev%s%07d", strings.ToUpper(r.run), n), TS: r.ts.next(),
		Channel: w.Channel, Thread: w.Thread, User: fmt.Sprintf("U%03d", i%40),
		Text: text, Workshop: w.ID,
	}
}

// spread picks workshops for n events: a fixed pseudo-random order that
// touches all of them evenly, like a team spread over many workshops.
func spread(n, k int) []int {
	out := make([]int, n)
	x := uint32(2463534242)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = int(x % uint32(k))
	}
	return out
}

// events makes n replies spread over ws.
func (r *Runner) events(ws []Workshop, n int) []*Event {
	idx := spread(n, len(ws))
	evs := make([]*Event, n)
	for i := range evs {
		evs[i] = r.replyEvent(ws[idx[i]], i)
		evs[i].Body()
	}
	return evs
}

// warmup sends a few events so connections and caches exist before a
// measurement, as they do in a bot that has been up for a while.
func (r *Runner) warmup(ctx context.Context, s *Service, ws []Workshop) []Outcome {
	evs := r.events(ws[:min(len(ws), 5)], r.sz.warmupEvents)
	return OpenLoop(ctx, s.Target, evs, 500, 16)
}

// quiesce waits until the bot's debounced work after a load is done: the
// header updates fire headerDelay after a workshop's first reply, then the
// fake sees no new call for a while.
func (r *Runner) quiesce(fake *fakeslack.Server, lastAnswer time.Time) {
	if !r.sz.quiesce {
		return
	}
	time.Sleep(time.Until(lastAnswer.Add(headerDelay + 300*time.Millisecond)))
	deadline := time.Now().Add(60 * time.Second)
	n, stable := -1, 0
	for time.Now().Before(deadline) && stable < 5 {
		c := callCount(fake)
		if c == n {
			stable++
		} else {
			n, stable = c, 0
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reactions is how many reactions.add calls the fake has answered.
func reactions(fake *fakeslack.Server) int { return len(fake.Calls("reactions.add")) }

// awaitReactions waits until the fake has answered want reactions.add
// calls since it had answered from (at most 30 s): the work a process does
// right after its 200s, one ✅ per stored reply, is done. Unlike quiesce it
// does not wait for the bot's debounced header updates.
func awaitReactions(fake *fakeslack.Server, from, want int) {
	deadline := time.Now().Add(30 * time.Second)
	for reactions(fake)-from < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// acked counts the 200s of a load.
func acked(outs []Outcome) int {
	n := 0
	for _, o := range outs {
		if o.Acked() {
			n++
		}
	}
	return n
}

// lastAnswer is when the last answer of a load came.
func lastAnswer(outs []Outcome) time.Time {
	var t time.Time
	for _, o := range outs {
		if e := o.Sent.Add(o.Latency); e.After(t) {
			t = e
		}
	}
	return t
}

// Usage is what a process and its Redis did during a measurement.
type Usage struct {
	RedisCmds  int64
	RedisByCmd map[string]int64
	SlackCalls int
	SlackBy    map[string]int
	CPU        time.Duration
	// RedisCPU and BenchCPU are redis-server's and the bench process's
	// (load generator and fake Slack) over the same time: they share the
	// machine's two cores with the bot.
	RedisCPU, BenchCPU time.Duration
	// OtherCPU is what every other process on the machine used meanwhile:
	// on a shared machine, the noise in the numbers.
	OtherCPU time.Duration
	RSS, HWM int64
	// SlackConns counts TCP connections to the fake Slack opened and
	// closed meanwhile (a client that keeps its connections alive opens
	// few).
	SlackConns int
}

// meter snapshots counters before a measurement; done reads them after.
type meter struct {
	r      *Runner
	s      *Service
	fake   *fakeslack.Server
	cpu0   [4]time.Duration
	calls0 int
	conns0 int
}

func (r *Runner) startMeter(ctx context.Context, s *Service, fake *fakeslack.Server) (*meter, error) {
	m := &meter{r: r, s: s, fake: fake}
	if err := r.redis.ResetStats(ctx); err != nil {
		return nil, err
	}
	cpu, err := m.cpus()
	if err != nil {
		return nil, err
	}
	m.cpu0 = cpu
	if fake != nil {
		m.calls0 = callCount(fake)
		m.conns0 = closedConns(fakePort(fake))
	}
	return m, nil
}

// cpus reads the CPU time of the service, redis-server, the bench and the
// whole machine.
func (m *meter) cpus() ([4]time.Duration, error) {
	var out [4]time.Duration
	var errs [4]error
	out[0], errs[0] = m.s.CPU()
	out[1], errs[1] = procCPU(m.r.redis.Pid())
	out[2], errs[2] = procCPU(os.Getpid())
	out[3], errs[3] = machineCPU()
	return out, errors.Join(errs[:]...)
}

func (m *meter) done(ctx context.Context) (Usage, error) {
	var u Usage
	var err error
	if u.RedisByCmd, u.RedisCmds, err = m.r.redis.CommandCalls(ctx); err != nil {
		return u, err
	}
	cpu, err := m.cpus()
	if err != nil {
		return u, err
	}
	u.CPU, u.RedisCPU, u.BenchCPU = cpu[0]-m.cpu0[0], cpu[1]-m.cpu0[1], cpu[2]-m.cpu0[2]
	u.OtherCPU = max(0, cpu[3]-m.cpu0[3]-u.CPU-u.RedisCPU-u.BenchCPU)
	if u.RSS, u.HWM, err = m.s.Mem(); err != nil {
		return u, err
	}
	if m.fake != nil {
		u.SlackBy = map[string]int{}
		for _, c := range m.fake.AllCalls()[m.calls0:] {
			u.SlackBy[c.Method]++
			u.SlackCalls++
		}
		// TIME_WAIT sockets of an earlier cell that expire meanwhile
		// would make it negative.
		u.SlackConns = max(0, closedConns(fakePort(m.fake))-m.conns0)
	}
	return u, nil
}

// per divides, for "per event" columns.
func per(v float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return v / float64(n)
}

// fakePort is the fake Slack's TCP port.
func fakePort(fake *fakeslack.Server) int {
	_, p, _ := strings.Cut(strings.TrimPrefix(fake.URL, "http://"), ":")
	n, _ := strconv.Atoi(p)
	return n
}

// callCount is how many Web API calls the fake has answered.
func callCount(fake *fakeslack.Server) int { return len(fake.AllCalls()) }
