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
type Review struct {
	Cadence    string    `json:"cadence"`
	Spec       string    `json:"spec"`
	TZ         string    `json:"tz"`
	NextDue    time.Time `json:"next_due,omitzero"`
	LastReview time.Time `json:"last_review,omitzero"`
}

// Active reports whether reminders are scheduled.
func (r Review) Active() bool { return r.Cadence != "" && r.Cadence != CadenceOff }
