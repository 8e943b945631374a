package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

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
