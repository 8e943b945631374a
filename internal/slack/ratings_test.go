package slack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The Rate changes button opens a form: each change with an impact and an
// effort select, 1 to 5, the person's earlier ratings chosen. Its
// submission (Slack's shape, testdata/payloads/view_submission_rate.json)
// stores one rating per person and change however often it arrives; a
// change given an impact without an effort is refused on the effort
// select, and nothing of the form is stored.
func TestRateForm(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	h.command("U1", "goto iterate")
	h.reply("U2", h.meta().StepTS(workshop.Iterate), "Show fees on the pricing page\nAnswer chats within 5 minutes")
	await(t, h.fake, "the changes", func() bool { return len(h.meta().Map().Changes) == 2 })

	raw, err := os.ReadFile(filepath.Join("testdata", "payloads", "view_submission_rate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sub map[string]any
	if err := json.Unmarshal(raw, &sub); err != nil {
		t.Fatal(err)
	}
	delete(sub, "_source")
	rater := sub["user"].(map[string]any)["id"].(string)
	submit := func(values map[string]string) string {
		t.Helper()
		state := map[string]any{}
		for block, v := range values {
			part := block[strings.Index(block, ".")+1:]
			state[block] = map[string]any{part: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
		}
		sub["view"].(map[string]any)["state"] = map[string]any{"values": state}
		b, _ := json.Marshal(sub)
		code, body := h.interact(b)
		if code != 200 {
			t.Fatalf("submit: %d %s", code, body)
		}
		h.settle()
		return body
	}
	marks := func() []workshop.Mark { return h.meta().MarksOf(workshop.MarkRating, "") }

	// The fixture as Slack sends it: C1 impact 4, effort 2; C2 left empty.
	b, _ := json.Marshal(sub)
	if code, body := h.interact(b); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.settle()
	submit(map[string]string{"C1.impact": "4", "C1.effort": "2"}) // Slack retries, or the person submits again
	if m := marks(); len(m) != 1 || m[0].User != rater || m[0].Impact != 4 || m[0].Effort != 2 {
		t.Fatalf("marks %+v, want one rating of C1 by %s", m, rater)
	}
	body := submit(map[string]string{"C1.impact": "5", "C1.effort": "5", "C2.impact": "3"})
	if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"C2.effort":"Choose the effort too`) {
		t.Errorf("C2 without its effort: %s", body)
	}
	if m := marks(); len(m) != 1 || m[0].Impact != 4 {
		t.Errorf("a refused form changed the ratings: %+v", m)
	}
	told := false
	for _, e := range h.ephemerals(rater) {
		told = told || strings.Contains(e.Text, "Your rating of C1 Show fees on the pricing page: impact 4, effort 2.")
	}
	if !told {
		t.Errorf("the rater was not told their rating: %+v", h.ephemerals(rater))
	}

	// The button opens the form with the person's ratings chosen.
	press, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": rater}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TRIG-RATE",
		"actions": []map[string]any{{"action_id": engine.ActionRate, "block_id": "actions", "value": "W1 iterate", "type": "button"}},
	})
	if code, _ := h.interact(press); code != 200 {
		t.Fatal(code)
	}
	h.settle()
	views := h.fake.Views()
	if len(views) == 0 || views[len(views)-1].CallbackID != "rate" {
		t.Fatalf("views opened: %+v", views)
	}
	var view struct {
		Title  struct{ Text string }
		Blocks []struct {
			Type    string
			BlockID string `json:"block_id"`
			Element struct {
				Type          string
				Options       []struct{ Value string }
				InitialOption *struct{ Value string } `json:"initial_option"`
			}
		}
	}
	if err := json.Unmarshal(views[len(views)-1].JSON, &view); err != nil {
		t.Fatal(err)
	}
	chosen := map[string]string{}
	selects := 0
	for _, bl := range view.Blocks {
		if bl.Element.Type != "static_select" {
			continue
		}
		selects++
		if len(bl.Element.Options) != 5 {
			t.Errorf("%s has %d options, want 1 to 5", bl.BlockID, len(bl.Element.Options))
		}
		if bl.Element.InitialOption != nil {
			chosen[bl.BlockID] = bl.Element.InitialOption.Value
		}
	}
	if selects != 4 || chosen["C1.impact"] != "4" || chosen["C1.effort"] != "2" || len(chosen) != 2 || len(view.Title.Text) > 24 {
		t.Errorf("rate form: %d selects, chosen %v, title %q:\n%s", selects, chosen, view.Title.Text, views[len(views)-1].JSON)
	}
}
