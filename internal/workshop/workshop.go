package workshop

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Languages the bot speaks.
const (
	LangEN = "en"
	LangFR = "fr"
)

// ValidLang reports whether the bot can speak lang.
func ValidLang(lang string) bool { return lang == LangEN || lang == LangFR }

// Meta is everything about a workshop except its collected inputs and
// scores: the part only the facilitator changes, stored as one record and
// updated with compare-and-set (see Store.UpdateMeta).
type Meta struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Lang        string `json:"lang"`
	Facilitator string `json:"facilitator"`
	// FacilitatorTZ is the facilitator's IANA time zone, when known.
	FacilitatorTZ string    `json:"facilitator_tz,omitempty"`
	Channel       string    `json:"channel"`
	Step          Step      `json:"current_step"`
	CreatedAt     time.Time `json:"created_at"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	// HeaderTS is the timestamp of the workshop's header message, kept up to
	// date as the workshop moves.
	HeaderTS string `json:"header_ts,omitempty"`
	// Messages records every step message posted, so a reply in any of their
	// threads (even an old one) lands in the right step.
	Messages []StepMessage `json:"messages,omitempty"`
	// Round counts review rounds; 0 is the first workshop.
	Round int `json:"round,omitempty"`
	// Rounds records when each review round (1, 2, ...) started.
	Rounds []Version `json:"rounds,omitempty"`
	Review Review    `json:"review"`
	// Plan is how long each step lasts once opened, by step key
	// (/journey plan).
	Plan map[string]time.Duration `json:"plan,omitempty"`
	// Deadline is when the current step is due; zero when it has none.
	Deadline time.Time `json:"deadline,omitzero"`
	// DeadlineDone records that the current deadline was reached and
	// handled (the facilitator's digest sent, autopilot run); setting a
	// deadline clears it.
	DeadlineDone bool `json:"deadline_done,omitempty"`
	// Autopilot moves the workshop on by itself at each deadline.
	Autopilot bool `json:"autopilot,omitempty"`
	// Extended records that autopilot extended the current step once.
	Extended bool `json:"extended,omitempty"`
	// NudgeBefore is how long before a deadline nudges start (/journey
	// nudge): 0 for DefaultNudgeLead, negative when they are off.
	NudgeBefore time.Duration `json:"nudge_before,omitempty"`
	// NudgeAt is when the next nudge pass of the current step runs.
	NudgeAt time.Time `json:"nudge_at,omitzero"`
	// Nudged are the people the passes of the current deadline have
	// nudged (or found nudged already), so later passes neither claim
	// them again nor plan a pass for them.
	Nudged []string `json:"nudged,omitempty"`
	// Votes are the dot-voting rounds held, the latest last (/journey
	// vote).
	Votes []VoteRound `json:"votes,omitempty"`
	// MutedUsers asked for no nudges in this workshop (/journey mute).
	MutedUsers []string `json:"muted,omitempty"`
	// Anonymous makes every step anonymous by default (/journey anonymous
	// on); AnonymousSteps, by step key, are the steps the facilitator
	// chose for one by one, which win (see AnonymousAt).
	Anonymous      bool            `json:"anonymous,omitempty"`
	AnonymousSteps map[string]bool `json:"anonymous_steps,omitempty"`
	// Secret keys the author keys of anonymous inputs (see Secret). It is
	// made the first time an anonymous input is stored and never changes.
	Secret Secret `json:"secret,omitempty"`
	// CanvasID is the workshop's canvas in its channel, once made.
	CanvasID string `json:"canvas_id,omitempty"`
	// CanvasOff says the facilitator turned the canvas off (/journey
	// canvas off); a workshop has one by default.
	CanvasOff bool `json:"canvas_off,omitempty"`
	// CanvasProblem is why the canvas could not be made or kept (the
	// platform's error, such as free_team_canvas_tab_already_exists, or
	// canvas_not_found once someone deleted it): none is tried again until
	// the facilitator turns it on again.
	CanvasProblem string `json:"canvas_problem,omitempty"`
	// ChartURL is the address of the emotion curve shared last (its
	// permalink), which the canvas links to; empty until a platform that
	// can tell has shared one.
	ChartURL string `json:"chart_url,omitempty"`
	// Rev is bumped by every meta update; stores use it for compare-and-set.
	Rev int64 `json:"rev"`
}

// StepMessage is one top-level step message whose thread collects input.
type StepMessage struct {
	Step  Step      `json:"step"`
	TS    string    `json:"ts"`
	Round int       `json:"round,omitempty"`
	At    time.Time `json:"at"`
}

// Closed reports whether the workshop has been closed.
func (m *Meta) Closed() bool { return !m.ClosedAt.IsZero() }

// DeadlinePending reports whether the current step's deadline is still to
// be handled when it comes.
func (m *Meta) DeadlinePending() bool {
	return !m.Deadline.IsZero() && !m.DeadlineDone && !m.Closed()
}

// DeadlineDue reports whether the current step's deadline has come and
// waits to be handled.
func (m *Meta) DeadlineDue(now time.Time) bool {
	return m.DeadlinePending() && !m.Deadline.After(now)
}

// NextDue is when something is next due for the workshop: a review
// reminder or the current step's deadline, whichever comes first; false
// when neither is. Stores keep their due index on it.
func (m *Meta) NextDue() (time.Time, bool) {
	var at time.Time
	if m.Review.Active() && !m.Review.NextDue.IsZero() {
		at = m.Review.NextDue
	}
	if m.DeadlinePending() && (at.IsZero() || m.Deadline.Before(at)) {
		at = m.Deadline
	}
	if m.NudgesPending() && (at.IsZero() || m.NudgeAt.Before(at)) {
		at = m.NudgeAt
	}
	return at, !at.IsZero()
}

// StepTS returns the timestamp of the latest message posted for step, or ""
// when none has been posted yet.
func (m *Meta) StepTS(step Step) string {
	for i := len(m.Messages) - 1; i >= 0; i-- {
		if m.Messages[i].Step == step {
			return m.Messages[i].TS
		}
	}
	return ""
}

// IsFacilitator reports whether user steers this workshop.
func (m *Meta) IsFacilitator(user string) bool { return user != "" && user == m.Facilitator }

// Input is one reply collected in a step's thread (or one form submission),
// kept verbatim. Items are derived from inputs, never stored apart from them,
// so an edit or a deletion of the reply is all it takes to change the map.
type Input struct {
	// ID is the idempotency key: the Slack message ts for a thread reply,
	// "form:<view id>" for a form. Writing the same ID twice stores one input.
	ID     string `json:"id"`
	Step   Step   `json:"step"`
	Author string `json:"author"`
	// AuthorKey replaces Author for an input posted anonymously (see
	// Secret): Author is then empty.
	AuthorKey string `json:"author_key,omitempty"`
	Text      string `json:"text"`
	// TS orders inputs in the journey (Slack-style "seconds.micros").
	TS string `json:"ts"`
	// Version is the edit timestamp; a write older than the stored version is
	// ignored, so a late retry of an old edit cannot undo a newer one.
	Version string `json:"version,omitempty"`
	Source  string `json:"source,omitempty"`
	Round   int    `json:"round,omitempty"`
	// Items is how many items the input gives (lines of a reply); stores
	// keep each step's total from it on write (see Store.Counts).
	Items int `json:"items,omitempty"`
	// MapType is the map type the input chooses (its last map type
	// keyword, at the scope step), kept for Counts.MapType.
	MapType string `json:"map_type,omitempty"`
}

// Input sources.
const (
	SourceThread  = "thread"
	SourceForm    = "form"
	SourceConsole = "console"
	// SourceCommand: /journey add.
	SourceCommand = "command"
	// SourceStart is the map type chosen with `start <title> --type`.
	SourceStart = "start"
)

// Score is one participant's emotion for one touchpoint.
type Score struct {
	// Touchpoint is the touchpoint's stable key (see Touchpoint.Key).
	Touchpoint string    `json:"touchpoint"`
	User       string    `json:"user"`
	Value      int       `json:"value"`
	Round      int       `json:"round,omitempty"`
	At         time.Time `json:"at"`
}

// Validate refuses a score outside the emotion range: stores call it before
// writing, so no out-of-range value reaches the map, the forms or the chart.
func (s Score) Validate() error {
	if s.Value < MinEmotion || s.Value > MaxEmotion {
		return fmt.Errorf("score %d for %s: %w", s.Value, s.Touchpoint, ErrScoreRange)
	}
	return nil
}

// Workshop is a workshop as loaded from the store: its meta plus everything
// collected so far.
type Workshop struct {
	Meta
	Inputs []Input
	Scores []Score
	// Marks are the people's votes and ratings (see Mark), sorted by
	// Field.
	Marks []Mark
	// Names are the display names of the people the inputs refer to (see
	// Open); the map shows them instead of user ids.
	Names Names `json:"-"`
}

// SortInputs orders inputs by timestamp, then by ID, which is journey order.
func SortInputs(in []Input) {
	slices.SortStableFunc(in, func(a, b Input) int {
		if c := cmp.Compare(len(a.TS), len(b.TS)); c != 0 && a.TS != "" && b.TS != "" {
			// Slack timestamps have a fixed width; a shorter one is older.
			return c
		}
		return cmp.Or(cmp.Compare(a.TS, b.TS), cmp.Compare(a.ID, b.ID))
	})
}

// InputsOf returns the inputs of one step, in journey order.
func (w *Workshop) InputsOf(step Step) []Input {
	var out []Input
	for _, in := range w.Inputs {
		if in.Step == step {
			out = append(out, in)
		}
	}
	SortInputs(out)
	return out
}

// StepContributors lists who gave input to step in the current round, in
// the order they first did: user ids, and the author keys of anonymous
// inputs (see Input.Contributor).
func (w *Workshop) StepContributors(step Step) []string {
	var out []string
	for _, in := range w.InputsOf(step) {
		if who := in.Contributor(); in.Round == w.Round && who != "" && !slices.Contains(out, who) {
			out = append(out, who)
		}
	}
	return out
}

// Contributors returns the distinct contributors of inputs and scores, in
// order of first contribution, as Counts.People keeps them: user ids, and
// the author keys of anonymous inputs.
func (w *Workshop) Contributors() []string {
	ins := slices.Clone(w.Inputs)
	SortInputs(ins)
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, in := range ins {
		add(in.Contributor())
	}
	for _, s := range w.Scores {
		add(s.User)
	}
	return out
}

// Summary is a short description of a workshop, for listings.
type Summary struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Channel string `json:"channel"`
	Step    Step   `json:"current_step"`
	Closed  bool   `json:"closed"`
	// CreatedAt orders listings; not part of the list JSON of SPEC.
	CreatedAt time.Time `json:"-"`
}

// SummaryOf describes m for a listing.
func SummaryOf(m *Meta) Summary {
	return Summary{ID: m.ID, Title: m.Title, Channel: m.Channel, Step: m.Step, Closed: m.Closed(), CreatedAt: m.CreatedAt}
}
