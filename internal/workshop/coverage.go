package workshop

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Coverage is how far the map answers one goal: the verdict the test step
// gave it, and the touchpoints, resources and changes that mention it.
type Coverage struct {
	Goal Goal
	// Verdict is the latest answer given for the goal at the test step
	// (VerdictYes, VerdictPartly, VerdictNo), "" while it has none. A later
	// answer stands over an earlier one, as the latest map type does.
	Verdict string
	// Note is the note of that latest answer.
	Note string
	// Linked are the ids of the items that mention the goal, touchpoints
	// first, then resources, then changes, each in its own order: T2, R1,
	// C1.
	Linked []string
}

// Answered reports whether the goal has a verdict.
func (c Coverage) Answered() bool { return c.Verdict != "" }

// ToActOn reports whether the goal's verdict says the map does not fully
// answer it (no, or partly): the iterate step carries it as something to
// act on.
func (c Coverage) ToActOn() bool { return c.Verdict == VerdictNo || c.Verdict == VerdictPartly }

// Coverage says, goal by goal in their order, how far the map answers it.
func (m *Map) Coverage() []Coverage {
	out := make([]Coverage, len(m.Goals))
	at := make(map[string]*Coverage, len(m.Goals))
	for i, g := range m.Goals {
		out[i] = Coverage{Goal: g, Linked: []string{}}
		at[g.ID] = &out[i]
	}
	for _, t := range m.Tests {
		if c := at[t.Goal]; c != nil {
			c.Verdict, c.Note = t.Verdict, t.Note
		}
	}
	link := func(id string, texts ...string) {
		for _, ref := range GoalRefs(strings.Join(texts, "\n")) {
			if c := at[ref]; c != nil {
				c.Linked = append(c.Linked, id)
			}
		}
	}
	for _, t := range m.Touchpoints {
		link(t.ID, t.Name, t.Channel, t.Positive, t.Negative, t.Owner)
	}
	for _, r := range m.Resources {
		link(r.ID, r.Name, r.Gap, r.Owner)
	}
	for _, c := range m.Changes {
		link(c.ID, c.Text, c.Owner)
	}
	return out
}

// Unanswered lists the goals that have no verdict yet ("G2", "G4").
func (m *Map) Unanswered() []string {
	var out []string
	for _, c := range m.Coverage() {
		if !c.Answered() {
			out = append(out, c.Goal.ID)
		}
	}
	return out
}

var goalMention = regexp.MustCompile(`[gG]([0-9]+)`)

// GoalRefs lists the goals a text mentions, each once, in the order first
// mentioned: "G2" or "g2" as a word of its own, so "G20", "XG2" and "G2b"
// do not mention G2. "G02" is G2, as a test line reads it.
func GoalRefs(text string) []string {
	var out []string
	for _, loc := range goalMention.FindAllStringSubmatchIndex(text, -1) {
		if before, _ := utf8.DecodeLastRuneInString(text[:loc[0]]); loc[0] > 0 && wordRune(before) {
			continue
		}
		if after, _ := utf8.DecodeRuneInString(text[loc[1]:]); loc[1] < len(text) && wordRune(after) {
			continue
		}
		n, err := strconv.Atoi(text[loc[2]:loc[3]])
		if err != nil || n < 1 {
			continue
		}
		if ref := "G" + strconv.Itoa(n); !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// wordRune is a rune that continues a word: a letter, a digit or "_".
func wordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
