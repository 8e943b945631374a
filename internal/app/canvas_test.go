package app

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// withCanvasDelay edits a workshop's canvas at most once per d rather
// than per slack.DefaultCanvasDelay.
func withCanvasDelay(d time.Duration) serveOption {
	return func(e *Env) { e.canvasDelay = d }
}

// canvasHolding waits until the only canvas holds every one of want, and
// returns it.
func (s *server) canvasHolding(want ...string) fakeslack.Canvas {
	s.t.Helper()
	var c fakeslack.Canvas
	s.waitFor(fmt.Sprintf("a canvas holding %q", want), func() bool {
		cs := s.fake.Canvases()
		if len(cs) != 1 {
			return false
		}
		c = cs[0]
		for _, w := range want {
			if !strings.Contains(c.Markdown, w) {
				return false
			}
		}
		return true
	})
	return c
}

// In HTTP mode a workshop gets one canvas in its channel, made after its
// first changes and then replaced whole: its Markdown holds the goals,
// every touchpoint, the owners as canvas mentions and the changes. A 429
// on an edit is waited out. A canvas someone deletes is said once and not
// made again until the facilitator turns it on.
func TestCanvasFollowsTheWorkshop(t *testing.T) {
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake), withCanvasDelay(200*time.Millisecond))

	s.command("U1", "start Checkout redesign")
	s.waitTopLevel(1)
	step := s.waitTopLevel(2)
	created := s.canvasHolding("Goals")
	if created.Channel != "C1" || created.Tabbed || !strings.Contains(created.Title, "Checkout redesign") {
		t.Errorf("canvas made: %+v, want C1's channel canvas titled after the workshop", created)
	}
	fake.RateLimit("canvases.edit", 1, 0)
	lines := []struct{ user, text string }{
		{"U2", "Why do 40% of visitors leave at the payment page?\nWhere do we lose trust?"},
		{"U3", "Claire, 34 | marketing manager, Lyon | values speed; hates hidden fees"},
		{"U2", "Pricing page | website | before | -1 | clear tiers | hidden fees | <@U4>\nPayment | website | during | -2 | saved cards | card refused\nDelivery e-mail | e-mail | after | 1 | tracking | late | <@U5>"},
		{"U3", "current-state"},
		{"U2", "need | follow-up tool | no follow-up after a ticket | <@U6>"},
		{"U3", "G1 partly | drop-off visible, cause unknown\nG2 no | trust is not measured"},
		{"U2", "Show fees on the pricing page | <@U7> | 2026-12-15"},
	}
	for i, l := range lines {
		s.waitReaction(s.reply(l.user, step, l.text))
		if i < len(lines)-1 {
			s.command("U1", "next")
			step = s.waitTopLevel(i + 3)
		}
	}
	c := s.canvasHolding(
		"Why do 40% of visitors leave at the payment page?", "Where do we lose trust?",
		"Claire, 34", "Pricing page", "Payment", "Delivery e-mail", "😟",
		"![](@U4)", "![](@U5)", "![](@U6)", "![](@U7)", "Show fees on the pricing page", "partly",
		"![](@U1)", // the facilitator
	)
	if n := len(fake.Calls("conversations.canvases.create")) + len(fake.Calls("canvases.create")); n != 1 {
		t.Errorf("%d canvas creates, want 1", n)
	}
	limited := false
	for _, call := range fake.Calls("canvases.edit") {
		limited = limited || call.Status == 429
	}
	if !limited || c.Edits == 0 {
		t.Errorf("edits %d, a 429 among them %v: want the rate limit waited out", c.Edits, limited)
	}
	if strings.Contains(c.Markdown, "<@") || strings.Contains(c.Markdown, "# Checkout redesign\n") {
		t.Errorf("the canvas has Slack markup or repeats its title:\n%s", c.Markdown)
	}
	t.Logf("the canvas:\n%s", c.Markdown)
	if doc := s.export(); doc.CanvasID != c.ID {
		t.Errorf("json export canvas_id %q, want %q", doc.CanvasID, c.ID)
	}

	// Someone deletes it: the next change says so once, and no canvas is
	// made again, until the facilitator turns it on.
	fake.DeleteCanvas(c.ID)
	s.waitReaction(s.reply("U2", step, "Add a progress bar | <@U7>"))
	s.waitNotice("was deleted")
	s.waitReaction(s.reply("U3", step, "Offer guest checkout"))
	s.command("U1", "canvas on")
	s.waitNotice("turned the canvas on")
	s.canvasHolding("Offer guest checkout", "Add a progress bar")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Calls("conversations.canvases.create")); n != 2 {
		t.Errorf("%d canvas creates, want 2: the first and the one turned on again", n)
	}
	notices := 0
	for _, m := range s.posts("") {
		if strings.Contains(m.Text, "was deleted") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("told %d times the canvas was deleted, want once", notices)
	}
}

