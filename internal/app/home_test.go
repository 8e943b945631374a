package app

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// app_home_opened → one views.publish of a home tab within Block Kit's
// limits: the person's open workshops (their channel's), the deadline as a
// date token with a fallback, "waiting for your input" or how many items
// they added, and Add, which opens the step's form.
func TestAppHome(t *testing.T) {
	fake := newFake(t)
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	fake.SetMembers("C1", "U1", "U2", "U3")
	// The bot's clock is fixed before the deadline set below, so the test
	// does not expire with it.
	clock := &rvClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	s := startServe(t, fake, serveEnv(t, fake), withClock(clock.Now, time.Hour))
	s.command("U1", "start Checkout")
	goals := s.waitTopLevel(2)
	s.command("U1", "deadline 2026-12-18 12:00")
	s.waitNotice("set the deadline")
	s.waitReaction(s.reply("U2", goals, "Why churn?\nWhere do we lose trust?"))

	open := func(user, eventID string) json.RawMessage {
		t.Helper()
		openHome(t, s, user, eventID)
		s.waitFor("the home of "+user, func() bool { return len(fake.Homes(user)) > 0 })
		return fake.Homes(user)[0]
	}
	facilitator := []string{`"action_id":"next"`, `"action_id":"set_deadline"`, `"action_id":"plan"`}
	for user, want := range map[string][]string{
		"U3": {"Checkout", "Waiting for your input", "\\u003c#C1\\u003e", "!date^", "Dec 2026", `"action_id":"add"`},
		"U2": {"You added 2 items"},
		"U1": facilitator,
	} {
		home := open(user, "Ev0HOME"+user)
		for _, w := range want {
			if !strings.Contains(string(home), w) {
				t.Errorf("%s's home lacks %s: %s", user, w, home)
			}
		}
		for _, w := range facilitator {
			if user != "U1" && strings.Contains(string(home), w) {
				t.Errorf("%s's home has the facilitator's %s", user, w)
			}
		}
		checkHomeView(t, user, home)
	}
	// Someone in no workshop's channel sees how to start one.
	if home := open("U9", "Ev0HOMEU9"); !strings.Contains(string(home), "/journey start") {
		t.Errorf("the empty home does not teach how to start: %s", home)
	}
	// Add, pressed on the home, opens the step's form.
	s.press("U3", "add", "W1 goals")
	s.waitFor("the form", func() bool { return len(fake.Views()) > 0 })

	// Set deadline and Plan, pressed on the facilitator's home, open their
	// forms; each runs its command, and says in the form what it cannot
	// read.
	for i, tt := range []struct{ action, callback, bad, good, done string }{
		{"set_deadline", "deadline", "next week", "3d", "set the deadline of Goals"},
		{"plan", "plan", "2w", "goals=1d personas=2d", "planned the workshop"},
	} {
		s.pressOnHome("U1", tt.action, "W1 goals")
		s.waitFor("the "+tt.callback+" form", func() bool { return len(fake.Views()) == 2+i })
		if v := fake.Views()[1+i]; v.CallbackID != tt.callback || !strings.Contains(string(v.JSON), `"private_metadata":"W1 goals"`) {
			t.Errorf("the %s form: %s %s", tt.callback, v.CallbackID, v.JSON)
		}
		if body := s.submitSetting("U1", tt.callback, "W1 goals", tt.bad); !strings.Contains(body, `"setting":`) {
			t.Errorf("%s %q answered %q, want an error on the field", tt.callback, tt.bad, body)
		}
		if body := s.submitSetting("U1", tt.callback, "W1 goals", tt.good); body != "" {
			t.Errorf("%s %q answered %q", tt.callback, tt.good, body)
		}
		s.waitNotice(tt.done)
	}
	if m, err := s.store.LoadMeta(t.Context(), "W1"); err != nil || m.Plan["personas"] != 48*time.Hour || time.Until(m.Deadline) > 25*time.Hour {
		t.Errorf("after the forms: plan %v, deadline %v (%v)", m.Plan, m.Deadline, err)
	}
}

// openHome sends app_home_opened for user to s, as Slack does.
func openHome(t *testing.T, s *server, user, eventID string) {
	t.Helper()
	raw, err := os.ReadFile("../slack/testdata/payloads/event_app_home_opened.json")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte(`"U3"`), []byte(`"`+user+`"`)), []byte("Ev0HOMEOPEN1"), []byte(eventID))
	if code := s.signed("/slack/events", body, "application/json", nil); code != 200 {
		t.Fatalf("app_home_opened: %d", code)
	}
}

// checkHomeView checks a published view is a home tab within Block Kit's
// block limit.
func checkHomeView(t *testing.T, user string, home json.RawMessage) {
	t.Helper()
	var view struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(home, &view); err != nil || view.Type != "home" || len(view.Blocks) == 0 || len(view.Blocks) > 100 {
		t.Errorf("%s's home: type %q, %d blocks, %v", user, view.Type, len(view.Blocks), err)
	}
}

// A home opened through one replica follows the workshop as another
// replica changes it: a reply, the step moving, the workshop closing each
// publish it again, for the people who opened theirs (in its channel, or
// contributors) and no one else.
func TestAppHomeFollowsChanges(t *testing.T) {
	fake := newFake(t)
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	fake.SetMembers("C1", "U1", "U2", "U3", "U5") // U5 never opens the home
	env := serveEnv(t, fake)
	r1 := startServe(t, fake, env, withHomeDelay(50*time.Millisecond))
	r2 := startServe(t, fake, env, withHomeDelay(50*time.Millisecond))
	r1.command("U1", "start Checkout")
	goals := r1.waitTopLevel(2)
	for _, u := range []string{"U2", "U3"} {
		openHome(t, r2, u, "Ev0HOMEFOLLOW"+u)
	}
	last := func(user string) string {
		homes := fake.Homes(user)
		if len(homes) == 0 {
			return ""
		}
		return string(homes[len(homes)-1])
	}
	waitHome := func(user, want string) {
		t.Helper()
		r1.waitFor(user+"'s home showing "+want, func() bool { return strings.Contains(last(user), want) })
		checkHomeView(t, user, json.RawMessage(last(user)))
	}
	waitHome("U3", "Waiting for your input")
	waitHome("U2", "Waiting for your input")

	r1.waitReaction(r1.reply("U3", goals, "Why churn?"))
	waitHome("U3", "You added 1 item")
	waitHome("U2", "1 item in the step so far")

	r1.command("U1", "next")
	waitHome("U2", "Personas")
	waitHome("U3", "Personas")

	// U9, in no channel of the workshop, contributes: their home shows it
	// (read from Redis with every workshop's contributors at once).
	personas := r1.waitTopLevel(3)
	r1.waitReaction(r1.reply("U9", personas, "Claire, 34 | marketing manager | hates hidden fees"))
	openHome(t, r2, "U9", "Ev0HOMEFOLLOWU9")
	waitHome("U9", "You added 1 item")

	r1.command("U1", "close")
	waitHome("U2", "/journey start")
	waitHome("U3", "/journey start")
	waitHome("U9", "/journey start")
	for _, u := range []string{"U1", "U5"} {
		if n := len(fake.Homes(u)); n != 0 {
			t.Errorf("%s never opened the home, yet %d were published", u, n)
		}
	}
}
