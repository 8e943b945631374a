// Package review schedules review reminders: it turns a workshop's review
// schedule into dates, with robfig/cron's parser in the facilitator's time
// zone, and runs the reminders against the store, which is the source of
// truth: every occurrence is claimed there before it is posted, so any
// number of replicas post it once.
package review

import (
	"strings"
	"time"
	// Schedules are computed in IANA zones; embedding the zone database
	// keeps them right on hosts without one (scratch containers).
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"github.com/journeybot/journeybot/internal/workshop"
)

// The schedules behind the named cadences, at 09:00 in the schedule's zone.
const (
	MonthlySpec   = workshop.MonthlySpec
	QuarterlySpec = workshop.QuarterlySpec
)

// CheckCount is how many upcoming occurrences Check compares: enough to
// cover a year of most schedules, and to meet the short gaps of irregular
// ones (day-of-month lists, weekday ranges, DST changes).
const CheckCount = 50

// Errors of Parse and Check (the domain's).
var (
	ErrOff   = workshop.ErrReviewsOff
	ErrNever = workshop.ErrNever
)

// SpecError and IntervalError are the domain's.
type (
	SpecError     = workshop.SpecError
	IntervalError = workshop.IntervalError
)

// Schedules is workshop.Schedules with cron: what the engine is given.
type Schedules struct{}

var _ workshop.Schedules = Schedules{}

// New is New as a workshop.Schedules.
func (Schedules) New(cadence, spec string, loc *time.Location) (workshop.Schedule, error) {
	s, err := New(cadence, spec, loc)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Parse is Parse as a workshop.Schedules.
func (Schedules) Parse(r workshop.Review) (workshop.Schedule, error) {
	s, err := Parse(r)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Schedule is a review schedule ready to compute dates.
type Schedule struct {
	spec *cron.SpecSchedule
	loc  *time.Location
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// New returns the schedule of a cadence (monthly, quarterly, or custom with
// spec, a five-field cron spec) in loc (UTC when nil).
func New(cadence, spec string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	switch cadence {
	case workshop.CadenceMonthly:
		spec = MonthlySpec
	case workshop.CadenceQuarterly:
		spec = QuarterlySpec
	case workshop.CadenceCustom:
	default:
		return nil, ErrOff
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		// Also refuses CRON_TZ= prefixes and @descriptors: the zone is
		// the facilitator's, and the spec is five fields (SPEC.md).
		return nil, &SpecError{Spec: spec, Fields: len(fields)}
	}
	s, err := parser.Parse(strings.Join(fields, " "))
	if err != nil {
		se := &SpecError{Spec: spec, Fields: 5, Detail: err.Error()}
		// Which field: each alone, with every other field "*".
		for i, f := range fields {
			alone := []string{"*", "*", "*", "*", "*"}
			alone[i] = f
			if _, err := parser.Parse(strings.Join(alone, " ")); err != nil {
				se.Field, se.Value = i+1, f
				break
			}
		}
		return nil, se
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, &SpecError{Spec: spec, Fields: 5, Detail: "not a cron spec"}
	}
	ss.Location = loc
	return &Schedule{spec: ss, loc: loc}, nil
}

// Parse returns the schedule r describes; ErrOff when reviews are off.
func Parse(r workshop.Review) (*Schedule, error) {
	if !r.Active() {
		return nil, ErrOff
	}
	loc, err := LoadZone(r.TZ)
	if err != nil {
		return nil, err
	}
	return New(r.Cadence, r.Spec, loc)
}

// LoadZone loads an IANA zone; "" is UTC.
func LoadZone(tz string) (*time.Location, error) { return workshop.LoadZone(tz) }

// Location is the zone the schedule's times are read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first occurrence strictly after `after`, in UTC, or the
// zero time when there is none within five years.
//
// Around DST changes it follows the wall clock: 09:00 stays 09:00 local
// time. A local time that a change skips (02:30 on a spring-forward night)
// does not occur that day; one that a change repeats (01:30 on a fall-back
// night) occurs once, the first time.
func (s *Schedule) Next(after time.Time) time.Time {
	t := after
	for range 4 {
		t = s.spec.Next(t)
		if t.IsZero() || !s.repeated(t) {
			return t.UTC()
		}
	}
	return t.UTC()
}

// repeated reports whether the local time of t already happened shortly
// before, because a DST change set the clocks back.
func (s *Schedule) repeated(t time.Time) bool {
	lt := t.In(s.loc)
	_, off := lt.Zone()
	_, before := t.Add(-24 * time.Hour).In(s.loc).Zone()
	if before <= off {
		return false
	}
	e := t.Add(-time.Duration(before-off) * time.Second).In(s.loc)
	_, eoff := e.Zone()
	return eoff == before && e.Day() == lt.Day() && e.Hour() == lt.Hour() && e.Minute() == lt.Minute()
}

// NextN returns the next n occurrences after `after` (fewer when the
// schedule stops).
func (s *Schedule) NextN(after time.Time, n int) []time.Time {
	var out []time.Time
	for t := after; len(out) < n; {
		if t = s.Next(t); t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Check makes sure the next CheckCount occurrences after now are at least
// min apart (an *IntervalError otherwise) and that there is one (ErrNever).
func (s *Schedule) Check(now time.Time, min time.Duration) error {
	next := s.NextN(now, CheckCount)
	if len(next) == 0 {
		return ErrNever
	}
	var worst *IntervalError
	for i := 1; i < len(next); i++ {
		if gap := next[i].Sub(next[i-1]); gap < min && (worst == nil || gap < worst.Gap) {
			worst = &IntervalError{Gap: gap, First: next[i-1], Second: next[i], Min: min}
		}
	}
	if worst != nil {
		return worst
	}
	return nil
}

// CatchUp is what a scheduler does with a due date at or before now: latest
// is the occurrence to remind (due itself, or the latest occurrence after it
// up to now when some were missed) and next the first occurrence after now.
// due need not be on the schedule: a snoozed reminder is not.
func (s *Schedule) CatchUp(due, now time.Time) (latest, next time.Time) {
	latest = due
	// Look back from now in doubling windows for the latest occurrence,
	// rather than stepping from due: a minute schedule missed for a month
	// would take forty thousand steps.
	for d := time.Minute; ; d *= 2 {
		from := now.Add(-d)
		if !from.After(due) {
			from = due
		}
		if c := s.Next(from); !c.IsZero() && !c.After(now) {
			for n := s.Next(c); !n.IsZero() && !n.After(now); n = s.Next(c) {
				c = n
			}
			latest = c
			break
		}
		if from.Equal(due) {
			break
		}
	}
	return latest, s.Next(now)
}
