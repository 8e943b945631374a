package workshop

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Map is the journey map as it stands: every item derived from the inputs,
// numbered in journey order.
type Map struct {
	Goals       []Goal
	Personas    []Persona
	Touchpoints []Touchpoint
	Scope       ScopeSummary
	Resources   []Resource
	Tests       []TestResult
	Changes     []Change
	// Blueprint holds the backstage lanes of a service blueprint, one
	// entry per touchpoint that has any, in touchpoint order.
	Blueprint []Lanes
	// Empathy holds an empathy map's quadrants, one entry per persona that
	// has any, in persona order.
	Empathy []Empathy
}

// ScopeSummary is what the scope step decided: the map type (the latest
// keyword given) and every other note.
type ScopeSummary struct {
	MapType string   `json:"map_type"`
	Notes   []string `json:"notes"`
}

// Map derives the journey map as it stands (the current round) from the
// workshop's inputs and scores. Inputs were checked when they were stored,
// so every line parses; a line that no longer does (after a parser change)
// is skipped rather than failing the map.
func (w *Workshop) Map() *Map { return w.MapAt(w.Round) }

// MapAt derives the map as it stood in review round `round`: the inputs
// given up to that round, and each participant's latest score given up to
// that round. A score stands until its author changes it in a later round,
// so a review round starts from the previous version and records what the
// team changed.
func (w *Workshop) MapAt(round int) *Map {
	m := &Map{Scope: ScopeSummary{Notes: []string{}}}
	ins := slices.Clone(w.Inputs)
	SortInputs(ins)
	names := w.Names
	plain := names.Text
	var lanes []Lanes
	var notes []EmpathyNote
	for _, in := range ins {
		if in.Round > round {
			continue
		}
		items, _ := ParseReply(in.Step, in.Text)
		anon := in.Anonymous()
		for i, it := range items {
			switch it := it.(type) {
			case *Goal:
				it.ID = "G" + strconv.Itoa(len(m.Goals)+1)
				it.Text, it.Author, it.Anonymous = plain(it.Text), in.Author, anon
				m.Goals = append(m.Goals, *it)
			case *Persona:
				it.Name, it.Demographics, it.Psychographics = plain(it.Name), plain(it.Demographics), plain(it.Psychographics)
				it.Author, it.Anonymous = in.Author, anon
				m.Personas = append(m.Personas, *it)
			case *Touchpoint:
				it.ID = "T" + strconv.Itoa(len(m.Touchpoints)+1)
				it.Key = in.ID + "#" + strconv.Itoa(i)
				it.Name, it.Channel, it.Positive, it.Negative = plain(it.Name), plain(it.Channel), plain(it.Positive), plain(it.Negative)
				it.Owner, it.OwnerID = names.owner(it.Owner)
				it.Author, it.Anonymous, it.authorKey = in.Author, anon, in.AuthorKey
				scorer := in.Author
				if anon {
					scorer = AnonymousScorer
				}
				it.Scores = map[string]int{scorer: it.Emotion}
				m.Touchpoints = append(m.Touchpoints, *it)
			case *ScopeNote:
				if it.MapType != "" {
					m.Scope.MapType = it.MapType
				} else {
					m.Scope.Notes = append(m.Scope.Notes, plain(it.Note))
				}
			case *Resource:
				it.ID = "R" + strconv.Itoa(len(m.Resources)+1)
				it.Name, it.Gap = plain(it.Name), plain(it.Gap)
				it.Owner, it.OwnerID = names.owner(it.Owner)
				it.Author, it.Anonymous = in.Author, anon
				m.Resources = append(m.Resources, *it)
			case *TestResult:
				it.Note, it.Author, it.Anonymous = plain(it.Note), in.Author, anon
				m.Tests = append(m.Tests, *it)
			case *Lanes:
				it.People, it.Process, it.Technology = plain(it.People), plain(it.Process), plain(it.Technology)
				it.Author = in.Author
				lanes = append(lanes, *it)
			case *EmpathyNote:
				it.Text, it.Persona, it.Author = plain(it.Text), plain(it.Persona), in.Author
				notes = append(notes, *it)
			case *Change:
				it.ID = "C" + strconv.Itoa(len(m.Changes)+1)
				it.Key = in.ID + "#" + strconv.Itoa(i)
				it.Text = plain(it.Text)
				it.Owner, it.OwnerID = names.owner(it.Owner)
				it.Author, it.Anonymous = in.Author, anon
				m.Changes = append(m.Changes, *it)
			}
		}
	}
	if len(m.Changes) > 0 && len(w.Marks) > 0 {
		// Ratings are not kept per round: a person's rating of a change
		// stands until they change it.
		ratings := w.Ratings()
		for i := range m.Changes {
			m.Changes[i].Rating = ratings[m.Changes[i].Key]
		}
	}
	m.Blueprint = blueprint(lanes, len(m.Touchpoints))
	m.Empathy = empathy(notes, m.Personas)
	byKey := make(map[string]*Touchpoint, len(m.Touchpoints))
	for i := range m.Touchpoints {
		byKey[m.Touchpoints[i].Key] = &m.Touchpoints[i]
	}
	scores := slices.Clone(w.Scores)
	slices.SortStableFunc(scores, func(a, b Score) int { return cmp.Or(cmp.Compare(a.Round, b.Round), a.At.Compare(b.At)) })
	for _, s := range scores {
		if s.Round > round {
			continue
		}
		if t := byKey[s.Touchpoint]; t != nil {
			who := s.User
			if t.authorKey != "" && who == t.authorKey {
				// The anonymous author's own score: it replaces their
				// emotion, under the key that does not name them.
				who = AnonymousScorer
			}
			t.Scores[who] = ClampEmotion(s.Value)
		}
	}
	return m
}

