package slack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// hostile is text as Slack sends it when a person types broadcasts, a
// mention, a link whose label lies, an ampersand, and (escaped, since they
// were typed as characters) the same markup by hand.
const hostile = "<!channel> <!here> <!everyone> <@U0HOSTILE1> <https://evil.example|bank.example> Q&amp;A " +
	"&lt;!here&gt; &lt;@U0HOSTILE1&gt; &lt;https://evil.example&gt;"

// TestHostileTextInEveryMessage walks every kind of message the bot sends
// (header, step, summary, status, help, answers, errors, form echo,
// review reminder, views, exports) with hostile text in every field and
// finds no broadcast, no forged link, no mention of anyone but an owner,
// and nothing escaped twice.
func TestHostileTextInEveryMessage(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("é&amp;x", workshop.MaxFieldLen/3)
	h.command("U1", "start "+hostile)
	step := func(s workshop.Step) string {
		t.Helper()
		h.command("U1", "goto "+s.Key())
		ts := h.meta().StepTS(s)
		if ts == "" {
			t.Fatalf("no %s message", s.Key())
		}
		return ts
	}
	reply := func(thread, text string) {
		t.Helper()
		if _, resp := h.reply("U2", thread, text); resp.StatusCode != 200 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
	}
	f := hostile
	reply(step(workshop.Goals), f+"\n"+long)
	reply(step(workshop.Personas), f+" | "+f+" | "+long)
	tps := step(workshop.Touchpoints)
	reply(tps, f+" | "+f+" | before | -1 | "+f+" | "+long+" | <@U0MARIA001>")
	reply(tps, f+" | web | whenever | 9 | "+f) // refused: the error quotes it
	step(workshop.Scope)
	h.command("U1", "summary")
	reply(step(workshop.Resources), "need | "+f+" | "+f+" | <@U0MARIA001>\nhave | "+long+" | "+f+" | "+f)
	reply(step(workshop.Test), "G1 partly | "+f)
	reply(step(workshop.Test), "G9 yes | "+f) // refused: no such goal
	reply(step(workshop.Iterate), f+" | <@U0MARIA001> | 2026-01-15\n"+f+" | "+f)
	code, body := h.interact([]byte(fmt.Sprintf(`{"type":"view_submission","user":{"id":"U2"},"view":{"id":"V1","callback_id":"form","private_metadata":"W1 iterate","state":{"values":{
		"text":{"text":{"type":"plain_text_input","value":%q}},
		"owner":{"owner":{"type":"users_select","selected_user":null}},
		"owner_name":{"owner_name":{"type":"plain_text_input","value":%q}}}}}}`, "<!channel> typed in a form & <@U0HOSTILE1>", "<https://evil.example|bank>")))
	if code != 200 || body != "" {
		t.Fatalf("form: %d %s", code, body)
	}
	for _, c := range []string{"add anonymous " + f + " | " + f, "add " + f, "anonymous on " + f, "summary", "status", "help", "list", "chart", "score T1 " + f, "goto " + f, f, "review " + f, "facilitator " + f, "export md", "export csv", "export json", "review monthly"} {
		h.command("U1", c)
	}
	if err := h.eng.Remind(t.Context(), "W1", time.Now(), false); err != nil {
		t.Fatal(err)
	}
	h.command("U1", "close")
	for _, button := range []string{"add", "score"} {
		payload := fmt.Sprintf(`{"type":"block_actions","user":{"id":"U2"},"channel":{"id":"C1"},"trigger_id":"T-%s","actions":[{"action_id":%q,"block_id":"actions","value":"W1 iterate","type":"button"}]}`, button, button)
		h.interact([]byte(payload))
	}
	h.command("U1", "status")
	h.bot.Shutdown(t.Context())

	said := slackText(h.fake)
	if len(said) < 30 {
		t.Fatalf("only %d messages: the workshop did not run", len(said))
	}
	var exports []string
	for _, u := range h.fake.Uploads() {
		exports = append(exports, string(u.Data))
	}
	if len(exports) < 3 {
		t.Fatalf("%d uploads, want the md, csv and json exports", len(exports))
	}
	typedOnce := 0
	for _, s := range said {
		for _, bad := range []string{
			"<!channel", "<!here", "<!everyone", // broadcasts
			"<https://evil",                     // a link, maybe with a label of the sender's choosing
			"<@U0HOSTILE1",                      // a mention of someone who owns nothing
			"&amp;amp;", "&amp;lt;", "&amp;gt;", // escaped twice
		} {
			if strings.Contains(s, bad) {
				t.Errorf("%q in %.300s", bad, s)
			}
		}
		if strings.Contains(s, "&lt;!here&gt;") {
			typedOnce++ // what was typed as characters shows as typed
		}
	}
	if typedOnce == 0 {
		t.Error("the markup typed as characters shows nowhere, escaped once")
	}
	if !strings.Contains(strings.Join(said, "\n"), "<@U0MARIA001") {
		t.Error("the owner is never mentioned")
	}
	for _, s := range exports {
		if strings.Contains(s, "&amp;amp;") || strings.Contains(s, "&amp;lt;") {
			t.Errorf("export escaped twice: %.300s", s)
		}
	}
}
