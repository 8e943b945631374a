package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// Three serve replicas on one Redis: at a step's deadline, with autopilot
// on, the next step is posted exactly once; at the next deadline of an
// empty step the step is extended once (and the channel told); at the one
// after, the facilitator gets exactly one digest, in a direct message.
func TestDeadlinesThreeReplicas(t *testing.T) {
	fake := newFake(t)
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	env := reviewEnv(t, fake)
	clk := &rvClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	clock := withClock(clk.Now, 10*time.Millisecond)
	rs := []*server{startServe(t, fake, env, clock), startServe(t, fake, env, clock), startServe(t, fake, env, clock)}

	rs[0].command("U1", "start Checkout")
	goals := rs[0].waitTopLevel(2)
	rs[1].command("U1", "plan 1d")
	rs[1].waitNotice("planned the workshop")
	rs[2].command("U1", "autopilot on")
	rs[2].waitNotice("turned autopilot on")
	rs[0].waitReaction(rs[0].reply("U2", goals, "Why churn?"))

	count := func(channel, text string) int {
		n := 0
		for _, m := range fake.Messages(channel) {
			if strings.Contains(m.Text, text) || bytes.Contains(m.Blocks, []byte(text)) {
				n++
			}
		}
		return n
	}
	// Past the goals deadline: personas is posted once.
	clk.Set(time.Date(2026, 12, 2, 9, 0, 1, 0, time.UTC))
	rs[0].waitFor("the personas step", func() bool { return count("C1", "Step 2/7 · Personas") > 0 })
	settle(rs...)
	if n := count("C1", "on to *Personas*"); n != 1 {
		t.Errorf("autopilot moved %d times, want once", n)
	}
	if n := count("C1", "Step 2/7 · Personas —"); n != 1 {
		t.Errorf("the personas step message was posted %d times, want once", n)
	}
	// Personas stays empty: extended once.
	clk.Set(time.Date(2026, 12, 3, 9, 0, 2, 0, time.UTC))
	rs[1].waitFor("the extension", func() bool { return count("C1", "has no input yet") > 0 })
	settle(rs...)
	if n := count("C1", "has no input yet"); n != 1 {
		t.Errorf("extended %d times, want once", n)
	}
	// And a day later, one digest to the facilitator, in a DM.
	clk.Set(time.Date(2026, 12, 4, 9, 0, 3, 0, time.UTC))
	dm := fakeslack.DMChannel("U1")
	rs[2].waitFor("the digest", func() bool { return count(dm, "Deadline reached") > 0 })
	settle(rs...)
	if n := count(dm, "Deadline reached"); n != 1 {
		t.Errorf("%d digests, want one", n)
	}
	if n := count("C1", "Deadline reached"); n != 0 {
		t.Errorf("the digest went to the channel")
	}
	for _, m := range fake.Messages(dm) {
		if !bytes.Contains(m.Blocks, []byte(`"action_id":"extend"`)) || !bytes.Contains(m.Blocks, []byte("!date^")) {
			t.Errorf("digest without Extend or a date token: %s", m.Blocks)
		}
	}
}

// The console plays deadlines to the end: `wait` moves its clock, and the
// autopilot's move, its extension and the facilitator's digest (a direct
// message) print as they come.
func TestConsoleWaitPlaysDeadlines(t *testing.T) {
	text := playConsole(t, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		"/journey start Checkout",
		"/journey plan 1d",
		"/journey autopilot on",
		"Why do people leave?",
		"wait 1d",
		"wait 1d",
		"wait 1d",
		"wait soon",
	)
	order := []string{
		"⏩ 1d later: Wed 2 Dec 2026 at 09:00 (UTC)",
		"🤖 Autopilot: the deadline of Goals has come; on to Personas.",
		"STEP 2/7 · PERSONAS",
		"🤖 Autopilot: Personas has no input yet, so its deadline moves a day, to Fri 4 Dec 2026 at 09:00 (UTC).",
		"⏩ 1d later: Fri 4 Dec 2026 at 09:00 (UTC)",
		"✉ DM to ana",
		"⏰ DEADLINE REACHED: PERSONAS · CHECKOUT",
		"[Next step] → /journey next W1",
		"[Extend 1 day] → /journey deadline W1 1d",
		"“soon” is not a length",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(text[at:], want)
		if i < 0 {
			t.Fatalf("console output lacks %q after what came before:\n%s", want, text)
		}
		at += i
	}
	if strings.Count(text, "DEADLINE REACHED") != 1 {
		t.Errorf("want one digest:\n%s", text)
	}
}

