package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// Reminder posts a review reminder in a workshop's channel; the engine
// implements it. occurrence is the date the reminder is for; late says it
// is posted after a downtime.
type Reminder interface {
	Remind(ctx context.Context, id string, occurrence time.Time, late bool) error
}

// Deadliner is a Reminder that also handles step deadlines (the engine:
// the facilitator's digest, autopilot). The scheduler calls it once per
// deadline, however many replicas run, and then marks the deadline done.
type Deadliner interface {
	Deadline(ctx context.Context, id string, step workshop.Step, due time.Time) error
}

// Nudger is a Reminder that also nudges people before a deadline (the
// engine). NudgeAll runs one pass at now over the workshops whose pass is
// due (their metas as read), claiming all the pass's nudges with one call
// of claim, and returns, per workshop, when its next pass is needed (zero:
// none).
type Nudger interface {
	NudgeAll(ctx context.Context, metas []*workshop.Meta, now time.Time, claim func(keys []string) ([]bool, error)) ([]workshop.NudgePlan, error)
}

// NudgeClaimTTL is how long a nudge's claim is kept: longer than any step.
const NudgeClaimTTL = 120 * 24 * time.Hour

// DeadlineClaimKey is the claim that makes one replica handle a deadline.
func DeadlineClaimKey(id string, step workshop.Step, due time.Time) string {
	return fmt.Sprintf("deadline:%s:%s:%d", id, step.Key(), due.Unix())
}

// Results counted through Scheduler.Observe.
const (
	ResultPosted    = "posted"
	ResultLate      = "late"
	ResultElsewhere = "claimed_elsewhere"
	ResultFailed    = "failed"
)

// Defaults of the Scheduler's tunables.
const (
	DefaultTick     = 5 * time.Second
	DefaultGrace    = time.Minute
	DefaultClaimTTL = 7 * 24 * time.Hour
	DefaultBatch    = 200
	DefaultWorkers  = 4
	// DefaultTimeout bounds the handling of one due workshop.
	DefaultTimeout = time.Minute
)

// Store is what the scheduler needs of a store: the due index, claims, and
// the metas it advances, one at a time and in batches (a round of nudge
// passes costs a few round trips however many workshops are due).
type Store interface {
	workshop.Reviews
	workshop.Claims
	workshop.Batch
	LoadMeta(ctx context.Context, id string) (*workshop.Meta, error)
	UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error)
}

