package workshop

import "time"

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