// Nudges: five members of the channel in Paris, New York and Tokyo, two of
// whom contribute; with `plan 2d`, each of the other three gets exactly one
// direct message, inside 09:00-18:00 Monday-Friday of their own zone and
// before the deadline, from three replicas as from one; nobody who
// contributed gets one.
func TestNudgesThreeReplicas(t *testing.T) {
	fake := newFake(t)
	zones := map[string]string{"U1": "Europe/Paris", "U2": "Europe/Paris", "U3": "America/New_York", "U4": "Asia/Tokyo", "U5": "Europe/Paris"}
	for id, tz := range zones {
		fake.SetUser(id, fakeslack.UserInfo{TZ: tz})
	}
	fake.SetUser("UBOT2", fakeslack.UserInfo{IsBot: true})
	fake.SetMembers("C1", "U1", "U2", "U3", "U4", "U5", "UBOT2", fakeslack.BotUserID)
	env := reviewEnv(t, fake)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // a Tuesday
	clk := &rvClock{t: start}
	clock := withClock(clk.Now, 10*time.Millisecond)
	rs := []*server{startServe(t, fake, env, clock), startServe(t, fake, env, clock), startServe(t, fake, env, clock)}

	rs[0].command("U1", "start Checkout")
	goals := rs[0].waitTopLevel(2)
	rs[1].command("U1", "plan 2d")
	rs[1].waitNotice("planned the workshop")
	rs[0].waitReaction(rs[0].reply("U1", goals, "Why churn?"))
	rs[2].waitReaction(rs[2].reply("U2", goals, "Where do we lose trust?"))
	deadline := start.Add(48 * time.Hour)

	nudges := func(id string) []fakeslack.Message {
		var out []fakeslack.Message
		for _, m := range fake.Messages(fakeslack.DMChannel(id)) {
			if strings.Contains(m.Text, "waits for your input") {
				out = append(out, m)
			}
		}
		return out
	}
	got := map[string][]time.Time{} // user -> when their nudges appeared
	for at := start.Add(23 * time.Hour); !at.After(deadline); at = at.Add(time.Hour) {
		clk.Set(at)
		settle(rs...)
		for id := range zones {
			if n := len(nudges(id)); n > len(got[id]) {
				got[id] = append(got[id], at)
			} else if n < len(got[id]) {
				t.Fatalf("DMs of %s went down", id)
			}
		}
	}
	t.Logf("nudged at %v", got)
	for _, id := range []string{"U1", "U2"} {
		if len(got[id]) != 0 {
			t.Errorf("%s contributed and was nudged at %v", id, got[id])
		}
	}
	for _, id := range []string{"U3", "U4", "U5"} {
		if n := len(nudges(id)); n != 1 {
			t.Errorf("%s got %d nudges, want one", id, n)
			continue
		}
		loc, _ := time.LoadLocation(zones[id])
		when := got[id][0].In(loc)
		if h := when.Hour(); h < 9 || h >= 18 || when.Weekday() == time.Saturday || when.Weekday() == time.Sunday || !got[id][0].Before(deadline) {
			t.Errorf("%s nudged at %v, outside their working hours or after the deadline", id, when)
		}
		m := nudges(id)[0]
		for _, want := range []string{"waits for your input", `"action_id":"add"`, "archives/C1/p", "!date^"} {
			if !bytes.Contains(m.Blocks, []byte(want)) && !strings.Contains(m.Text, want) {
				t.Errorf("%s's nudge lacks %s: %s", id, want, m.Blocks)
			}
		}
	}
	if n := len(fake.Messages(fakeslack.DMChannel("UBOT2"))) + len(fake.Messages(fakeslack.DMChannel(fakeslack.BotUserID))); n != 0 {
		t.Errorf("%d nudges to bots", n)
	}

	// At the deadline, the facilitator's digest names who has not been
	// heard from; Remind again nudges them once more.
	rs[0].waitFor("the digest", func() bool { return len(fake.Messages(fakeslack.DMChannel("U1"))) > 0 })
	digest := fake.Messages(fakeslack.DMChannel("U1"))[0]
	for _, want := range []string{`Not heard from (3): \u003c@U3\u003e, \u003c@U4\u003e, \u003c@U5\u003e`, `"action_id":"remind_again"`} {
		if !bytes.Contains(digest.Blocks, []byte(want)) {
			t.Errorf("digest lacks %s: %s", want, digest.Blocks)
		}
	}
	rs[1].press("U1", "remind_again", "W1 goals")
	rs[1].waitFor("the second nudges", func() bool { return len(nudges("U3")) == 2 && len(nudges("U4")) == 2 && len(nudges("U5")) == 2 })
	if len(nudges("U2")) != 0 {
		t.Error("Remind again nudged a contributor")
	}
}

