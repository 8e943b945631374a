package workshop

import (
	"strings"
	"testing"
)

func rating(key, user string, impact, effort int) Mark {
	return Mark{Kind: MarkRating, Key: key, User: user, Impact: impact, Effort: effort}
}

func TestRatingsAreTheTeamsMeans(t *testing.T) {
	w := &Workshop{Marks: []Mark{
		rating("a#0", "U1", 5, 1),
		rating("a#0", "U2", 4, 2),
		rating("a#0", "U3", 4, 3),
		rating("b#0", "U1", 2, 9), // out of range: ignored
		{Kind: MarkVote, Key: "V1", User: "U1", Items: []string{"a#0"}},
	}}
	got := w.Ratings()
	if len(got) != 1 {
		t.Fatalf("ratings %v, want only a#0", got)
	}
	r := got["a#0"]
	if r.Count != 3 || r.Impact != 13.0/3 || r.Effort != 2 {
		t.Errorf("a#0 = %+v, want impact 13/3, effort 2 over 3", r)
	}
}

func TestQuadrants(t *testing.T) {
	for _, tt := range []struct {
		impact, effort float64
		want           Quadrant
	}{
		{5, 1, QuickWin},
		{3.1, 3, QuickWin},
		{4, 4, BigBet},
		{3.4, 3.4, BigBet},
		{3, 3, FillIn}, // the middle is low: not yet high impact, not yet heavy
		{1, 1, FillIn},
		{2, 5, MoneyPit},
		{3, 3.1, MoneyPit},
	} {
		if got := (Rating{Impact: tt.impact, Effort: tt.effort, Count: 1}).Quadrant(); got != tt.want {
			t.Errorf("impact %v effort %v: %q, want %q", tt.impact, tt.effort, got, tt.want)
		}
	}
	if got := (Rating{}).Quadrant(); got != "" {
		t.Errorf("unrated change in quadrant %q", got)
	}
}

// The order: impact minus effort, then impact, then effort, then C order;
// unrated changes last, in their own order.
func TestPriorities(t *testing.T) {
	r := func(impact, effort float64) Rating { return Rating{Impact: impact, Effort: effort, Count: 2} }
	m := &Map{Changes: []Change{
		{ID: "C1"},                           // unrated
		{ID: "C2", Rating: r(3, 3)},          // 0
		{ID: "C3", Rating: r(5, 1)},          // +4
		{ID: "C4"},                           // unrated
		{ID: "C5", Rating: r(4, 2)},          // +2, impact 4
		{ID: "C6", Rating: r(11.0/3, 5.0/3)}, // +2 on paper, impact 3.67
		{ID: "C7", Rating: r(1, 5)},          // -4
		{ID: "C8", Rating: r(4, 2)},          // ties C5: keeps its place after it
	}}
	var ids []string
	for _, c := range m.Priorities() {
		ids = append(ids, c.ID)
	}
	if got, want := strings.Join(ids, " "), "C3 C5 C8 C6 C2 C7 C1 C4"; got != want {
		t.Errorf("priorities %s, want %s", got, want)
	}
	if m.Changes[0].ID != "C1" {
		t.Error("Priorities reordered the map's own changes")
	}
}

func TestParseChangeRef(t *testing.T) {
	for in, want := range map[string]int{"C2": 2, "c12": 12, " C3 ": 3, "C0": 0, "T2": 0, "C": 0, "C2x": 0} {
		n, ok := ParseChangeRef(in)
		if ok != (want > 0) || ok && n != want {
			t.Errorf("ParseChangeRef(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
}

// A workshop's map carries each change's rating, found by its stable key,
// whatever its number.
func TestMapCarriesRatings(t *testing.T) {
	w := &Workshop{
		Inputs: []Input{
			{ID: "1700000001.000001", TS: "1700000001.000001", Step: Iterate, Author: "U1", Text: "Show fees\nRetry cards"},
		},
		Marks: []Mark{rating("1700000001.000001#1", "U2", 5, 2)},
	}
	m := w.Map()
	if len(m.Changes) != 2 || m.Changes[0].Rating.Rated() || m.Changes[1].Rating != (Rating{Impact: 5, Effort: 2, Count: 1}) {
		t.Fatalf("changes %+v", m.Changes)
	}
	if c, ok := m.Change(2); !ok || c.Text != "Retry cards" {
		t.Errorf("Change(2) = %+v, %v", c, ok)
	}
	if _, ok := m.Change(3); ok {
		t.Error("Change(3) found")
	}
	if !m.Rated() {
		t.Error("Rated() = false")
	}
}
