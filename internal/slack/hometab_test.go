package slack_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// pressOnHome clicks a button of the app's home tab as Slack sends it
// (container view, no channel): the fixture, with its action set.
func pressOnHome(t *testing.T, h *harness, user, action, value string) {
	t.Helper()
	p := fixture(t, "block_actions_home", fixtureAuthor, user)
	act := p["actions"].([]any)[0].(map[string]any)
	act["action_id"], act["value"] = action, value
	raw, _ := json.Marshal(p)
	if code, body := h.interact(raw); code != 200 || body != "" {
		t.Fatalf("press %s on the home: %d %q", action, code, body)
	}
	h.settle()
}

// A button on the home tab comes from no channel: a refusal is sent as a
// direct message, where the person can read it.
func TestHomeTabButtonRefusalIsADirectMessage(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	h.reply("U2", h.meta().StepTS(workshop.Goals), "Why churn?")
	pressOnHome(t, h, "U2", "next", "W1 goals")
	dms := h.fake.Messages(fakeslack.DMChannel("U2"))
	if len(dms) != 1 || !strings.Contains(dms[0].Text, "Only the facilitator") {
		t.Errorf("direct messages to U2: %+v", dms)
	}
	if h.meta().Step != workshop.Goals {
		t.Error("a non-facilitator moved the workshop from the home")
	}
	pressOnHome(t, h, "U1", "next", "W1 goals")
	if h.meta().Step != workshop.Personas {
		t.Error("the facilitator's Next step on the home did not move on")
	}
}

// submitSetting submits a setting form as Slack sends it (the
// view_submission fixture) with its one field holding text, and returns the
// response body.
func submitSetting(t *testing.T, h *harness, user, callback, metadata, text string) string {
	t.Helper()
	sub := fixture(t, "view_submission", fixtureAuthor, user)
	view := sub["view"].(map[string]any)
	view["callback_id"], view["private_metadata"] = callback, metadata
	view["state"] = map[string]any{"values": map[string]any{
		"setting": map[string]any{"setting": map[string]any{"type": "plain_text_input", "value": text}},
	}}
	raw, _ := json.Marshal(sub)
	code, body := h.interact(raw)
	if code != 200 {
		t.Fatalf("submit %s %q: status %d", callback, text, code)
	}
	h.settle()
	return body
}

// Set deadline and Plan, pressed on the facilitator's home, open a form for
// the workshop's current step whose hint shows what it takes; the form runs
// /journey deadline or plan. What cannot be read is said in the form,
// beside its field, and changes nothing.
func TestHomeTabSetDeadlineAndPlan(t *testing.T) {
	h := newHarness(t)
	h.fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	h.command("U1", "start Checkout")
	pressOnHome(t, h, "U1", "set_deadline", "W1 goals")
	views := h.fake.Views()
	if len(views) != 1 || views[0].CallbackID != "deadline" {
		t.Fatalf("views opened: %+v", views)
	}
	form := string(views[0].JSON)
	for _, want := range []string{`"private_metadata":"W1 goals"`, "Deadline of Goals", "has no deadline", "friday 17:00", "2026-12-18 12:00", "3d", "off", "Europe/Paris", `"block_id":"setting"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the deadline form lacks %s: %s", want, form)
		}
	}
	for _, bad := range []string{"next week", "2020-01-01"} {
		body := submitSetting(t, h, "U1", "deadline", "W1 goals", bad)
		if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"setting":`) {
			t.Errorf("%q answered %s, want an error on the field", bad, body)
		}
		if !h.meta().Deadline.IsZero() {
			t.Fatalf("%q set a deadline", bad)
		}
	}
	if body := submitSetting(t, h, "U1", "deadline", "W1 goals", "2099-12-18 12:00"); body != "" {
		t.Errorf("a good deadline answered %s", body)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if got, want := h.meta().Deadline, time.Date(2099, 12, 18, 12, 0, 0, 0, paris); !got.Equal(want) {
		t.Errorf("deadline %v, want %v (in the facilitator's zone)", got, want)
	}
	await(t, h.fake, "the deadline announced in the channel", func() bool {
		for _, m := range h.fake.Messages("C1") {
			if !m.Ephemeral && strings.Contains(m.Text, "set the deadline of Goals") {
				return true
			}
		}
		return false
	})

	pressOnHome(t, h, "U1", "plan", "W1 goals")
	views = h.fake.Views()
	if len(views) != 2 || views[1].CallbackID != "plan" || !strings.Contains(string(views[1].JSON), "goals=1d personas=2d") {
		t.Fatalf("the plan form: %+v", views)
	}
	if body := submitSetting(t, h, "U1", "plan", "W1 goals", "2w"); !strings.Contains(body, "as a plan") {
		t.Errorf("an unreadable plan answered %s", body)
	}
	if body := submitSetting(t, h, "U1", "plan", "W1 goals", "goals=1d personas=2d"); body != "" {
		t.Errorf("a good plan answered %s", body)
	}
	if got := h.meta().Plan["personas"]; got != 48*time.Hour {
		t.Errorf("plan %v", h.meta().Plan)
	}

	// Someone else's press opens nothing and is told why, directly; a
	// crafted submission is refused in the form.
	pressOnHome(t, h, "U2", "set_deadline", "W1 goals")
	if n := len(h.fake.Views()); n != 2 {
		t.Errorf("a non-facilitator's press opened a form")
	}
	if dms := h.fake.Messages(fakeslack.DMChannel("U2")); len(dms) != 1 || !strings.Contains(dms[0].Text, "Only the facilitator") {
		t.Errorf("direct messages to U2: %+v", dms)
	}
	if body := submitSetting(t, h, "U2", "deadline", "W1 goals", "3d"); !strings.Contains(body, "Only the facilitator") {
		t.Errorf("a non-facilitator's submission answered %s", body)
	}
	// A form opened before the step moved changes nothing after.
	h.command("U1", "next force")
	if body := submitSetting(t, h, "U1", "deadline", "W1 goals", "3d"); !strings.Contains(body, "just moved") {
		t.Errorf("a form of an earlier step answered %s", body)
	}
}
