package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// script is a workshop as Slack requests: commands and thread replies.
var replicaScript = []struct{ user, text string }{
	{"", "start Checkout redesign"},
	{"U2", "Why do 40% of visitors leave at the payment page?"},
	{"U3", "Which touchpoints make people call support?"},
	{"", "next"},
	{"U3", "Claire, 34 | marketing manager, Lyon | values speed"},
	{"", "next"},
	{"U2", "Pricing page | website | before | -1 | clear tiers | hidden fees"},
	{"U3", "Payment | website | during | -2 | saved cards | card refused"},
	{"U2", "Pricing page | website | whenever | -1"},
	{"", "score T1 -2"},
	{"", "next"},
	{"U3", "current-state"},
	{"", "next"},
	{"U2", "need | follow-up tool | no follow-up | @maria"},
	{"", "next"},
	{"U3", "G1 partly | cause unknown\nG2 yes | the payment page"},
	{"", "next"},
	{"U2", "Show fees | @leo | 2026-12-15"},
}

// playReplicas plays replicaScript, sending request i to servers[i%len]:
// commands as U1 (the facilitator), replies in the current step's thread.
func playReplicas(t *testing.T, fake *fakeslack.Server, servers []*server) export.Document {
	t.Helper()
	steps := 0
	for i, l := range replicaScript {
		s := servers[i%len(servers)]
		if l.user == "" {
			s.command("U1", l.text)
			if l.text == "score T1 -2" {
				fake.WaitFor(t, "chat.postEphemeral", 2, 5*time.Second)
				continue
			}
			steps++
			s.waitTopLevel(steps + 1) // header + one message per step
			continue
		}
		tops := s.posts("")
		s.reply(l.user, tops[len(tops)-1].TS, l.text)
	}
	return servers[0].export()
}

// comparable strips what differs between runs: times and timestamps.
func comparable(d export.Document) string {
	d.CreatedAt = time.Time{}
	for i := range d.Versions {
		d.Versions[i].StartedAt = time.Time{}
	}
	for i := range d.Touchpoints {
		d.Touchpoints[i].Key = ""
	}
	for i := range d.Changes {
		d.Changes[i].Key = ""
	}
	for i := range d.Inputs {
		d.Inputs[i].TS = ""
	}
	b, _ := json.MarshalIndent(d, "", " ")
	return string(b)
}

// Two serve processes on one Redis, with the requests of one workshop
// alternating between them, behave as one bot.
func TestTwoReplicasBehaveAsOne(t *testing.T) {
	fake1 := newFake(t)
	single := playReplicas(t, fake1, []*server{startServe(t, fake1, serveEnv(t, fake1))})

	fake2 := newFake(t)
	env := serveEnv(t, fake2)
	a, b := startServe(t, fake2, env), startServe(t, fake2, env)
	double := playReplicas(t, fake2, []*server{a, b})

	if got, want := comparable(double), comparable(single); got != want {
		t.Errorf("two replicas exported\n%s\none process exported\n%s", got, want)
	}
	if len(single.Touchpoints) != 2 || len(single.Inputs) != 9 {
		t.Errorf("the script did not run: %d touchpoints, %d inputs", len(single.Touchpoints), len(single.Inputs))
	}
	// Each side posted the same conversation.
	if n1, n2 := len(fake1.Calls("chat.postMessage")), len(fake2.Calls("chat.postMessage")); n1 != n2 {
		dump := func(f *fakeslack.Server) (out []string) {
			for _, c := range f.Calls("chat.postMessage") {
				out = append(out, fmt.Sprintf("%d %s thread=%s %.80s", c.Status, c.Error, c.Param("thread_ts"), c.Param("text")))
			}
			return out
		}
		t.Errorf("one process posted %d messages, two posted %d\n%s\n---\n%s", n1, n2, strings.Join(dump(fake1), "\n"), strings.Join(dump(fake2), "\n"))
	}
}

// SIGTERM (the context's end) while events are in flight: serve returns
// nil, and every reply Slack got a 200 for is in the store.
func TestShutdownKeepsAcknowledgedReplies(t *testing.T) {
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake))
	s.command("U1", "start Shutdown drill")
	step := s.waitTopLevel(2)

	// Five senders in a steady stream; SIGTERM once 20 replies are
	// acknowledged, while the rest are in flight.
	var mu sync.Mutex
	acked := map[string]bool{}
	var once sync.Once
	var wg sync.WaitGroup
	next := make(chan int)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ts := fmt.Sprintf("1950000000.%06d", i)
				text := fmt.Sprintf("Goal number %d?", i)
				code, err := s.post("/slack/events", eventBody("U2", step, text, ts), "application/json", nil)
				if err != nil {
					continue // refused once shutdown began: Slack would retry
				}
				if code == 200 {
					mu.Lock()
					acked[text] = true
					if len(acked) == 20 {
						once.Do(s.sigterm)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 50 {
		next <- i
	}
	close(next)
	wg.Wait()
	once.Do(s.sigterm)
	if err := s.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	doc := s.export()
	stored := map[string]bool{}
	for _, g := range doc.Goals {
		stored[g.Text] = true
	}
	for text := range acked {
		if !stored[text] {
			t.Errorf("acknowledged reply %q lost", text)
		}
	}
	if len(acked) == 0 {
		t.Error("no event was acknowledged before shutdown; the drill proved nothing")
	}
	t.Logf("%d of 50 events acknowledged before shutdown, %d stored", len(acked), len(stored))
}