// 50 replies within the canvas delay cause at most two edits: the first
// change waits the delay, and the changes meanwhile ride along.
func TestCanvasEditsAreDebounced(t *testing.T) {
	const delay = 2 * time.Second
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake), withCanvasDelay(delay))
	s.command("U1", "start Checkout redesign")
	goals := s.waitTopLevel(2)
	s.canvasHolding("Goals")
	before := len(fake.Calls("canvases.edit"))
	start := time.Now()
	for i := 1; i <= 50; i++ {
		s.reply("U2", goals, fmt.Sprintf("Goal number %d", i))
	}
	burst := time.Since(start)
	s.canvasHolding("Goal number 1", "Goal number 50")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	edits := len(fake.Calls("canvases.edit")) - before
	// One edit per delay: two when the burst fits in one delay, as it does
	// unless the machine is very slow.
	allowed := 1 + int(math.Ceil(float64(burst)/float64(delay)))
	if edits > max(2, allowed) {
		t.Errorf("50 replies in %v caused %d edits, want at most %d", burst, edits, max(2, allowed))
	}
	t.Logf("50 replies in %v: %d edits", burst, edits)
}

// Where Slack refuses the canvas (a free plan's one canvas tab taken), the
// channel is told once, clearly, and nothing is tried again however many
// changes follow; the workshop carries on.
func TestCanvasRefusedIsSaidOnce(t *testing.T) {
	fake := newFake(t)
	fake.FailCanvases("C1", "free_team_canvas_tab_already_exists")
	s := startServe(t, fake, serveEnv(t, fake), withCanvasDelay(100*time.Millisecond))
	s.command("U1", "start Checkout redesign")
	goals := s.waitTopLevel(2)
	s.waitNotice("this channel already has its canvas")
	for i := range 10 {
		s.waitReaction(s.reply("U2", goals, fmt.Sprintf("Goal %d", i)))
	}
	s.command("U1", "next")
	s.waitTopLevel(4) // the header, goals, the notice, personas
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Calls("conversations.canvases.create")) + len(fake.Calls("canvases.create")); n != 1 {
		t.Errorf("%d canvas creates, want 1", n)
	}
	notices := 0
	for _, m := range s.posts("") {
		if strings.Contains(m.Text, "canvas") {
			notices++
			if !strings.Contains(m.Text, "/journey summary") || !strings.Contains(m.Text, "free_team_canvas_tab_already_exists") {
				t.Errorf("the notice: %q", m.Text)
			}
		}
	}
	if notices != 1 {
		t.Errorf("%d notices about the canvas, want 1", notices)
	}
}

// The canvas links the emotion curve shared last: after /journey chart,
// the next edit's Markdown holds the permalink Slack gave the upload.
func TestCanvasLinksTheLatestChart(t *testing.T) {
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake), withCanvasDelay(100*time.Millisecond))
	s.command("U1", "start Checkout redesign")
	s.waitTopLevel(2)
	s.command("U1", "goto touchpoints")
	step := s.waitTopLevel(3)
	s.waitReaction(s.reply("U2", step, "Pricing page | website | before | -1\nPayment | website | during | -2"))
	if c := s.canvasHolding("Payment"); strings.Contains(c.Markdown, "/files/") {
		t.Fatalf("a canvas links a chart before any was shared:\n%s", c.Markdown)
	}
	s.command("U1", "chart")
	s.waitFor("the chart uploaded", func() bool { return len(fake.Uploads()) == 1 })
	up := fake.Uploads()[0]
	link := "https://journeybot-test.slack.com/files/" + fakeslack.BotUserID + "/" + up.FileID + "/" + up.Filename
	c := s.canvasHolding("📈 [", "]("+link+")")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("the canvas links %s:\n%s", link, c.Markdown)
}

// However many replicas take a burst of replies, the canvas is edited at
// most once per delay: each edit claims the workshop's turn in the store,
// and a replica that finds it taken comes back after it.
func TestCanvasEditsAreDebouncedAcrossReplicas(t *testing.T) {
	const delay = time.Second
	fake := newFake(t)
	env := serveEnv(t, fake)
	var rs []*server
	for range 3 {
		rs = append(rs, startServe(t, fake, env, withCanvasDelay(delay)))
	}
	rs[0].command("U1", "start Checkout redesign")
	goals := rs[0].waitTopLevel(2)
	rs[0].canvasHolding("Goals")
	before := len(fake.Calls("canvases.edit"))
	start := time.Now()
	for i := 1; i <= 50; i++ {
		rs[i%3].reply("U2", goals, fmt.Sprintf("Goal number %d", i))
	}
	burst := time.Since(start)
	rs[0].canvasHolding("Goal number 1", "Goal number 50")
	// Each replica's own update comes in its turn; the last ones at
	// shutdown too.
	for _, r := range rs {
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	}
	edits := fake.Calls("canvases.edit")[before:]
	for i := 1; i < len(edits); i++ {
		// The turn is claimed before the edit is sent: allow the send's
		// own jitter.
		if gap := edits[i].At.Sub(edits[i-1].At); gap < delay-100*time.Millisecond {
			t.Errorf("edits %d and %d of the canvas %v apart, want at least %v", i, i+1, gap, delay)
		}
	}
	if len(edits) > 3 {
		t.Errorf("50 replies over three replicas caused %d edits, want at most one per replica", len(edits))
	}
	t.Logf("50 replies over three replicas in %v: %d edits", burst, len(edits))
}