// Means returns the mean score of every touchpoint, by name, for comparing
// two versions of a map. When two touchpoints share a name, the first in
// journey order counts.
func (m *Map) Means() map[string]float64 {
	out := make(map[string]float64, len(m.Touchpoints))
	for _, t := range m.Journey() {
		if _, ok := out[t.Name]; !ok {
			out[t.Name] = t.Mean()
		}
	}
	return out
}

// Goal returns the goal with id ("G2"), if there is one.
func (m *Map) Goal(id string) (Goal, bool) {
	for _, g := range m.Goals {
		if g.ID == id {
			return g, true
		}
	}
	return Goal{}, false
}

// Touchpoint returns touchpoint number n (T<n>), if there is one.
func (m *Map) Touchpoint(n int) (*Touchpoint, bool) {
	if n < 1 || n > len(m.Touchpoints) {
		return nil, false
	}
	return &m.Touchpoints[n-1], true
}

// Journey returns the touchpoints in journey order: by phase, then in the
// order they were given.
func (m *Map) Journey() []Touchpoint {
	out := slices.Clone(m.Touchpoints)
	slices.SortStableFunc(out, func(a, b Touchpoint) int { return cmp.Compare(a.Phase.Order(), b.Phase.Order()) })
	return out
}

// MapType returns the chosen map type, current-state when none was chosen.
func (m *Map) MapType() string {
	return cmp.Or(m.Scope.MapType, MapCurrentState)
}

// Count returns how many items step holds.
func (m *Map) Count(step Step) int {
	switch step {
	case Goals:
		return len(m.Goals)
	case Personas:
		return len(m.Personas)
	case Touchpoints:
		return len(m.Touchpoints)
	case Scope:
		n := len(m.Scope.Notes)
		if m.Scope.MapType != "" {
			n++
		}
		return n
	case Resources:
		// The resources step also collects a service blueprint's lanes
		// and an empathy map's quadrants.
		n := len(m.Resources) + len(m.Blueprint)
		for _, e := range m.Empathy {
			n += len(e.Says) + len(e.Thinks) + len(e.Does) + len(e.Feels)
		}
		return n
	case Test:
		return len(m.Tests)
	case Iterate:
		return len(m.Changes)
	}
	return 0
}

// blueprint merges the lanes lines by touchpoint, in touchpoint order:
// several lines about one touchpoint add up, their texts joined. Lanes of
// a touchpoint that no longer exists (its line was deleted) are left out.
func blueprint(lines []Lanes, touchpoints int) []Lanes {
	by := map[int]*Lanes{}
	join := func(a, b string) string {
		if a == "" || b == "" {
			return a + b
		}
		return a + "; " + b
	}
	for _, l := range lines {
		n, ok := ParseTouchpointRef(l.Touchpoint)
		if !ok || n > touchpoints {
			continue
		}
		if by[n] == nil {
			by[n] = &Lanes{Touchpoint: l.Touchpoint, Author: l.Author}
		}
		b := by[n]
		b.People, b.Process, b.Technology = join(b.People, l.People), join(b.Process, l.Process), join(b.Technology, l.Technology)
	}
	var out []Lanes
	for n := 1; n <= touchpoints; n++ {
		if b := by[n]; b != nil {
			out = append(out, *b)
		}
	}
	return out
}

// empathy groups the empathy lines by persona: a line naming a persona
// (its name, or the start of it, ignoring case) goes to that persona, any
// other to the first persona (or to an unnamed one when there is none).
func empathy(notes []EmpathyNote, personas []Persona) []Empathy {
	if len(notes) == 0 {
		return nil
	}
	out := make([]Empathy, max(1, len(personas)))
	for i, p := range personas {
		out[i].Persona = p.Name
	}
	for _, n := range notes {
		out[PersonaOf(personas, n.Persona)].add(n.Quadrant, n.Text)
	}
	return slices.DeleteFunc(out, func(e Empathy) bool {
		return len(e.Says)+len(e.Thinks)+len(e.Does)+len(e.Feels) == 0
	})
}

// PersonaOf is the index of the persona an empathy line names: the first
// whose name starts with name, ignoring case and accents; the first
// persona (0) when name is empty or names none.
func PersonaOf(personas []Persona, name string) int {
	if want := normalize(name); want != "" {
		for i, p := range personas {
			if strings.HasPrefix(normalize(p.Name), want) {
				return i
			}
		}
	}
	return 0
}

// LanesOf returns the backstage lanes of touchpoint id ("T2"), if it has
// any.
func (m *Map) LanesOf(id string) (Lanes, bool) {
	for _, l := range m.Blueprint {
		if l.Touchpoint == id {
			return l, true
		}
	}
	return Lanes{}, false
}

// Phases lists the phases the map's tables and chart show, in order: the
// map type's own, then any other a touchpoint holds (given before the type
// changed), so that no touchpoint is left out.
func (m *Map) Phases() []Phase {
	out := slices.Clone(PhasesOf(m.MapType()))
	for _, t := range m.Touchpoints {
		if !slices.Contains(out, t.Phase) {
			out = append(out, t.Phase)
		}
	}
	slices.SortStableFunc(out, func(a, b Phase) int { return cmp.Compare(a.Order(), b.Order()) })
	return out
}