// In the console, `members` sets the channel, and `wait` brings the nudges:
// one direct message to each member who has not contributed.
func TestConsoleNudges(t *testing.T) {
	text := playConsole(t, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		"members ana,ben,chloe",
		"/journey start Checkout",
		"/journey plan 2d",
		"Why do people leave?",
		"as chloe: /journey mute",
		"wait 1d",
		"wait 1h",
		"wait until monday 08:00",
	)
	if strings.Count(text, "✉ DM to ben") != 1 || !strings.Contains(text, "GOALS WAITS FOR YOUR INPUT") {
		t.Errorf("want one nudge to ben:\n%s", text)
	}
	if strings.Count(text, "WAITS FOR YOUR INPUT") != 1 || strings.Contains(text, "DM to chloe") {
		t.Errorf("ana contributed and chloe muted; neither is nudged:\n%s", text)
	}
	if strings.Count(text, "DEADLINE REACHED") != 1 {
		t.Errorf("past the deadline, want one digest to ana:\n%s", text)
	}
	if !strings.Contains(text, "⏩ Mon 7 Dec 2026 at 08:00 (UTC)") {
		t.Errorf("wait until did not reach Monday 08:00:\n%s", text)
	}
	if !strings.Contains(text, "No more nudges for you") {
		t.Errorf("mute not confirmed:\n%s", text)
	}
}

// Every replica down through a nudge window: back before the deadline, the
// nudge is sent once, late, in the next working hours; back after the
// deadline, no stale nudge goes out, and the facilitator gets one digest.
func TestNudgesAcrossADownTime(t *testing.T) {
	for _, tt := range []struct {
		name   string
		back   time.Time // when a replica comes back
		nudges int
	}{
		{"back before the deadline", time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC), 1},
		{"back after the deadline", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
			fake.SetUser("U5", fakeslack.UserInfo{TZ: "Europe/Paris"})
			fake.SetMembers("C1", "U1", "U5")
			env := reviewEnv(t, fake)
			start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // deadline Thu 3 Dec 09:00 UTC
			clk := &rvClock{t: start}
			clock := withClock(clk.Now, 10*time.Millisecond)
			s := startServe(t, fake, env, clock)
			s.command("U1", "start Checkout")
			goals := s.waitTopLevel(2)
			s.command("U1", "plan 2d")
			s.waitNotice("planned the workshop")
			s.waitReaction(s.reply("U1", goals, "Why churn?"))
			settle(s)
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			// Down through U5's working hours of Wednesday (10:00-19:00 in
			// Paris), when nudges start.
			clk.Set(tt.back)
			back := startServe(t, fake, env, clock)
			settle(back)
			if tt.nudges > 0 {
				// Next working hours: Thursday 09:00 in Paris, 08:00 UTC.
				clk.Set(time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC))
				settle(back)
			}
			nudges, digests := 0, 0
			for _, m := range fake.Messages(fakeslack.DMChannel("U5")) {
				if strings.Contains(m.Text, "waits for your input") {
					nudges++
				}
			}
			clk.Set(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
			settle(back)
			for _, m := range fake.Messages(fakeslack.DMChannel("U1")) {
				if strings.Contains(m.Text, "Deadline reached") {
					digests++
				}
			}
			if nudges != tt.nudges || digests != 1 {
				t.Errorf("%d nudges (want %d), %d digests (want 1)", nudges, tt.nudges, digests)
			}
		})
	}
}

// playConsole pipes lines into `journeybot console -user ana` on a clock
// that starts at start (and moves only by wait), and returns what it printed.
func playConsole(t *testing.T, start time.Time, lines ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(t.Context(), Env{
		Args:   []string{"journeybot", "console", "-state", t.TempDir() + "/s.db", "-user", "ana", "-out", t.TempDir()},
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(strings.Join(lines, "\n")), Stdout: &out, Stderr: &errOut,
		now: func() time.Time { return start },
	})
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut.String())
	}
	return out.String()
}
