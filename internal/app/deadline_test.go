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
