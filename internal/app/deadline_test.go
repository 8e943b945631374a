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
	script := strings.Join([]string{
		"/journey start Checkout",
		"/journey plan 1d",
		"/journey autopilot on",
		"Why do people leave?",
		"wait 1d",
		"wait 1d",
		"wait 1d",
		"wait soon",
	}, "\n")
	var out, errOut bytes.Buffer
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err := Run(t.Context(), Env{
		Args:   []string{"journeybot", "console", "-state", t.TempDir() + "/s.db", "-user", "ana", "-out", t.TempDir()},
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(script), Stdout: &out, Stderr: &errOut,
		now: func() time.Time { return start },
	})
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut.String())
	}
	text := out.String()
	order := []string{
		"⏩ 1d later: Wed 2 Dec 2026 at 09:00 (UTC)",
		"🤖 Autopilot: the deadline of Goals has come; on to Personas.",
		"STEP 2/7 · PERSONAS",
		"🤖 Autopilot: Personas has no input yet, so its deadline moves a day, to Fri 4 Dec 2026 at 09:00 (UTC).",
		"⏩ 1d later: Fri 4 Dec 2026 at 09:00 (UTC)",
		"✉ direct message to @ana",
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