// Scheduler posts the review reminders that are due. The store is the
// source of truth: each workshop's Review.NextDue says when its next
// reminder is due, and the store's due index (Store.Due) finds them. Any
// number of Schedulers, in any number of processes, can share one store.
//
// Exactly once: a reminder is posted only by the Scheduler that claims its
// occurrence in the store (Store.Claim, key "review:<id>:<unix>"); the
// others only advance NextDue past it. The claim is taken before posting,
// so delivery is at most once: a process that dies between its claim and
// the post loses that one reminder, rather than any replica ever posting
// twice. Chat platforms offer no idempotent post to do better, and a
// duplicate reminder in a channel is the more visible failure. A post that
// fails (Slack down) is logged and counted, not retried, for the same
// reason.
//
// Missed occurrences: when NextDue was missed by more than Grace (every
// replica was down), only the latest missed occurrence is posted, marked
// late, and NextDue moves to the first occurrence after now.
type Scheduler struct {
	Store    Store
	Reminder Reminder
	// Now is the clock; time.Now when nil. Tests move it.
	Now func() time.Time
	// Tick is how often Run looks for due reminders, give or take a fifth
	// so replicas spread out (DefaultTick when zero).
	Tick time.Duration
	// Grace is how long after its due date a reminder still counts as on
	// time (DefaultGrace when zero).
	Grace time.Duration
	// ClaimTTL is how long an occurrence's claim is kept; it must outlast
	// any delay in advancing NextDue past it (DefaultClaimTTL when zero).
	ClaimTTL time.Duration
	// Batch is how many due workshops one store query returns
	// (DefaultBatch when zero); Workers how many are handled at once
	// (DefaultWorkers when zero).
	Batch, Workers int
	// Match, when set, limits the scheduler to the workshops it accepts:
	// the console reminds only its own workshops, the bot only the others.
	Match func(*workshop.Meta) bool
	// Observe, when set, is told the result of each due reminder
	// (ResultPosted, ResultLate, ResultElsewhere, ResultFailed), for
	// metrics such as metrics.Reminder. It is called from several
	// goroutines at once.
	Observe func(result string)
	// Panicked, when set, is told of every panic recovered ("review"), for
	// metrics.
	Panicked func(task string)
	// Ran, when set, is called at the end of each RunDue, every workshop
	// due in that round handled: a test hook, so tests wait until each
	// scheduler has looked since their clock moved rather than sleep.
	Ran    func()
	Logger *slog.Logger

	mu sync.Mutex
	// early remembers workshops the index listed as due while their meta
	// was not: seen twice in a row, the entry is stale and is repaired.
	early map[string]time.Time
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Scheduler) observe(result string) {
	if s.Observe != nil {
		s.Observe(result)
	}
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// ClaimKey names the claim of one occurrence of a workshop's reminder.
func ClaimKey(id string, occurrence time.Time) string {
	return "review:" + id + ":" + strconv.FormatInt(occurrence.Unix(), 10)
}

// Run checks for due reminders every Tick until ctx ends. Reminders being
// posted when ctx ends are finished (each within DefaultTimeout), so a
// claimed occurrence is not abandoned by a shutdown.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := orDefault(s.Tick, DefaultTick)
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log().ErrorContext(ctx, "review reminders", "err", err)
		}
		// Jitter spreads replicas that started together.
		wait := time.Duration(float64(tick) * (0.8 + 0.4*rand.Float64()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// RunDue handles every reminder due now and reports how many this
// scheduler posted. Errors of single workshops are joined; the others are
// still handled.
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	now := s.now()
	batch := orDefault(s.Batch, DefaultBatch)
	seen := map[string]bool{}
	var (
		mu     sync.Mutex
		posted int
		errs   []error
	)
	sem := make(chan struct{}, orDefault(s.Workers, DefaultWorkers))
	var wg sync.WaitGroup
	record := func(ok int, err error) {
		mu.Lock()
		defer mu.Unlock()
		posted += ok
		if err != nil {
			errs = append(errs, err)
		}
	}
	// A reminder under way finishes even when ctx ends.
	detached := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	}
	handle := func(id string, m *workshop.Meta) {
		defer wg.Done()
		defer func() { <-sem }()
		hctx, cancel := detached()
		defer cancel()
		ok, err := s.safeHandle(hctx, id, m, now)
		if err != nil {
			err = fmt.Errorf("workshop %s: %w", id, err)
		}
		record(map[bool]int{true: 1}[ok], err)
	}
	nudgeAll := func(metas []*workshop.Meta) {
		defer wg.Done()
		defer func() { <-sem }()
		hctx, cancel := detached()
		defer cancel()
		record(s.safeNudgeAll(hctx, metas, now))
	}
query:
	for ctx.Err() == nil {
		// Workshops handled earlier in this run have left the index as
		// they advanced; those still there (handled elsewhere, or not
		// this scheduler's) are skipped by asking for more.
		limit := batch + len(seen)
		ids, err := s.Store.Due(ctx, now, limit)
		if err != nil {
			record(0, err)
			break
		}
		var fresh []string
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		if len(fresh) == 0 {
			break
		}
		metas, err := s.Store.LoadMetas(ctx, fresh)
		if err != nil {
			record(0, err)
			break
		}
		// Nudge passes, the many due items of a week of deadlines, go as
		// one batch; reviews and deadlines, rare, one by one.
		var nudges []*workshop.Meta
		for i, m := range metas {
			if m == nil || (s.Match != nil && !s.Match(m)) {
				continue
			}
			if nudgeOnly(m, now) {
				nudges = append(nudges, m)
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				break query
			}
			wg.Add(1)
			go handle(fresh[i], m)
		}
		if len(nudges) > 0 {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				break query
			}
			wg.Add(1)
			go nudgeAll(nudges)
		}
		if len(ids) < limit {
			break
		}
		wg.Wait()
	}
	wg.Wait()
	s.forgetEarly(seen)
	if s.Ran != nil {
		s.Ran()
	}
	return posted, errors.Join(errs...)
}

// nudgeOnly reports whether a nudge pass is all that is due for m.
func nudgeOnly(m *workshop.Meta, now time.Time) bool {
	return m.NudgesPending() && !m.NudgeAt.After(now) && !m.DeadlineDue(now) && !m.Review.Due(now)
}

// safeNudgeAll runs one batch of nudge passes, a panic recovered as
// safeHandle does, and reports how many passes it ran.
func (s *Scheduler) safeNudgeAll(ctx context.Context, metas []*workshop.Meta, now time.Time) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log().ErrorContext(ctx, "panic recovered", "task", "nudge", "workshops", len(metas), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if s.Panicked != nil {
				s.Panicked("review")
			}
			n, err = 0, fmt.Errorf("panic: %v", r)
		}
	}()
	return s.nudgeAll(ctx, metas, now)
}

