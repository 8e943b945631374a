package slack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The vote button opens a form within Slack's limits: a multi-select of the
// round's items, at most the round's votes, the person's votes chosen; its
// submission (Slack's shape, testdata/payloads/view_submission_vote.json)
// stores one vote set per person however often it arrives, and a form with
// too many items is refused in the form, storing nothing.
func TestVoteForm(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	h.command("U1", "goto touchpoints")
	h.reply("U2", h.meta().StepTS(workshop.Touchpoints), "Pricing page | website | before | -1 | clear tiers | hidden fees")
	h.command("U1", "goto iterate")
	h.reply("U2", h.meta().StepTS(workshop.Iterate), "Show fees on the pricing page\nAnswer chats within 5 minutes")
	await(t, h.fake, "the change", func() bool { return len(h.meta().Map().Changes) == 2 })
	h.command("U1", "vote 2")
	if r := h.meta().CurrentVote(); !r.Open() || len(r.Items) != 3 {
		t.Fatalf("round %+v, want an open round of T1, C1, C2", r)
	}

	raw, err := os.ReadFile(filepath.Join("testdata", "payloads", "view_submission_vote.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sub map[string]any
	if err := json.Unmarshal(raw, &sub); err != nil {
		t.Fatal(err)
	}
	delete(sub, "_source")
	voter := sub["user"].(map[string]any)["id"].(string)
	submit := func(ids ...string) string {
		t.Helper()
		var opts []map[string]any
		for _, id := range ids {
			opts = append(opts, map[string]any{"text": map[string]any{"type": "plain_text", "text": id}, "value": id})
		}
		sub["view"].(map[string]any)["state"] = map[string]any{"values": map[string]any{"votes": map[string]any{"votes": map[string]any{"type": "multi_static_select", "selected_options": opts}}}}
		b, _ := json.Marshal(sub)
		code, body := h.interact(b)
		if code != 200 {
			t.Fatalf("submit: %d %s", code, body)
		}
		h.settle()
		return body
	}
	marks := func() []workshop.Mark { return h.meta().MarksOf(workshop.MarkVote, "V1") }

	// The fixture as Slack sends it: T1 and C1.
	b, _ := json.Marshal(sub)
	if code, body := h.interact(b); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.settle()
	submit("T1", "C1") // Slack retries, or the person submits again
	if m := marks(); len(m) != 1 || m[0].User != voter || len(m[0].Items) != 2 {
		t.Fatalf("marks %+v, want one set of two votes by %s", m, voter)
	}
	if body := submit("T1", "C1", "C2"); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "pick at most 2") {
		t.Errorf("three items: %s", body)
	}
	if m := marks(); len(m) != 1 || len(m[0].Items) != 2 {
		t.Errorf("a refused form changed the votes: %+v", m)
	}
	told := false
	for _, e := range h.ephemerals(voter) {
		told = told || strings.Contains(e.Text, "Your votes in V1: T1, C1 (2 of 2)")
	}
	if !told {
		t.Errorf("the voter was not told their votes: %+v", h.ephemerals(voter))
	}

	// The button opens the form with the person's votes chosen.
	press, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": voter}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TRIG-VOTE",
		"actions": []map[string]any{{"action_id": engine.ActionVote, "block_id": "actions", "value": "W1 V1", "type": "button"}},
	})
	if code, _ := h.interact(press); code != 200 {
		t.Fatal(code)
	}
	h.settle()
	views := h.fake.Views()
	if len(views) == 0 || views[len(views)-1].CallbackID != "vote" {
		t.Fatalf("views opened: %+v", views)
	}
	var view struct {
		Title  struct{ Text string }
		Blocks []struct {
			Type    string
			Element struct {
				Type             string
				MaxSelectedItems int `json:"max_selected_items"`
				Options          []struct{ Value string }
				InitialOptions   []struct{ Value string } `json:"initial_options"`
			}
		}
	}
	if err := json.Unmarshal(views[len(views)-1].JSON, &view); err != nil {
		t.Fatal(err)
	}
	var sel *struct {
		Type             string
		MaxSelectedItems int `json:"max_selected_items"`
		Options          []struct{ Value string }
		InitialOptions   []struct{ Value string } `json:"initial_options"`
	}
	for i := range view.Blocks {
		if view.Blocks[i].Element.Type == "multi_static_select" {
			sel = &view.Blocks[i].Element
		}
	}
	if sel == nil || sel.MaxSelectedItems != 2 || len(sel.Options) != 3 || len(view.Title.Text) > 24 {
		t.Fatalf("vote form %s", views[len(views)-1].JSON)
	}
	var initial []string
	for _, o := range sel.InitialOptions {
		initial = append(initial, o.Value)
	}
	if !slices.Equal(initial, []string{"T1", "C1"}) {
		t.Errorf("form opened with %q chosen, want T1, C1", initial)
	}
}
