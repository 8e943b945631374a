package review_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
)

// clock is a time the test moves, shared by every scheduler of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// reminded is one reminder a recorder was asked to post.
type reminded struct {
	ID         string
	Occurrence time.Time
	Late       bool
}

// recorder is a Reminder that keeps what it posted, and fails when told to.
type recorder struct {
	mu   sync.Mutex
	got  []reminded
	fail error
}

func (r *recorder) Remind(_ context.Context, id string, occ time.Time, late bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, reminded{id, occ, late})
	return nil
}

func (r *recorder) all() []reminded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type storeCase struct {
	name string
	open func(t *testing.T) workshop.Store
}

// stores runs the scheduler tests on both stores: the embedded one (several
// schedulers in one process) and a real Redis (several processes).
var stores = []storeCase{
	{"bolt", func(t *testing.T) workshop.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"redis", func(t *testing.T) workshop.Store {
		c, prefix := redistest.Client(t)
		return redis.New(c, prefix)
	}},
}

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// schedule creates workshop id with a custom review due at due.
func schedule(t *testing.T, s workshop.Store, id, spec string, due time.Time) {
	t.Helper()
	m := &workshop.Meta{
		ID: id, Title: "Workshop " + id, Channel: "C1", Step: workshop.Iterate, CreatedAt: t0.Add(-time.Hour),
		Review: workshop.Review{Cadence: workshop.CadenceCustom, Spec: spec, TZ: "Europe/Paris", NextDue: due},
	}
	if err := s.Create(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func schedulers(s workshop.Store, rec *recorder, c *clock, n int) []*review.Scheduler {
	out := make([]*review.Scheduler, n)
	for i := range out {
		out[i] = &review.Scheduler{Store: s, Reminder: rec, Now: c.Now}
	}
	return out
}

// runAll runs RunDue on every scheduler at once and returns the posts.
func runAll(t *testing.T, ss []*review.Scheduler) int {
	t.Helper()
	var total atomic.Int64
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(func() {
			n, err := s.RunDue(context.Background())
			if err != nil {
				t.Errorf("RunDue: %v", err)
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	return int(total.Load())
}

func meta(t *testing.T, s workshop.Store, id string) *workshop.Meta {
	t.Helper()
	m, err := s.LoadMeta(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Three schedulers sharing a store, ticking many times a minute, post each
// minute's reminder exactly once.
func TestThreeSchedulersPostEachOccurrenceOnce(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			c := &clock{now: t0}
			schedule(t, s, "W1", "* * * * *", t0.Add(time.Minute))
			rec := &recorder{}
			ss := schedulers(s, rec, c, 3)
			// Ten minutes, ticking every 5 seconds.
			for tick := time.Duration(0); tick <= 10*time.Minute; tick += 5 * time.Second {
				c.Set(t0.Add(tick))
				runAll(t, ss)
			}
			got := rec.all()
			if len(got) != 10 {
				t.Fatalf("%d reminders in ten minutes, want 10: %v", len(got), got)
			}
			for i, r := range got {
				if want := t0.Add(time.Duration(i+1) * time.Minute); !r.Occurrence.Equal(want) || r.Late {
					t.Errorf("reminder %d: %+v, want %s on time", i+1, r, want)
				}
			}
			m := meta(t, s, "W1")
			if want := t0.Add(11 * time.Minute); !m.Review.NextDue.Equal(want) || !m.Review.LastReminder.Equal(t0.Add(10*time.Minute)) {
				t.Errorf("NextDue %s LastReminder %s, want %s and the 10th minute", m.Review.NextDue, m.Review.LastReminder, want)
			}
		})
	}
}

// Every replica down for three minutes: the one that comes back posts one
// late reminder, for the latest missed minute, then one a minute.
func TestMissedWhileDownPostsOneLateReminder(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			c := &clock{now: t0}
			schedule(t, s, "W1", "* * * * *", t0.Add(time.Minute))
			rec := &recorder{}
			ss := schedulers(s, rec, c, 1)

			c.Set(t0.Add(3*time.Minute + 40*time.Second)) // 12:01, 12:02, 12:03 missed
			for range 3 {
				runAll(t, ss)
			}
			got := rec.all()
			want := []reminded{{"W1", t0.Add(3 * time.Minute), true}}
			if !slices.Equal(got, want) {
				t.Fatalf("after the downtime: %+v, want %+v", got, want)
			}
			if m := meta(t, s, "W1"); !m.Review.NextDue.Equal(t0.Add(4 * time.Minute)) {
				t.Errorf("NextDue %s, want the first minute after now", m.Review.NextDue)
			}
			for _, at := range []time.Duration{4*time.Minute + 2*time.Second, 4*time.Minute + 30*time.Second, 5*time.Minute + 1*time.Second} {
				c.Set(t0.Add(at))
				runAll(t, ss)
			}
			got = rec.all()[1:]
			want = []reminded{{"W1", t0.Add(4 * time.Minute), false}, {"W1", t0.Add(5 * time.Minute), false}}
			if !slices.Equal(got, want) {
				t.Errorf("after the late one: %+v, want %+v", got, want)
			}
		})
	}
}

// A replica whose clock is a little behind must not post a second late
// reminder for the same downtime.
func TestCatchUpAcrossSkewedClocks(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			schedule(t, s, "W1", "* * * * *", t0.Add(time.Minute))
			rec := &recorder{}
			ahead := &review.Scheduler{Store: s, Reminder: rec, Now: func() time.Time { return t0.Add(5*time.Minute + time.Second) }}
			behind := &review.Scheduler{Store: s, Reminder: rec, Now: func() time.Time { return t0.Add(4*time.Minute + 59*time.Second) }}
			runAll(t, []*review.Scheduler{ahead, behind})
			runAll(t, []*review.Scheduler{ahead, behind})
			got := rec.all()
			late := 0
			seen := map[time.Time]bool{}
			for _, r := range got {
				if r.Late {
					late++
				}
				if seen[r.Occurrence] {
					t.Errorf("occurrence %s posted twice", r.Occurrence)
				}
				seen[r.Occurrence] = true
			}
			if late != 1 {
				t.Errorf("%d late reminders for one downtime, want 1: %+v", late, got)
			}
		})
	}
}