// nudgeAll runs the nudge passes of metas and plans each one's next pass
// with one compare-and-set per workshop, all in one batch: a workshop
// whose meta moved meanwhile (a command, another replica's pass) keeps
// what the move planned, and a pass it still needs runs again at the next
// tick, its claims keeping every nudge single. Without a Nudger, nudges
// are dropped.
func (s *Scheduler) nudgeAll(ctx context.Context, metas []*workshop.Meta, now time.Time) (int, error) {
	plans := make([]workshop.NudgePlan, len(metas))
	var nerr error
	if n, ok := s.Reminder.(Nudger); ok {
		plans, nerr = n.NudgeAll(ctx, metas, now, func(keys []string) ([]bool, error) {
			return s.Store.ClaimAll(ctx, keys, NudgeClaimTTL)
		})
		if nerr != nil {
			s.log().ErrorContext(ctx, "nudge pass", "workshops", len(metas), "err", nerr)
		}
	}
	swaps := make([]workshop.MetaSwap, len(metas))
	for i, m := range metas {
		after := *m
		after.Nudged = slices.Clone(m.Nudged)
		after.ApplyNudges(plans[i])
		swaps[i] = workshop.MetaSwap{Read: m, Next: &after}
	}
	if _, err := s.Store.SwapMetas(ctx, swaps); err != nil {
		return 0, errors.Join(nerr, err)
	}
	return len(metas), nerr
}

// safeHandle is handle with a panic (a bug, a value no check foresaw)
// recovered into an error, logged and counted, so one workshop cannot stop
// the reminders of the others, or the process.
func (s *Scheduler) safeHandle(ctx context.Context, id string, m *workshop.Meta, now time.Time) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log().ErrorContext(ctx, "panic recovered", "task", "review", "workshop", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if s.Panicked != nil {
				s.Panicked("review")
			}
			ok, err = false, fmt.Errorf("panic: %v", r)
		}
	}()
	return s.handle(ctx, id, m, now)
}

// handle posts the reminder due for workshop id (its meta m as just read),
// if this scheduler claims it, and moves NextDue past now either way.
func (s *Scheduler) handle(ctx context.Context, id string, m *workshop.Meta, now time.Time) (bool, error) {
	var err error
	handled := false
	if m.DeadlineDue(now) {
		if d, ok := s.Reminder.(Deadliner); ok {
			var err error
			if handled, err = s.deadline(ctx, d, m); err != nil {
				return handled, err
			}
			if m, err = s.Store.LoadMeta(ctx, id); err != nil {
				return handled, err
			}
		}
	}
	if m.NudgesPending() && !m.NudgeAt.After(now) {
		if err := s.nudge(ctx, m, now); err != nil {
			return handled, err
		}
		handled = true
		if m, err = s.Store.LoadMeta(ctx, id); err != nil {
			return handled, err
		}
	}
	r := m.Review
	if !r.Due(now) {
		if handled {
			return true, nil
		}
		return false, s.stale(ctx, m)
	}
	due := r.NextDue
	sched, err := Parse(r)
	if err != nil {
		// Stored schedules were checked when they were set; one that no
		// longer reads (a zone gone from the database) is switched off
		// rather than retried for ever.
		s.log().ErrorContext(ctx, "unreadable review schedule: reminders stopped", "workshop", id, "err", err)
		_, uerr := s.Store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
			if !m.Review.NextDue.Equal(due) {
				return errMoved
			}
			m.Review.Cadence, m.Review.NextDue = workshop.CadenceOff, time.Time{}
			return nil
		})
		if errors.Is(uerr, errMoved) {
			uerr = nil
		}
		return false, errors.Join(err, uerr)
	}
	latest, _ := sched.CatchUp(due, now)

	// The claim of the stored due date decides who handles this state of
	// the workshop; when occurrences were missed, the one reminded is
	// claimed as well, so a replica whose clock already passed it does not
	// post it again.
	got, err := s.Store.Claim(ctx, ClaimKey(id, due), orDefault(s.ClaimTTL, DefaultClaimTTL))
	if err == nil && got && !latest.Equal(due) {
		got, err = s.Store.Claim(ctx, ClaimKey(id, latest), orDefault(s.ClaimTTL, DefaultClaimTTL))
	}
	if err != nil {
		return false, err
	}
	if !got {
		s.observe(ResultElsewhere)
		return false, s.advance(ctx, id, due, now, time.Time{})
	}
	late := now.Sub(due) > orDefault(s.Grace, DefaultGrace)
	perr := s.Reminder.Remind(ctx, id, latest, late)
	switch {
	case perr != nil:
		s.observe(ResultFailed)
		s.log().ErrorContext(ctx, "post review reminder", "workshop", id, "occurrence", latest, "err", perr)
	case late:
		s.observe(ResultLate)
		s.log().InfoContext(ctx, "late review reminder posted", "workshop", id, "occurrence", latest, "missed_since", due)
	default:
		s.observe(ResultPosted)
		s.log().InfoContext(ctx, "review reminder posted", "workshop", id, "occurrence", latest)
	}
	reminded := latest
	if perr != nil {
		reminded = time.Time{}
	}
	return perr == nil, errors.Join(perr, s.advance(ctx, id, due, now, reminded))
}

