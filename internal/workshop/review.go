package workshop

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Review cadences.
const (
	CadenceOff       = "off"
	CadenceMonthly   = "monthly"
	CadenceQuarterly = "quarterly"
	CadenceCustom    = "custom"
)

// Review is a workshop's review schedule: the map is never finished, and the
// team is reminded to look at it again.
//
// NextDue is the source of truth for the next reminder. Stores index every
// workshop whose review is active by NextDue (see Store.Due), so a scheduler
// finds what is due without reading every workshop.
type Review struct {
	Cadence string `json:"cadence"`
	Spec    string `json:"spec"`
	TZ      string `json:"tz"`
	// NextDue is the next occurrence to remind, in UTC.
	NextDue time.Time `json:"next_due,omitzero"`
	// LastReview is when the latest review round started.
	LastReview time.Time `json:"last_review,omitzero"`
	// LastReminder is the occurrence the latest reminder was posted for.
	LastReminder time.Time `json:"last_reminder,omitzero"`
	// History records who changed the schedule, snoozed or stopped it, and
	// who started review rounds, newest last (at most MaxReviewHistory).
	History []ReviewEvent `json:"history,omitempty"`
}

// Active reports whether reminders are scheduled.
func (r Review) Active() bool { return r.Cadence != "" && r.Cadence != CadenceOff }

// Due reports whether a reminder is waiting at now.
func (r Review) Due(now time.Time) bool {
	return r.Active() && !r.NextDue.IsZero() && !r.NextDue.After(now)
}

// Review event actions.
const (
	ReviewScheduled = "scheduled"
	ReviewSnoozed   = "snoozed"
	ReviewStopped   = "stopped"
	ReviewStarted   = "started"
)

// ReviewEvent is one change to a review schedule, or one review round
// started.
type ReviewEvent struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	// Cadence and NextDue are the schedule after the change.
	Cadence string    `json:"cadence,omitempty"`
	NextDue time.Time `json:"next_due,omitzero"`
	// Round is the review round an event of action ReviewStarted opened.
	Round int `json:"round,omitempty"`
}

// MaxReviewHistory bounds Review.History, so the meta record stays small
// however long a workshop lives.
const MaxReviewHistory = 50

// Record appends ev to the history, dropping the oldest events past
// MaxReviewHistory.
func (r *Review) Record(ev ReviewEvent) {
	r.History = append(r.History, ev)
	if n := len(r.History) - MaxReviewHistory; n > 0 {
		r.History = append([]ReviewEvent(nil), r.History[n:]...)
	}
}

// Version is one version of the map: the first workshop (round 0) or a
// review round. A review round re-opens touchpoint scoring and the iterate
// step; scores are kept per round, so each version's curve can be drawn
// again later.
type Version struct {
	Round     int       `json:"round"`
	StartedAt time.Time `json:"started_at"`
	StartedBy string    `json:"started_by,omitempty"`
}

// Versions lists every version of the map, round 0 first. Round 0 starts
// when the workshop was created.
func (m *Meta) Versions() []Version {
	out := []Version{{Round: 0, StartedAt: m.CreatedAt, StartedBy: m.Facilitator}}
	for _, v := range m.Rounds {
		if v.Round > 0 {
			out = append(out, v)
		}
	}
	return out
}

// The schedules behind the named cadences, at 09:00 in the schedule's zone.
const (
	MonthlySpec   = "0 9 1 * *"
	QuarterlySpec = "0 9 1 1,4,7,10 *"
)

// Errors of schedules.
var (
	// ErrReviewsOff is returned for a review that is not scheduled.
	ErrReviewsOff = errors.New("reviews are off")
	// ErrNever is returned for a spec that never fires (30 February).
	ErrNever = errors.New("the schedule never fires")
)

// SpecError is a custom spec that cannot be read. Field names the first
// field that cannot be read on its own (1 for the minute … 5 for the day of
// the week; 0 when each field reads but not the whole), Value what it says;
// Detail is the parser's reason, in English, for logs.
type SpecError struct {
	Spec   string
	Fields int // how many fields the spec has
	Field  int
	Value  string
	Detail string
}

// SpecFields names a spec's five fields, in order.
var SpecFields = [...]string{"minute", "hour", "day_of_month", "month", "day_of_week"}

func (e *SpecError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("cron spec %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", e.Spec, e.Fields)
	}
	return fmt.Sprintf("cron spec %q: %s", e.Spec, e.Detail)
}

// IntervalError is a schedule whose occurrences come closer together than
// the minimum interval allows.
type IntervalError struct {
	// Gap is the shortest gap found, between First and Second.
	Gap           time.Duration
	First, Second time.Time
	Min           time.Duration
}

func (e *IntervalError) Error() string {
	return fmt.Sprintf("reminders %s apart (%s and %s), shorter than the minimum %s", e.Gap, e.First.Format(time.RFC3339), e.Second.Format(time.RFC3339), e.Min)
}

// Schedule is a review schedule ready to compute dates.
type Schedule interface {
	// Next is the first occurrence after after (zero when there is none).
	Next(after time.Time) time.Time
	// NextN lists the next n occurrences after after.
	NextN(after time.Time, n int) []time.Time
	// Check refuses a schedule whose occurrences come closer than min
	// (an *IntervalError), or that never fires (ErrNever).
	Check(now time.Time, min time.Duration) error
}

// Schedules turns cadences and specs into Schedules; the review package
// implements it (with a cron parser), so the domain and the engine do not
// depend on one.
type Schedules interface {
	// New reads a cadence (monthly, quarterly, custom with spec) in loc; a
	// spec that cannot be read is a *SpecError.
	New(cadence, spec string, loc *time.Location) (Schedule, error)
	// Parse returns the schedule r describes; ErrReviewsOff when reviews
	// are off.
	Parse(r Review) (Schedule, error)
}

// LoadZone loads an IANA zone; "" is UTC.
func LoadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	if loc, ok := zones.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", tz, err)
	}
	zones.Store(tz, loc)
	return loc, nil
}

// zones caches the zones LoadZone has read: time.LoadLocation reads and
// parses the zone's file on every call, and a nudge pass asks for the zone
// of every member of every channel. Only zones that exist are kept, so
// the cache is bounded by the zone database.
var zones sync.Map
