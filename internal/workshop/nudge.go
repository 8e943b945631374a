package workshop

import "time"

// Working hours, in each person's own zone: nudges are sent only then.
const (
	WorkStart = 9  // 09:00
	WorkEnd   = 18 // 18:00
)

// DefaultNudgeLead is how long before a step's deadline nudges start.
const DefaultNudgeLead = 24 * time.Hour

// NextWorkingTime is the first moment at or after t within working hours
// (09:00 to 18:00, Monday to Friday) in loc.
func NextWorkingTime(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	for range 8 {
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		start := time.Date(l.Year(), l.Month(), l.Day(), WorkStart, 0, 0, 0, loc)
		end := time.Date(l.Year(), l.Month(), l.Day(), WorkEnd, 0, 0, 0, loc)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			if l.Before(start) {
				return start
			}
			if l.Before(end) {
				return l
			}
		}
		next := day.AddDate(0, 0, 1)
		l = next
	}
	return l
}

// NudgeLead is how long before the deadline nudges start; false when the
// facilitator turned them off.
func (m *Meta) NudgeLead() (time.Duration, bool) {
	switch {
	case m.NudgeBefore < 0:
		return 0, false
	case m.NudgeBefore == 0:
		return DefaultNudgeLead, true
	}
	return m.NudgeBefore, true
}

// NudgesPending reports whether nudges of the current step may still be
// sent: a deadline ahead, nudges on, a pass planned.
func (m *Meta) NudgesPending() bool {
	return !m.NudgeAt.IsZero() && !m.Deadline.IsZero() && m.NudgeAt.Before(m.Deadline) && !m.DeadlineDone && !m.Closed()
}

// Muted reports whether user asked for no nudges in this workshop.
func (m *Meta) Muted(user string) bool {
	for _, u := range m.MutedUsers {
		if u == user {
			return true
		}
	}
	return false
}

// SetDeadline makes t the current step's deadline (zero: none), still to
// be handled, and plans its nudges from now.
func (m *Meta) SetDeadline(t, now time.Time) {
	m.Deadline, m.DeadlineDone = t, false
	m.PlanNudges(now)
}

// PlanNudges sets when the first nudge pass for the current deadline runs:
// the nudge lead before the deadline, or now when that has passed; none
// without a deadline or with nudges off.
func (m *Meta) PlanNudges(now time.Time) {
	m.NudgeAt, m.Nudged = time.Time{}, nil
	lead, on := m.NudgeLead()
	if !on || m.Deadline.IsZero() {
		return
	}
	at := m.Deadline.Add(-lead)
	if at.Before(now) {
		at = now
	}
	if at.Before(m.Deadline) {
		m.NudgeAt = at.UTC()
	}
}

// NudgePlan is what one nudge pass found for a workshop: the people it
// nudged or found nudged already, and when the next pass is needed (zero:
// none).
type NudgePlan struct {
	Nudged []string
	Next   time.Time
}

// ApplyNudges records a pass's plan: who is nudged, when the next pass
// runs.
func (m *Meta) ApplyNudges(p NudgePlan) {
	m.NudgeAt = time.Time{}
	if !p.Next.IsZero() {
		m.NudgeAt = p.Next.UTC()
	}
	for _, u := range p.Nudged {
		if !m.WasNudged(u) {
			m.Nudged = append(m.Nudged, u)
		}
	}
}

// WasNudged reports whether a pass of the current deadline nudged user.
func (m *Meta) WasNudged(user string) bool {
	for _, u := range m.Nudged {
		if u == user {
			return true
		}
	}
	return false
}