// 1,000 reminders due at once, three schedulers against a real Redis: each
// posted once.
func TestThousandDueRemindersThreeSchedulersRedis(t *testing.T) {
	c, prefix := redistest.Client(t)
	s := redis.New(c, prefix)
	const n = 1000
	due := t0.Add(time.Minute)
	for i := range n {
		schedule(t, s, fmt.Sprintf("W%d", i+1), "0 9 * * *", due)
	}
	clk := &clock{now: due.Add(2 * time.Second)}
	rec := &recorder{}
	ss := schedulers(s, rec, clk, 3)
	for _, sch := range ss {
		sch.Batch = 150 // several queries per run
	}
	posted := runAll(t, ss)
	// A second round finds nothing left to do.
	posted += runAll(t, ss)

	got := rec.all()
	if len(got) != n || posted != n {
		t.Fatalf("%d reminders posted (schedulers counted %d), want %d", len(got), posted, n)
	}
	seen := map[string]bool{}
	for _, r := range got {
		key := review.ClaimKey(r.ID, r.Occurrence)
		if seen[key] {
			t.Errorf("duplicate reminder %s", key)
		}
		seen[key] = true
		if r.Late || !r.Occurrence.Equal(due) {
			t.Errorf("reminder %+v, want on time at %s", r, due)
		}
	}
	if left, err := s.Due(context.Background(), clk.Now(), 10); err != nil || len(left) != 0 {
		t.Errorf("still due after the run: %v %v", left, err)
	}
	// Next day, 09:00 Paris (07:00 UTC in June).
	if m := meta(t, s, "W500"); !m.Review.NextDue.Equal(time.Date(2026, 6, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("W500 NextDue %s", m.Review.NextDue)
	}
}

// A post that fails is not retried: the claim is spent and NextDue moves on
// (at most once).
func TestFailedPostIsNotRetried(t *testing.T) {
	s := stores[0].open(t)
	schedule(t, s, "W1", "* * * * *", t0.Add(time.Minute))
	clk := &clock{now: t0.Add(time.Minute)}
	rec := &recorder{fail: errors.New("slack is down")}
	var results []string
	sch := &review.Scheduler{Store: s, Reminder: rec, Now: clk.Now, Observe: func(r string) { results = append(results, r) }}
	if n, err := sch.RunDue(context.Background()); n != 0 || err == nil {
		t.Errorf("RunDue = %d, %v; want 0 and the post's error", n, err)
	}
	rec.fail = nil
	if n, err := sch.RunDue(context.Background()); n != 0 || err != nil {
		t.Errorf("second RunDue = %d, %v; want nothing to do", n, err)
	}
	if m := meta(t, s, "W1"); !m.Review.NextDue.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("NextDue %s, want the next minute", m.Review.NextDue)
	}
	if !slices.Equal(results, []string{review.ResultFailed}) {
		t.Errorf("observed %v", results)
	}
}

type panicker struct{}

func (panicker) Remind(context.Context, string, time.Time, bool) error { panic("reminder boom") }

