package workshop

import (
	"math"
	"slices"
	"strconv"
)

// Phase is where a touchpoint sits in the journey.
type Phase string

// The three phases of a purchase, in journey order.
const (
	Before Phase = "before"
	During Phase = "during"
	After  Phase = "after"
)

// The times of the day, the phases of a day-in-the-life map.
const (
	Morning   Phase = "morning"
	Midday    Phase = "midday"
	Afternoon Phase = "afternoon"
	Evening   Phase = "evening"
	Night     Phase = "night"
)

// Phases lists the phases of a purchase in journey order: those of every
// map type but day-in-the-life.
var Phases = []Phase{Before, During, After}

// DayPhases lists the times of the day in order: the phases of a
// day-in-the-life map.
var DayPhases = []Phase{Morning, Midday, Afternoon, Evening, Night}

// AllPhases lists every phase a touchpoint may have, in the order tables
// and charts show them.
var AllPhases = append(slices.Clone(Phases), DayPhases...)

// PhasesOf lists the phases a map of type mapType collects, in order.
func PhasesOf(mapType string) []Phase {
	if mapType == MapDayInTheLife {
		return DayPhases
	}
	return Phases
}

// Order is the phase's position in the journey: before, during and after
// are 0, 1, 2; the times of the day follow (a map whose type changed to
// day-in-the-life after its touchpoints were given may hold both).
func (p Phase) Order() int {
	if i := slices.Index(AllPhases, p); i >= 0 {
		return i
	}
	return 2
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
	// Workshop.Ratings); exports write it in a shape of their own.
	Rating Rating `json:"-"`
}

// Lanes are the backstage of one touchpoint in a service blueprint: the
// people, the processes and the technology behind it. A line gives them
// for one touchpoint ("T2 | people | process | technology"); several lines
// for the same touchpoint add up.
type Lanes struct {
	// Touchpoint is the touchpoint's number, "T2".
	Touchpoint string `json:"touchpoint"`
	People     string `json:"people"`
	Process    string `json:"process"`
	Technology string `json:"technology"`
	Author     string `json:"-"`
}

// Empathy quadrants: what the persona says, thinks, does and feels.
const (
	QuadrantSays   = "says"
	QuadrantThinks = "thinks"
	QuadrantDoes   = "does"
	QuadrantFeels  = "feels"
)

// EmpathyQuadrants lists the empathy quadrants in the order of the 2×2 grid: the
// top row (says, thinks), then the bottom one (does, feels).
var EmpathyQuadrants = []string{QuadrantSays, QuadrantThinks, QuadrantDoes, QuadrantFeels}

// EmpathyNote is one line of an empathy map: what the persona says, thinks,
// does or feels ("says | I just want the total"), optionally naming the
// persona when the map has several.
type EmpathyNote struct {
	Quadrant string
	Text     string
	Persona  string
	Author   string
}

// Empathy is one persona's empathy map: its four quadrants.
type Empathy struct {
	Persona string   `json:"persona"`
	Says    []string `json:"says"`
	Thinks  []string `json:"thinks"`
	Does    []string `json:"does"`
	Feels   []string `json:"feels"`
}

// Quadrant returns the notes of quadrant q.
func (e *Empathy) Quadrant(q string) []string {
	switch q {
	case QuadrantSays:
		return e.Says
	case QuadrantThinks:
		return e.Thinks
	case QuadrantDoes:
		return e.Does
	case QuadrantFeels:
		return e.Feels
	}
	return nil
}

func (e *Empathy) add(q, text string) {
	switch q {
	case QuadrantSays:
		e.Says = append(e.Says, text)
	case QuadrantThinks:
		e.Thinks = append(e.Thinks, text)
	case QuadrantDoes:
		e.Does = append(e.Does, text)
	case QuadrantFeels:
		e.Feels = append(e.Feels, text)
	}
}

func (*Lanes) step() Step       { return Resources }
func (*EmpathyNote) step() Step { return Resources }
func (*Goal) step() Step        { return Goals }
func (*Persona) step() Step     { return Personas }
func (*Touchpoint) step() Step  { return Touchpoints }
func (*ScopeNote) step() Step   { return Scope }
func (*Resource) step() Step    { return Resources }
func (*TestResult) step() Step  { return Test }
func (*Change) step() Step      { return Iterate }

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
