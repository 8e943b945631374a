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

// atTest starts W1 with the given goals (one per line) and jumps to the
// test step.
func atTest(t *testing.T, goals ...string) *harness {
	t.Helper()
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	if len(goals) > 0 {
		if out, _ := h.reply("ben", strings.Join(goals, "\n")); out != engine.Stored {
			t.Fatalf("goals %s", out)
		}
	}
	h.cmd("ana", "goto test")
	return h
}

var fourGoals = []string{"Why do people leave at payment?", "Which touchpoints cause calls?", "Do they see the fees?", "Why do they come back?"}

// `next` at the test step warns, as on an empty step, while goals have no
// verdict, and names them; `next force` moves on anyway.
func TestNextWarnsAboutGoalsWithoutVerdict(t *testing.T) {
	tests := []struct {
		name     string
		goals    []string
		verdicts string
		force    bool
		want     string // the warning; "" when next moves on
	}{
		{"no verdict at all", fourGoals, "", false, "4 goals have no verdict yet: G1, G2, G3, G4."},
		{"G2 and G4 unanswered", fourGoals, "G1 yes\nG3 partly | half of it", false, "2 goals have no verdict yet: G2, G4."},
		{"one goal unanswered", fourGoals, "G1 yes\nG2 no\nG3 oui", false, "Goal G4 has no verdict yet."},
		{"every goal answered, a no too", fourGoals, "G1 yes\nG2 no | nothing on calls\nG3 partly\nG4 non", false, ""},
		{"forced", fourGoals, "G1 yes", true, ""},
		{"no goals: the empty-step warning", nil, "", false, "Nobody has contributed to **Test** yet."},
		{"no goals, forced", nil, "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := atTest(t, tt.goals...)
			if tt.verdicts != "" {
				if out, _ := h.reply("ben", tt.verdicts); out != engine.Stored {
					t.Fatalf("verdicts %s", out)
				}
			}
			cmd := "next"
			if tt.force {
				cmd = "next force"
			}
			posts := h.cmd("ana", cmd)
			step := h.workshop().Step
			if tt.want == "" {
				if step != workshop.Iterate {
					t.Fatalf("%s stayed at %s: %+v", cmd, step, posts)
				}
				return
			}
			p := only(t, posts, true)
			if step != workshop.Test {
				t.Errorf("%s moved on to %s despite the warning", cmd, step)
			}
			want := strings.ReplaceAll(tt.want, "**", "")
			if !strings.Contains(p.text(), want) || !strings.Contains(p.text(), "next force") {
				t.Errorf("warning %q, want %q and next force", p.text(), want)
			}
		})
	}
}