// A reminder that panics is recovered: counted, returned as an error, and
// the next workshop is still reminded.
func TestPanickingReminderIsRecovered(t *testing.T) {
	s := stores[0].open(t)
	schedule(t, s, "W1", "* * * * *", t0.Add(time.Minute))
	clk := &clock{now: t0.Add(time.Minute)}
	var panics atomic.Int32
	sch := &review.Scheduler{Store: s, Reminder: panicker{}, Now: clk.Now, Panicked: func(string) { panics.Add(1) }}
	if n, err := sch.RunDue(context.Background()); n != 0 || err == nil || !strings.Contains(err.Error(), "reminder boom") {
		t.Errorf("RunDue = %d, %v; want 0 and the panic as an error", n, err)
	}
	if panics.Load() != 1 {
		t.Errorf("%d panics counted, want 1", panics.Load())
	}
}

// Reviews turned off, or moved later by the facilitator, are not reminded;
// a workshop the scheduler does not match is left alone.
func TestOnlyDueMatchingReviewsAreReminded(t *testing.T) {
	s := stores[0].open(t)
	ctx := context.Background()
	due := t0.Add(time.Minute)
	for _, id := range []string{"W1", "W2", "W3", "W4"} {
		schedule(t, s, id, "* * * * *", due)
	}
	if _, err := s.UpdateMeta(ctx, "W2", func(m *workshop.Meta) error { m.Review.Cadence = workshop.CadenceOff; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMeta(ctx, "W3", func(m *workshop.Meta) error { m.Review.NextDue = due.Add(7 * 24 * time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMeta(ctx, "W4", func(m *workshop.Meta) error { m.Channel = "console"; return nil }); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	sch := &review.Scheduler{Store: s, Reminder: rec, Now: func() time.Time { return due }, Match: func(m *workshop.Meta) bool { return m.Channel != "console" }}
	if _, err := sch.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); !slices.Equal(got, []reminded{{"W1", due, false}}) {
		t.Errorf("reminded %+v, want W1 only", got)
	}
	if m := meta(t, s, "W4"); !m.Review.NextDue.Equal(due) {
		t.Errorf("the unmatched workshop moved: %s", m.Review.NextDue)
	}
}

// remindFunc is a Reminder that is a function.
type remindFunc func(ctx context.Context, id string, occurrence time.Time, late bool) error

func (f remindFunc) Remind(ctx context.Context, id string, occurrence time.Time, late bool) error {
	return f(ctx, id, occurrence, late)
}

// Run ticks until its context ends. In a synctest bubble its timers and
// its clock are the bubble's: minutes pass as soon as every goroutine
// waits, and the test waits on the reminders themselves.
func TestRunTicksUntilCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := stores[0].open(t)
		first := time.Now().Truncate(time.Minute).Add(time.Minute)
		schedule(t, s, "W1", "* * * * *", first)
		posted := make(chan reminded, 10)
		var rounds atomic.Int32
		sch := &review.Scheduler{Store: s, Tick: 5 * time.Second, Ran: func() { rounds.Add(1) },
			Reminder: remindFunc(func(_ context.Context, id string, occ time.Time, late bool) error {
				posted <- reminded{id, occ, late}
				return nil
			})}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- sch.Run(ctx) }()
		for i := range 3 {
			got := <-posted
			want := reminded{"W1", first.Add(time.Duration(i) * time.Minute), false}
			if got.ID != want.ID || !got.Occurrence.Equal(want.Occurrence) || got.Late {
				t.Errorf("reminder %d: %+v, want %+v", i+1, got, want)
			}
			// Posted at the first tick after it fell due: a tick is 5s, give
			// or take a fifth.
			if late := time.Since(want.Occurrence); late < 0 || late > 6*time.Second {
				t.Errorf("reminder %d posted %v after its occurrence", i+1, late)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(posted) != 0 {
			t.Errorf("%d more reminders posted", len(posted))
		}
		// Three minutes of ticks every 4 to 6 s.
		if n := rounds.Load(); n < 3*60/6 || n > 3*60/4+2 {
			t.Errorf("%d rounds in three minutes", n)
		}
	})
}

// An index entry left early (a crash between a Redis meta update and its
// index write) is repaired when it is seen twice, and never posts early.
func TestStaleIndexEntryIsRepaired(t *testing.T) {
	c, prefix := redistest.Client(t)
	s := redis.New(c, prefix)
	ctx := context.Background()
	schedule(t, s, "W1", "0 9 * * *", t0.Add(time.Hour))
	if err := c.ZAdd(ctx, prefix+":{due}:at", goredis.Z{Score: float64(t0.UnixMilli()), Member: "W1"}).Err(); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	sch := &review.Scheduler{Store: s, Reminder: rec, Now: func() time.Time { return t0.Add(time.Minute) }}
	for range 2 {
		if _, err := sch.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := rec.all(); len(got) != 0 {
		t.Errorf("posted %+v before the due date", got)
	}
	if ids, _ := s.Due(ctx, t0.Add(time.Minute), 10); len(ids) != 0 {
		t.Errorf("early entry still listed: %v", ids)
	}
	if ids, _ := s.Due(ctx, t0.Add(time.Hour), 10); !slices.Equal(ids, []string{"W1"}) {
		t.Errorf("entry not back at the due date: %v", ids)
	}
}

// nudger is a Nudger that records its passes and plans each workshop's
// next pass an hour on; during the first pass that holds W2 it runs
// during, as a command changing a meta meanwhile would.
type nudger struct {
	recorder
	mu     sync.Mutex
	passes [][]string
	during func()
}

func (n *nudger) NudgeAll(_ context.Context, metas []*workshop.Meta, now time.Time, claim func([]string) ([]bool, error)) ([]workshop.NudgePlan, error) {
	n.mu.Lock()
	var ids []string
	for _, m := range metas {
		ids = append(ids, m.ID)
	}
	n.passes = append(n.passes, ids)
	// The hook moves W2's meta during the pass that holds W2: another pass
	// running beside it (W5's, alone) must not take it, or the move could
	// land after that pass has saved its plans.
	var during func()
	if slices.Contains(ids, "W2") {
		during, n.during = n.during, nil
	}
	n.mu.Unlock()
	if during != nil {
		during()
	}
	if _, err := claim([]string{"k:" + strings.Join(ids, ",")}); err != nil {
		return nil, err
	}
	plans := make([]workshop.NudgePlan, len(metas))
	for i := range plans {
		plans[i] = workshop.NudgePlan{Next: now.Add(time.Hour), Nudged: []string{"U" + metas[i].ID}}
	}
	return plans, nil
}

// Nudge passes due together go to the Nudger as one batch; a workshop with
// a review due as well is handled on its own; each pass's next time is
// saved, except where the meta moved meanwhile, whose own plan stays.
func TestNudgePassesGoInOneBatch(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			ctx := context.Background()
			deadline := t0.Add(48 * time.Hour)
			for i := 1; i <= 5; i++ {
				m := &workshop.Meta{ID: fmt.Sprint("W", i), Title: "Workshop", Channel: "C1", Step: workshop.Goals, CreatedAt: t0.Add(-time.Hour),
					Deadline: deadline, NudgeAt: t0}
				if i == 5 {
					m.Review = workshop.Review{Cadence: workshop.CadenceCustom, Spec: "0 9 * * *", TZ: "Europe/Paris", NextDue: t0}
				}
				if err := s.Create(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			n := &nudger{}
			moved := t0.Add(30 * time.Minute)
			n.during = func() {
				if _, err := s.UpdateMeta(ctx, "W2", func(m *workshop.Meta) error { m.NudgeAt = moved; return nil }); err != nil {
					t.Error(err)
				}
			}
			sch := &review.Scheduler{Store: s, Reminder: n, Now: func() time.Time { return t0.Add(time.Minute) }}
			if _, err := sch.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			var batch []string
			for _, p := range n.passes {
				if len(p) > 1 {
					batch = p
				}
			}
			slices.Sort(batch)
			if !slices.Equal(batch, []string{"W1", "W2", "W3", "W4"}) || len(n.passes) != 2 {
				t.Errorf("passes %v; want one batch of W1-W4 and W5 alone", n.passes)
			}
			if got := n.recorder.all(); len(got) != 1 || got[0].ID != "W5" {
				t.Errorf("reminded %+v, want W5's review", got)
			}
			for i := 1; i <= 5; i++ {
				id := fmt.Sprint("W", i)
				m, err := s.LoadMeta(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				want := t0.Add(time.Minute + time.Hour)
				if id == "W2" {
					want = moved
				}
				if !m.NudgeAt.Equal(want) {
					t.Errorf("%s: next pass at %v, want %v", id, m.NudgeAt, want)
				}
				if wantNudged := id != "W2"; m.WasNudged("U"+id) != wantNudged {
					t.Errorf("%s: nudged %q; want U%s recorded: %v", id, m.Nudged, id, wantNudged)
				}
			}
			if ids, err := s.Due(ctx, t0.Add(time.Minute), 10); err != nil || len(ids) != 0 {
				t.Errorf("still due after the round: %v, %v", ids, err)
			}
		})
	}
}
