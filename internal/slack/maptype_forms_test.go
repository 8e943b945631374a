package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// A service blueprint's resources step has a Backstage lanes button that
// opens the lanes form: the workshop's touchpoints to choose from, the
// three lanes. Its submission as Slack sends it
// (testdata/payloads/view_submission_lanes.json, a lane left empty) stores
// the item the typed line gives; a form with no lane is refused in the
// modal, on the people field, and stores nothing.
func TestLanesForm(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout --type service-blueprint")
	h.command("U1", "goto touchpoints")
	h.reply("U2", h.meta().StepTS(workshop.Touchpoints), "Pricing page | website | before | -1\nPayment | website | during | -2")
	await(t, h.fake, "the touchpoints", func() bool { return len(h.meta().Map().Touchpoints) == 2 })
	h.command("U1", "goto resources")
	await(t, h.fake, "the resources step", func() bool { return h.meta().StepTS(workshop.Resources) != "" })
	h.settle()

	// The step message has the button, and says the form exists.
	var step string
	for _, m := range h.fake.Messages("C1") {
		if m.TS == h.meta().StepTS(workshop.Resources) {
			step = string(m.Blocks)
		}
	}
	if !strings.Contains(step, `"action_id":"`+engine.ActionLanes+`"`) || !strings.Contains(step, "Backstage lanes") || !strings.Contains(step, "button has a form") {
		t.Errorf("the resources step of a blueprint has no lanes button: %s", step)
	}

	press, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TRIG-LANES",
		"actions": []map[string]any{{"action_id": engine.ActionLanes, "block_id": "actions", "value": "W1 resources", "type": "button"}},
	})
	if code, _ := h.interact(press); code != 200 {
		t.Fatal(code)
	}
	h.settle()
	views := h.fake.Views()
	if len(views) == 0 || views[len(views)-1].CallbackID != "form" {
		t.Fatalf("views opened: %+v", views)
	}
	var view struct {
		Title           struct{ Text string }
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []struct {
			BlockID  string `json:"block_id"`
			Optional bool
			Element  struct {
				Type    string
				Options []struct{ Value string }
			}
		}
	}
	if err := json.Unmarshal(views[len(views)-1].JSON, &view); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	var options []string
	for _, b := range view.Blocks {
		kinds[b.BlockID] = b.Element.Type
		if b.BlockID == "touchpoint" {
			for _, o := range b.Element.Options {
				options = append(options, o.Value)
			}
		}
	}
	if view.Title.Text != "Backstage lanes" || view.PrivateMetadata != "W1 resources lanes" || kinds["touchpoint"] != "static_select" ||
		strings.Join(options, ",") != "T1,T2" || kinds["people"] != "plain_text_input" || kinds["process"] != "plain_text_input" || kinds["technology"] != "plain_text_input" {
		t.Errorf("the lanes form: title %q, metadata %q, blocks %v, touchpoints %v", view.Title.Text, view.PrivateMetadata, kinds, options)
	}

	sub := fixture(t, "view_submission_lanes")
	author := sub["user"].(map[string]any)["id"].(string)
	b, _ := json.Marshal(sub)
	if code, body := h.interact(b); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.settle()
	in := h.meta().InputsOf(workshop.Resources)
	if len(in) != 1 || in[0].Text != "T2 | support agent |  | CRM and a spreadsheet" || in[0].Author != author || in[0].Source != workshop.SourceForm {
		t.Fatalf("inputs %+v, want the lanes of T2 from the form", in)
	}
	lanes, ok := h.meta().Map().LanesOf("T2")
	if !ok || lanes.People != "support agent" || lanes.Process != "" || lanes.Technology != "CRM and a spreadsheet" {
		t.Errorf("T2's lanes %+v", lanes)
	}

	// No lane at all: refused on the people field.
	state := sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)
	state["people"].(map[string]any)["people"].(map[string]any)["value"] = nil
	state["technology"].(map[string]any)["technology"].(map[string]any)["value"] = "   "
	sub["view"].(map[string]any)["id"] = "V0JRNYLANE2"
	b, _ = json.Marshal(sub)
	code, body := h.interact(b)
	if code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"people":"Fill in at least one lane`) {
		t.Errorf("a form with no lane: %d %s", code, body)
	}
	h.settle()
	if n := len(h.meta().InputsOf(workshop.Resources)); n != 1 {
		t.Errorf("%d inputs after a refused form, want 1", n)
	}
}

// An empathy map's resources step has the Empathy note button; its form
// asks the quadrant, the persona when there are several, and the note,
// and stores what the typed line would.
func TestEmpathyForm(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout --type empathy-map")
	h.command("U1", "goto personas")
	h.reply("U2", h.meta().StepTS(workshop.Personas), "Claire, 34 | manager | speed\nMarc, 61 | retired | care")
	await(t, h.fake, "the personas", func() bool { return len(h.meta().Map().Personas) == 2 })
	h.command("U1", "goto resources")
	await(t, h.fake, "the resources step", func() bool { return h.meta().StepTS(workshop.Resources) != "" })
	press, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TRIG-EMPATHY",
		"actions": []map[string]any{{"action_id": engine.ActionEmpathy, "block_id": "actions", "value": "W1 resources", "type": "button"}},
	})
	if code, _ := h.interact(press); code != 200 {
		t.Fatal(code)
	}
	h.settle()
	views := h.fake.Views()
	if len(views) == 0 {
		t.Fatal("no form opened")
	}
	form := string(views[len(views)-1].JSON)
	for _, want := range []string{`"block_id":"quadrant"`, `"block_id":"persona"`, `"block_id":"note"`, `"value":"Marc, 61"`, `"value":"feels"`, "Empathy note"} {
		if !strings.Contains(form, want) {
			t.Errorf("the empathy form lacks %s: %s", want, form)
		}
	}

	sub := fixture(t, "view_submission_lanes", "W1 resources lanes", "W1 resources empathy", "V0JRNYLANE1", "V0JRNYEMPA1")
	sel := func(v string) map[string]any {
		return map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}
	}
	sub["view"].(map[string]any)["state"] = map[string]any{"values": map[string]any{
		"quadrant": map[string]any{"quadrant": sel("thinks")},
		"persona":  map[string]any{"persona": sel("Marc, 61")},
		"note":     map[string]any{"note": map[string]any{"type": "plain_text_input", "value": "they hide the fees"}},
	}}
	b, _ := json.Marshal(sub)
	if code, body := h.interact(b); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	h.settle()
	if in := h.meta().InputsOf(workshop.Resources); len(in) != 1 || in[0].Text != "thinks | they hide the fees | Marc, 61" {
		t.Fatalf("inputs %+v", in)
	}
	emp := h.meta().Map().Empathy
	if len(emp) != 1 || emp[0].Persona != "Marc, 61" || len(emp[0].Thinks) != 1 || emp[0].Thinks[0] != "they hide the fees" {
		t.Errorf("empathy %+v", emp)
	}
}
