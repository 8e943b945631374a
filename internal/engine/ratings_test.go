package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/workshop"
)

// fiveChanges is a workshop at the iterate step with five changes.
func fiveChanges(t *testing.T) *reviewHarness {
	t.Helper()
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	h.as(ana, "goto iterate")
	h.reply("ana", strings.Join([]string{
		"Show fees on the pricing page | @leo | 2026-12-15",
		"Rebuild checkout as a native app",
		"Retry refused cards with a clear message",
		"Add a help link next to the card field",
		"A loyalty programme of our own",
	}, "\n"))
	return h
}

// rate runs `/journey rate` and returns the one answer.
func (h *reviewHarness) rate(who, args string) posted {
	h.t.Helper()
	return only(h.t, h.as(engine.Actor{ID: who}, "rate "+args), true)
}

// The acceptance of issue 15 for the engine: five changes rated by three
// people; the summary orders them by the ratings, each with its means and
// quadrant; the matrix is drawn with them, by priority.
func TestFiveChangesRatedByThree(t *testing.T) {
	h := fiveChanges(t)
	ratings := map[string][]string{
		// impact effort per change: C1 4.3/2, C2 4.3/4.7, C3 4.7/1.3, C4 2/1.7, C5 1.7/4.3
		"ana":   {"C1 impact 4 effort 2", "C2 impact 5 effort 5", "C3 impact 5 effort 1", "C4 impact 2 effort 2", "C5 impact 2 effort 4"},
		"ben":   {"C1 impact 5 effort 2", "C2 effort 4 impact 4", "C3 impact=5 effort=1", "C4 impact 2 effort 1", "C5 impact 1 effort 5"},
		"chloe": {"C1 impact 4 effort 2", "C2 impact 4 effort 5", "C3 impact 4 effort 2", "C4 impact 2 effort 2", "C5 impact 2 effort 4"},
	}
	for _, who := range []string{"ana", "ben", "chloe"} {
		for _, r := range ratings[who] {
			if p := h.rate(who, r); p.Kind != engine.KindAnswer || !strings.Contains(p.text(), "Your rating of") {
				t.Fatalf("%s rate %s: %s", who, r, p.text())
			}
		}
	}
	if n := len(h.workshop().MarksOf(workshop.MarkRating, "")); n != 15 {
		t.Fatalf("%d rating marks, want 15", n)
	}

	summary := only(t, h.as(ana, "summary"), false)
	text := summary.text()
	order := []string{"C3 Retry refused", "C1 Show fees", "C4 Add a help link", "C2 Rebuild", "C5 A loyalty"}
	last := -1
	for _, want := range order {
		i := strings.Index(text, want)
		if i < 0 || i < last {
			t.Fatalf("summary does not list %q after the previous one (want %v):\n%s", want, order, text)
		}
		last = i
	}
	for _, want := range []string{
		"impact 4.7 · effort 1.3 (3 ratings) · quick win",
		"impact 4.3 · effort 2 (3 ratings) · quick win",
		"impact 2 · effort 1.7 (3 ratings) · fill-in",
		"impact 4.3 · effort 4.7 (3 ratings) · big bet",
		"impact 1.7 · effort 4.3 (3 ratings) · money pit",
		"Ordered by the team's ratings",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}

	posts := h.as(ben, "matrix")
	if len(posts) != 0 || len(h.rec.files) != 1 {
		t.Fatalf("matrix: %d posts, %d files, want one upload", len(posts), len(h.rec.files))
	}
	f := h.rec.files[0]
	if f.Name != "journey-w1-matrix.png" || f.ThreadTS != h.workshop().StepTS(workshop.Iterate) || f.Title != "Impact and effort · Checkout" {
		t.Errorf("matrix file %s in thread %q titled %q", f.Name, f.ThreadTS, f.Title)
	}
	for _, want := range []string{"5 changes rated", "Quick wins: C3, C1.", "Big bets: C2.", "Fill-ins: C4.", "Money pits: C5."} {
		if !strings.Contains(f.AltText, want) {
			t.Errorf("alt text lacks %q: %s", want, f.AltText)
		}
	}
	mx := h.charts.matrices[0]
	var ids []string
	for _, c := range mx.Changes {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "C3 C1 C4 C2 C5" || mx.Labels.Quadrants[workshop.QuickWin] != "Quick wins" || mx.Labels.Note != "" {
		t.Errorf("matrix drew %s with labels %+v, want C3 C1 C4 C2 C5", got, mx.Labels)
	}
}

// A person's later rating replaces their earlier one; the answer gives
// the team's new means.
func TestRatingReplacesTheEarlierOne(t *testing.T) {
	h := fiveChanges(t)
	h.rate("ben", "C2 impact 5 effort 1")
	p := h.rate("ben", "c2 impact 2 effort 5")
	if !strings.Contains(p.text(), "Your rating of C2 Rebuild checkout as a native app: impact 2, effort 5. The team now says impact 2, effort 5 (1 rating): money pit.") {
		t.Errorf("answer: %s", p.text())
	}
	if r := h.workshop().Map().Changes[1].Rating; r.Count != 1 || r.Impact != 2 {
		t.Errorf("C2 rating %+v, want ben's second rating only", r)
	}
}

// Bad input gets a specific answer, only to its author, and stores
// nothing.
func TestBadRatingsAreRefusedAndChangeNothing(t *testing.T) {
	h := fiveChanges(t)
	h.rate("ben", "C1 impact 3 effort 3")
	for _, tt := range []struct{ args, want string }{
		{"", "give its number, its impact and its effort"},
		{"impact 4 effort 2", "give its number, its impact and its effort"},
		{"T2 impact 4 effort 2", "give its number, its impact and its effort"},
		{"C9 impact 4 effort 2", "There is no change C9; this workshop has 5 (C1 to C5)."},
		{"C1 impact 6 effort 2", "For the impact, give a whole number from 1 to 5, not “6”"},
		{"C1 impact 4 effort 0", "For the effort, give a whole number from 1 to 5, not “0”"},
		{"C1 impact 4.5 effort 2", "not “4.5”"},
		{"C1 impact 4", "Give the effort of C1 too"},
		{"C1 effort 2", "Give the impact of C1 too"},
		{"C1 impact", "Give the impact of C1 too"},
		{"C1 impact 4 effort 2 value 3", "I can't read “value” in a rating"},
		{"C1 4 2", "I can't read “4” in a rating"},
	} {
		p := h.rate("ben", tt.args)
		if p.Kind != engine.KindError || p.User != "ben" || !strings.Contains(p.text(), tt.want) {
			t.Errorf("rate %q: %s answer %q, want %q", tt.args, p.Kind, p.text(), tt.want)
		}
	}
	marks := h.workshop().MarksOf(workshop.MarkRating, "")
	if len(marks) != 1 || marks[0].Impact != 3 || marks[0].Effort != 3 {
		t.Errorf("marks %+v, want only ben's first rating", marks)
	}

	// Before any change, and once closed.
	e := newReviewHarness(t, 0)
	e.as(ana, "start Empty")
	if p := e.rate("ana", "C1 impact 4 effort 2"); !strings.Contains(p.text(), "There are no changes to rate yet") {
		t.Errorf("no changes: %s", p.text())
	}
	if p := only(t, e.as(ana, "matrix"), true); !strings.Contains(p.text(), "There are no changes to rate yet") {
		t.Errorf("matrix without changes: %s", p.text())
	}
	h.as(ana, "close")
	if p := h.rate("ben", "C1 impact 4 effort 2"); !strings.Contains(p.text(), "closed") {
		t.Errorf("closed workshop: %s", p.text())
	}
}

// The French catalog's command words work, in any workshop, and a French
// workshop answers in French.
func TestRateInFrench(t *testing.T) {
	h := fiveChanges(t)
	h.as(ana, "lang fr")
	p := h.rate("ben", "C3 impact 5 effort 1")
	if !strings.Contains(p.text(), "Votre évaluation de C3") || !strings.Contains(p.text(), "gain rapide") {
		t.Errorf("French answer: %s", p.text())
	}
	p = only(t, h.as(engine.Actor{ID: "chloe"}, "évaluer C3 impact 4 effort 2"), true)
	if !strings.Contains(p.text(), "impact 4,5, effort 1,5 (2 évaluations)") {
		t.Errorf("évaluer: %s", p.text())
	}
	only(t, h.as(engine.Actor{ID: "dan"}, "evaluer C1 impact 1 effort 5"), true)
	if p := h.rate("dan", "C1 impact 9 effort 2"); !strings.Contains(p.text(), "Pour l'impact, donnez un nombre entier de 1 à 5, pas «\u00a09\u00a0»") {
		t.Errorf("French refusal: %s", p.text())
	}
	if len(h.as(ben, "matrice")) != 0 || len(h.rec.files) != 1 {
		t.Fatal("matrice uploaded nothing")
	}
	f := h.rec.files[0]
	for _, want := range []string{"Matrice impact et effort de Checkout", "Gains rapides\u00a0: C3.", "Gouffres\u00a0: C1.", "Pas encore évalués\u00a0: C2, C4, C5."} {
		if !strings.Contains(f.AltText, want) {
			t.Errorf("French alt text lacks %q: %s", want, f.AltText)
		}
	}
	if mx := h.charts.matrices[0]; mx.Labels.Quadrants[workshop.BigBet] != "Grands chantiers" || mx.Labels.XAxis != "Effort" {
		t.Errorf("French labels %+v", mx.Labels)
	}
}

// The matrix needs a rated change; it is posted in the iterate thread when
// the workshop closes, and not when nothing is rated.
func TestMatrixOnClose(t *testing.T) {
	h := fiveChanges(t)
	if p := only(t, h.as(ana, "matrix"), true); !strings.Contains(p.text(), "the matrix needs at least one rated change") {
		t.Errorf("matrix without ratings: %s", p.text())
	}
	h.rate("ben", "C2 impact 4 effort 2")
	h.as(ana, "close")
	if len(h.rec.files) != 1 || h.rec.files[0].ThreadTS != h.workshop().StepTS(workshop.Iterate) {
		t.Fatalf("close uploaded %+v, want the matrix in the iterate thread", h.rec.files)
	}
	if note := h.charts.matrices[0].Labels.Note; note != "Not rated yet: C1, C3, C4, C5" {
		t.Errorf("note %q", note)
	}

	quiet := fiveChanges(t)
	quiet.as(ana, "close")
	if len(quiet.rec.files) != 0 {
		t.Errorf("closing with nothing rated uploaded %d files", len(quiet.rec.files))
	}
}

// The form's ratings are stored as the command's; nothing is answered
// with an empty form, and a refusal stores nothing.
func TestSaveRatings(t *testing.T) {
	h := fiveChanges(t)
	ctx := context.Background()
	n := h.rec.count()
	if err := h.eng.SaveRatings(ctx, "W1", ben, map[int]engine.RatingChoice{1: {Impact: 5, Effort: 1}, 4: {Impact: 2, Effort: 3}}); err != nil {
		t.Fatal(err)
	}
	p := only(t, h.rec.since(n), true)
	if !strings.Contains(p.text(), "Your rating of C1") || !strings.Contains(p.text(), "Your rating of C4") {
		t.Errorf("answer: %s", p.text())
	}
	n = h.rec.count()
	if err := h.eng.SaveRatings(ctx, "W1", ben, nil); err != nil {
		t.Fatal(err)
	}
	if p := only(t, h.rec.since(n), true); !strings.Contains(p.text(), "You did not rate anything") {
		t.Errorf("empty form: %s", p.text())
	}
	n = h.rec.count()
	if err := h.eng.SaveRatings(ctx, "W1", ben, map[int]engine.RatingChoice{2: {Impact: 3, Effort: 3}, 9: {Impact: 3, Effort: 3}}); err != nil {
		t.Fatal(err)
	}
	if p := only(t, h.rec.since(n), true); !strings.Contains(p.text(), "There is no change C9") {
		t.Errorf("unknown change: %s", p.text())
	}
	if n := len(h.workshop().MarksOf(workshop.MarkRating, "")); n != 2 {
		t.Errorf("%d marks, want the first form's 2 (the refused form stored nothing)", n)
	}
}

// The iterate step message has a Rate changes button whose command does
// the same; the home shows how many changes one has rated and the top
// ones.
func TestRateButtonAndHome(t *testing.T) {
	h := fiveChanges(t)
	step := h.workshop().StepTS(workshop.Iterate)
	var rate *engine.Action
	for _, p := range h.rec.posts {
		if p.TS == step {
			for i, a := range p.Actions {
				if a.ID == engine.ActionRate {
					rate = &p.Actions[i]
				}
			}
		}
	}
	if rate == nil || rate.Label != "Rate changes" || rate.Command != "rate W1 C1 impact 4 effort 2" || rate.Value != "W1 iterate" {
		t.Fatalf("rate button %+v", rate)
	}
	h.rate("ben", "C3 impact 5 effort 1")
	h.rate("ana", "C2 impact 4 effort 5")
	parts, err := h.eng.Home(context.Background(), "ben", []string{channel})
	if err != nil {
		t.Fatal(err)
	}
	text := parts[1].Plain()
	if !strings.Contains(text, "You rated 1 of 5 changes · Top so far: C3 (quick win), C2 (big bet)") {
		t.Errorf("home:\n%s", text)
	}
	if !slices.ContainsFunc(parts[1].Actions, func(a engine.Action) bool { return a.ID == engine.ActionRate }) {
		t.Errorf("home has no rate button: %+v", parts[1].Actions)
	}
}

// Exports: json changes by priority with their ratings; csv with the
// changes' file; md with the matrix beside it.
func TestExportsCarryRatings(t *testing.T) {
	h := fiveChanges(t)
	h.rate("ben", "C4 impact 5 effort 1")
	h.rate("ana", "C4 impact 4 effort 1")
	h.rate("ana", "C2 impact 1 effort 5")
	doc := h.exportDoc()
	var ids []string
	for _, c := range doc.Changes {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "C4 C2 C1 C3 C5" {
		t.Errorf("json changes %s, want rated first by priority, then C order", got)
	}
	if r := doc.Changes[0].Ratings; r.Count != 2 || *r.Impact != 4.5 || *r.Effort != 1 || r.Quadrant != "quick_win" {
		js, _ := json.Marshal(r)
		t.Errorf("C4 ratings %s", js)
	}
	files, err := h.eng.ExportFiles(context.Background(), h.workshop(), export.CSV)
	if err != nil || len(files) != 2 || files[0].Name != "journey-w1-changes.csv" || files[1].Name != "journey-w1.csv" {
		t.Fatalf("csv export: %v %+v", err, files)
	}
	if !strings.HasPrefix(string(files[0].Data), "id,change,owner,due,impact,effort,ratings,quadrant,author\nC4,") {
		t.Errorf("changes csv:\n%s", files[0].Data)
	}
	files, err = h.eng.ExportFiles(context.Background(), h.workshop(), export.MD)
	if err != nil || len(files) != 2 || files[0].Name != "journey-w1-matrix.png" || !strings.Contains(string(files[1].Data), "](journey-w1-matrix.png)") {
		t.Fatalf("md export: %v %+v", err, files)
	}
}

// A rating changes what the home shows at the iterate step (how many one
// has rated, the top changes): the home hears of it; of a refused one, not.
func TestRatingChangesTheHome(t *testing.T) {
	h, ch := newChangesHarness(t)
	h.as(ana, "start Checkout")
	h.as(ana, "goto iterate")
	h.reply("ben", "Show fees on the pricing page")
	ch.take()
	h.rate("ben", "C1 impact 4 effort 2")
	if got := ch.take(); len(got) == 0 || got[0] != "W1" {
		t.Errorf("a rating told %v, want W1", got)
	}
	h.rate("ben", "C1 impact 9 effort 2")
	if got := ch.take(); len(got) > 0 {
		t.Errorf("a refused rating told %v", got)
	}
}