// Acceptance (issue 15, point 4): goals G1-G3, verdicts for G1 and G3
// only, a change that mentions G2. `next` at the test step (the command
// and the button) warns about G2; the json coverage says G2 has no verdict
// and lists the change.
func TestCoverageAcceptance(t *testing.T) {
	h := atTest(t, fourGoals[:3]...)
	h.reply("ben", "G1 yes | the funnel shows it")
	h.reply("cid", "G3 partly | fees seen late")

	p := only(t, h.cmd("ana", "next"), true)
	if !strings.Contains(p.text(), "Goal G2 has no verdict yet") || strings.Contains(p.text(), "G1,") {
		t.Errorf("next warned %q, want G2 named alone", p.text())
	}
	// The iterate step carries G3 (partly) as something to act on.
	posts := h.cmd("ana", "next force")
	iterate := posts[len(posts)-1]
	if iterate.Kind != engine.KindStep || iterate.Step != workshop.Iterate {
		t.Fatalf("next force posted %s %s last, want the iterate step", iterate.Kind, iterate.Step)
	}
	text := iterate.text()
	if !strings.Contains(text, "Goals the map does not fully answer yet") || !strings.Contains(text, "G3 Do they see the fees? — partly answered: fees seen late") {
		t.Errorf("iterate step does not carry G3:\n%s", text)
	}
	if strings.Contains(text, "G1 Why") || strings.Contains(text, "G2 Which") {
		t.Errorf("iterate step carries a goal answered yes, or one with no verdict:\n%s", text)
	}
	if out, _ := h.reply("dan", "Call back within a day, for G2 | @leo | 2026-12-15"); out != engine.Stored {
		t.Fatalf("change %s", out)
	}

	h.cmd("ana", "goto test")
	p = only(t, h.cmd("ana", "next"), true)
	if !strings.Contains(p.text(), "Goal G2 has no verdict yet") {
		t.Errorf("next warned %q, want G2 named", p.text())
	}
	n := h.rec.count()
	if err := h.eng.Press(context.Background(), channel, engine.Actor{ID: "ana"}, engine.ActionNext, "W1 test"); err != nil {
		t.Fatal(err)
	}
	if p := only(t, h.rec.since(n), true); !strings.Contains(p.text(), "Goal G2 has no verdict yet") {
		t.Errorf("the Next step button answered %q, want the warning about G2", p.text())
	}
	if h.workshop().Step != workshop.Test {
		t.Fatal("the warnings moved the workshop on")
	}

	files, err := h.eng.ExportFiles(context.Background(), h.workshop(), export.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Coverage []struct {
			ID      string   `json:"id"`
			Verdict *string  `json:"verdict"`
			Linked  []string `json:"linked"`
		} `json:"coverage"`
		Changes []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(files[len(files)-1].Data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Coverage) != 3 || len(doc.Changes) != 1 {
		t.Fatalf("coverage %+v, changes %+v: want three goals and one change", doc.Coverage, doc.Changes)
	}
	if g2 := doc.Coverage[1]; g2.ID != "G2" || g2.Verdict != nil || !slices.Equal(g2.Linked, []string{doc.Changes[0].ID}) || doc.Changes[0].ID != "C1" {
		t.Errorf("G2 coverage %+v, want no verdict and the change C1 linked", g2)
	}
	for i, want := range map[int]string{0: workshop.VerdictYes, 2: workshop.VerdictPartly} {
		if c := doc.Coverage[i]; c.Verdict == nil || *c.Verdict != want {
			t.Errorf("%s verdict %v, want %s", c.ID, c.Verdict, want)
		}
	}
}

// The test step's message lists every goal with its verdict so far: when
// it is posted, after a (debounced) refresh that follows replies, and when
// a command that reads only the meta rewrites it (a deadline).
func TestTestStepMessageListsTheGoals(t *testing.T) {
	h := atTest(t, fourGoals[:3]...)
	step := h.rec.posts[len(h.rec.posts)-1]
	if step.Kind != engine.KindStep || step.Step != workshop.Test {
		t.Fatalf("last post %s %s, want the test step", step.Kind, step.Step)
	}
	for _, want := range []string{"G1 Why do people leave at payment? — no verdict yet", "G2 Which touchpoints cause calls? — no verdict yet", "G3 Do they see the fees? — no verdict yet"} {
		if !strings.Contains(step.text(), want) {
			t.Errorf("test step lacks %q:\n%s", want, step.text())
		}
	}

	h.reply("ben", "G2 no | nothing about calls")
	if err := h.eng.RefreshHeader(context.Background(), "W1"); err != nil {
		t.Fatal(err)
	}
	msg, ok := lastStepUpdate(h)
	if !ok {
		t.Fatal("the refresh did not rewrite the test step's message")
	}
	for _, want := range []string{"G1 Why do people leave at payment? — no verdict yet", "G2 Which touchpoints cause calls? — not answered: nothing about calls"} {
		if !strings.Contains(msg.Plain(), want) {
			t.Errorf("refreshed test step lacks %q:\n%s", want, msg.Plain())
		}
	}

	h.rec.updates = nil
	h.cmd("ana", "deadline 3d")
	if msg, ok := lastStepUpdate(h); !ok || !strings.Contains(msg.Plain(), "G2 Which touchpoints cause calls? — not answered") {
		t.Errorf("a new deadline rewrote the test step without its goals:\n%s", msg.Plain())
	}

	// At another step the refresh leaves the step's message alone.
	h.cmd("ana", "next force")
	h.rec.updates = nil
	if err := h.eng.RefreshHeader(context.Background(), "W1"); err != nil {
		t.Fatal(err)
	}
	if msg, ok := lastStepUpdate(h); ok {
		t.Errorf("a refresh at the iterate step rewrote %s", msg.Title)
	}
}

func lastStepUpdate(h *harness) (engine.Message, bool) {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	for i := len(h.rec.updates) - 1; i >= 0; i-- {
		if m := h.rec.updates[i]; m.Kind == engine.KindStep {
			return m, true
		}
	}
	return engine.Message{}, false
}

// The summary's test section has the coverage table, resources and
// changes show their ids, and a French workshop says it all in French.
func TestSummaryShowsTheCoverageTable(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Goal coverage", "Goal · Verdict · Note · Linked items", "G1 Why do people leave at payment? · ✅ answered · — · T1, R1", "G2 Which touchpoints cause calls? · ▫️ no verdict yet · — · C1", "R1 follow-up tool", "C1 Call back"}},
		{"fr", []string{"Couverture des objectifs", "Objectif · Verdict · Remarque · Éléments liés", "G1 Why do people leave at payment? · ✅ réponse trouvée · — · T1, R1", "▫️ pas encore de verdict · — · C1"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			h := newHarness(t)
			h.cmd("ana", "start Checkout")
			h.cmd("ana", "lang "+tt.lang)
			h.reply("ben", fourGoals[0]+"\n"+fourGoals[1])
			h.cmd("ana", "goto touchpoints")
			h.reply("ben", "Payment page | website | during | -2 | | card refused (G1)")
			h.cmd("ana", "goto resources")
			h.reply("ben", "need | follow-up tool | no follow-up, g1 | @maria")
			h.cmd("ana", "goto test")
			h.reply("ben", "G1 yes")
			h.cmd("ana", "goto iterate")
			h.reply("ben", "Call back within a day (G2) | @leo")
			p := only(t, h.cmd("ben", "summary"), false)
			for _, want := range tt.want {
				if !strings.Contains(p.text(), want) {
					t.Errorf("summary lacks %q:\n%s", want, p.text())
				}
			}
		})
	}
}