var errMoved = errors.New("review moved meanwhile")

// nudge runs one workshop's nudge pass (one due with its deadline or
// review) and plans the next, unless the step, its deadline or the pass
// moved meanwhile. Without a Nudger, nudges are dropped.
func (s *Scheduler) nudge(ctx context.Context, m *workshop.Meta, now time.Time) error {
	step, due, at := m.Step, m.Deadline, m.NudgeAt
	var plan workshop.NudgePlan
	var nerr error
	if n, ok := s.Reminder.(Nudger); ok {
		var plans []workshop.NudgePlan
		plans, nerr = n.NudgeAll(ctx, []*workshop.Meta{m}, now, func(keys []string) ([]bool, error) {
			return s.Store.ClaimAll(ctx, keys, NudgeClaimTTL)
		})
		if nerr != nil {
			s.log().ErrorContext(ctx, "nudge pass", "workshop", m.ID, "err", nerr)
		}
		if len(plans) == 1 {
			plan = plans[0]
		}
	}
	_, uerr := s.Store.UpdateMeta(ctx, m.ID, func(cur *workshop.Meta) error {
		if cur.Step != step || !cur.Deadline.Equal(due) || !cur.NudgeAt.Equal(at) {
			return errMoved
		}
		cur.ApplyNudges(plan)
		return nil
	})
	if errors.Is(uerr, errMoved) {
		uerr = nil
	}
	return errors.Join(nerr, uerr)
}

// deadline hands the current step's deadline to d, if this scheduler
// claims it, and marks it done either way (unless the step or deadline
// changed meanwhile): at most once, as reminders are.
func (s *Scheduler) deadline(ctx context.Context, d Deadliner, m *workshop.Meta) (bool, error) {
	step, due := m.Step, m.Deadline
	got, err := s.Store.Claim(ctx, DeadlineClaimKey(m.ID, step, due), orDefault(s.ClaimTTL, DefaultClaimTTL))
	if err != nil {
		return false, err
	}
	var herr error
	if got {
		if herr = d.Deadline(ctx, m.ID, step, due); herr != nil {
			s.log().ErrorContext(ctx, "handle step deadline", "workshop", m.ID, "step", step.Key(), "err", herr)
		} else {
			s.log().InfoContext(ctx, "step deadline handled", "workshop", m.ID, "step", step.Key(), "deadline", due)
		}
	}
	_, uerr := s.Store.UpdateMeta(ctx, m.ID, func(cur *workshop.Meta) error {
		if cur.Step != step || !cur.Deadline.Equal(due) || cur.DeadlineDone {
			return errMoved
		}
		cur.DeadlineDone = true
		return nil
	})
	if errors.Is(uerr, errMoved) {
		uerr = nil
	}
	return got && herr == nil, errors.Join(herr, uerr)
}

// advance moves NextDue from due to the first occurrence after now, unless
// someone moved it already (another replica, the facilitator), and records
// the occurrence just reminded.
func (s *Scheduler) advance(ctx context.Context, id string, due, now, reminded time.Time) error {
	_, err := s.Store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		r := &m.Review
		changed := false
		if !reminded.IsZero() && reminded.After(r.LastReminder) {
			r.LastReminder, changed = reminded, true
		}
		if r.Active() && r.NextDue.Equal(due) {
			sched, err := Parse(*r)
			if err != nil {
				return err
			}
			_, r.NextDue = sched.CatchUp(due, now)
			changed = true
		}
		if !changed {
			return errMoved
		}
		return nil
	})
	if errors.Is(err, errMoved) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("advance review of %s: %w", id, err)
	}
	return nil
}

// stale handles a workshop the index listed as due while its meta says
// otherwise. Most often another replica has just advanced it; when the
// same entry comes back on the next round, the index missed an update
// (a crash between the meta and the index) and saving the meta unchanged
// re-indexes it.
func (s *Scheduler) stale(ctx context.Context, m *workshop.Meta) error {
	s.mu.Lock()
	prev, seen := s.early[m.ID]
	if s.early == nil {
		s.early = map[string]time.Time{}
	}
	next, _ := m.NextDue()
	s.early[m.ID] = next
	s.mu.Unlock()
	if !seen || !prev.Equal(next) {
		return nil
	}
	if _, err := s.Store.UpdateMeta(ctx, m.ID, func(*workshop.Meta) error { return nil }); err != nil {
		return fmt.Errorf("re-index review of %s: %w", m.ID, err)
	}
	s.log().WarnContext(ctx, "review index entry repaired", "workshop", m.ID)
	return nil
}

// forgetEarly drops the workshops that were not listed this round from the
// early set, so it holds only entries stale round after round.
func (s *Scheduler) forgetEarly(listed map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.early {
		if !listed[id] {
			delete(s.early, id)
		}
	}
}
