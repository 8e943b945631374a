package workshop

import (
	"math"
	"strconv"
)

// Phase is where a touchpoint sits in the journey.
type Phase string

// The three phases, in journey order.
const (
	Before Phase = "before"
	During Phase = "during"
	After  Phase = "after"
)

// Phases lists the phases in journey order.
var Phases = []Phase{Before, During, After}

// Order is the phase's position in the journey (0, 1, 2).
func (p Phase) Order() int {
	switch p {
	case Before:
		return 0
	case During:
		return 1
	default:
		return 2
	}
}

// Touchpoint states.
const (
	StateCurrent = "current"
	StateIdeal   = "ideal"
)

// Map types (scope step).
const (
	MapCurrentState     = "current-state"
	MapFutureState      = "future-state"
	MapDayInTheLife     = "day-in-the-life"
	MapServiceBlueprint = "service-blueprint"
	MapEmpathyMap       = "empathy-map"
)

// MapTypes lists the map types in the order the method presents them.
var MapTypes = []string{MapCurrentState, MapFutureState, MapDayInTheLife, MapServiceBlueprint, MapEmpathyMap}

// Resource kinds.
const (
	KindHave = "have"
	KindNeed = "need"
)

// Test verdicts.
const (
	VerdictYes    = "yes"
	VerdictPartly = "partly"
	VerdictNo     = "no"
)

// Item is one thing a structured line produces. The concrete types are the
// ones below; Map collects them.
type Item interface{ step() Step }

// Goal is a question the finished map must answer.
type Goal struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Author string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
}

// Persona is the customer whose journey is mapped.
type Persona struct {
	Name           string `json:"name"`
	Demographics   string `json:"demographics"`
	Psychographics string `json:"psychographics"`
	Author         string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
}

// Touchpoint is a place where the customer meets the company.
type Touchpoint struct {
	ID string `json:"id"`
	// Key identifies the touchpoint across renumbering: "<input id>#<line>".
	// Scores refer to it.
	Key      string         `json:"key"`
	Name     string         `json:"name"`
	Channel  string         `json:"channel"`
	Phase    Phase          `json:"phase"`
	Emotion  int            `json:"emotion"`
	Scores   map[string]int `json:"scores"`
	Positive string         `json:"positive"`
	Negative string         `json:"negative"`
	State    string         `json:"state"`
	Online   bool           `json:"online"`
	Owner    string         `json:"owner"`
	// OwnerID is the owner's user id when the owner was named as a person
	// (a mention, a user picked in a form); Owner is then their display text.
	OwnerID string `json:"owner_id,omitempty"`
	Author  string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
	// authorKey is the anonymous author's key, which ScoreUser checks.
	authorKey string
}

// ScopeNote is a scope line: a map type keyword, or a free note.
type ScopeNote struct {
	MapType string
	Note    string
	Author  string
}

// Resource is a resource or tool the team has, or needs to close a gap.
type Resource struct {
	// ID numbers the resources, have and need alike, in the order they
	// were given: R1, R2, …
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Gap   string `json:"gap"`
	Owner string `json:"owner"`
	// OwnerID: see Touchpoint.OwnerID.
	OwnerID string `json:"owner_id,omitempty"`
	Author  string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
}

// TestResult says whether the map answers one goal.
type TestResult struct {
	Goal    string `json:"goal"`
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
	Author  string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
}

// Change is an improvement the team commits to.
type Change struct {
	// ID numbers changes in journey order (C1, C2, …), as goals and
	// touchpoints are; Key identifies one across renumbering ("<input
	// id>#<line>"): ratings and votes refer to it.
	ID    string `json:"id"`
	Key   string `json:"key"`
	Text  string `json:"text"`
	Owner string `json:"owner"`
	// OwnerID: see Touchpoint.OwnerID.
	OwnerID string `json:"owner_id,omitempty"`
	Due     string `json:"due"`
	Author  string `json:"author"`
	// Anonymous items name no author (Author is empty): see Secret.
	Anonymous bool `json:"anonymous,omitempty"`
	// Rating is the team's mean rating of the change (see
	// Workshop.RatingOf); exports write it in a shape of their own.
	Rating Rating `json:"-"`
}

func (*Goal) step() Step       { return Goals }
func (*Persona) step() Step    { return Personas }
func (*Touchpoint) step() Step { return Touchpoints }
func (*ScopeNote) step() Step  { return Scope }
func (*Resource) step() Step   { return Resources }
func (*TestResult) step() Step { return Test }
func (*Change) step() Step     { return Iterate }

// Mean is the mean of every participant's score, or the author's emotion
// when nobody scored.
func (t *Touchpoint) Mean() float64 {
	if len(t.Scores) == 0 {
		return float64(t.Emotion)
	}
	sum := 0
	for _, v := range t.Scores {
		sum += v
	}
	return float64(sum) / float64(len(t.Scores))
}

// Spread returns the lowest and highest score given to the touchpoint.
func (t *Touchpoint) Spread() (lo, hi int) {
	if len(t.Scores) == 0 {
		return t.Emotion, t.Emotion
	}
	lo, hi = math.MaxInt, math.MinInt
	for _, v := range t.Scores {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// Emotion bounds: every emotion and score is an integer in [MinEmotion,
// MaxEmotion].
const (
	MinEmotion = -2
	MaxEmotion = 2
)

// ClampEmotion brings a stored value back into range, so a value written by
// an older version or by hand can never index past the faces or the chart.
func ClampEmotion(v int) int { return max(MinEmotion, min(v, MaxEmotion)) }

// Emoji returns the face for a (rounded) emotion value.
func Emoji(v float64) string {
	faces := [...]string{"😡", "😟", "😐", "🙂", "😍"}
	i := int(math.Round(v)) + 2
	return faces[max(0, min(i, 4))]
}

// FormatScore writes a mean score with a sign and at most one decimal.
func FormatScore(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if v > 0.049 {
		s = "+" + s
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
