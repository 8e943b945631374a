package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/prompts"
)

// changes is a Config.Changed that keeps what it was told.
type changes struct {
	mu  sync.Mutex
	ids []string
}

func (c *changes) changed(id string) { c.mu.Lock(); c.ids = append(c.ids, id); c.mu.Unlock() }

// take returns what was told since the last take.
func (c *changes) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := c.ids
	c.ids = nil
	return ids
}

func newChangesHarness(t *testing.T) (*reviewHarness, *changes) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec, clk, ch := &recorder{}, &movable{t: now0}, &changes{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: rec, Catalog: prompts.MustLoad(), Now: clk.Now, Changed: ch.changed})
	return &reviewHarness{harness: &harness{t: t, eng: eng, rec: rec, store: store}, clock: clk}, ch
}

// Changed hears of every write that changes what a home shows, whichever
// way it came (a command, a reply, a button, a form, the deadline), and of
// none that changes nothing there.
func TestChangedTellsWhatAHomeShows(t *testing.T) {
	h, ch := newChangesHarness(t)
	ctx := context.Background()
	step := func(what string, want bool, do func()) {
		t.Helper()
		do()
		got := ch.take()
		if want && (len(got) == 0 || slices.ContainsFunc(got, func(id string) bool { return id != "W1" })) {
			t.Errorf("%s: told %v, want W1", what, got)
		}
		if !want && len(got) > 0 {
			t.Errorf("%s: told %v, want nothing", what, got)
		}
	}
	step("start", true, func() { h.as(ana, "start Checkout") })
	step("a reply", true, func() { h.reply("ben", "Why churn?") })
	step("a refused reply", false, func() { h.as(ben, "next") })
	step("status", false, func() { h.as(ana, "status") })
	step("the facilitator's zone recorded", false, func() { h.as(engine.Actor{ID: "ana", TZ: "Asia/Tokyo"}, "status") })
	step("nudges set", false, func() { h.as(ana, "nudge 4h") })
	step("autopilot on", false, func() { h.as(ana, "autopilot on") })
	step("a deadline", true, func() { h.as(ana, "deadline friday 17:00") })
	step("an unreadable deadline", false, func() { h.as(ana, "deadline next week") })
	step("a plan", true, func() { h.as(ana, "plan personas=2d") })
	step("the same plan again", false, func() { h.as(ana, "plan personas=2d") })
	step("next", true, func() { h.as(ana, "next") })
	step("a form", true, func() {
		if _, err := h.eng.Submit(ctx, engine.Form{Workshop: "W1", Step: h.workshop().Step, Actor: ben, ID: "V1", Fields: map[string]string{"name": "Claire"}}); err != nil {
			t.Fatal(err)
		}
	})
	step("a deleted reply", true, func() {
		m := h.workshop()
		if ok, _, err := h.eng.Delete(ctx, channel, m.StepTS(m.Step), "form:V1"); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
	})
	step("the deadline reached (autopilot extends the empty step)", true, func() {
		m := h.workshop()
		if err := h.eng.Deadline(ctx, "W1", m.Step, m.Deadline); err != nil {
			t.Fatal(err)
		}
	})
	step("the facilitator handed over", true, func() { h.as(ana, "facilitator @ben") })
	step("lang", true, func() { h.as(ben, "lang fr") })
	step("close", true, func() { h.as(ben, "close") })
	if p := h.as(ben, "close"); len(p) != 1 || !strings.Contains(p[0].text(), "W1") {
		t.Errorf("closing twice: %v", p)
	}
	if got := ch.take(); len(got) > 0 {
		t.Errorf("a refused close told %v", got)
	}
}

// A button pressed where there is no channel (the app's home tab) is
// answered in a direct message: an ephemeral one would have nowhere to go.
func TestPressFromNoChannelAnswersDirectly(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	n := h.rec.count()
	if err := h.eng.Press(context.Background(), "", ben, engine.ActionNext, "W1 goals"); err != nil {
		t.Fatal(err)
	}
	p := only(t, h.rec.since(n), false)
	if !p.Direct || p.User != "ben" || p.Kind != engine.KindError || !strings.Contains(p.text(), "Only the facilitator") {
		t.Errorf("answer direct=%v to %q (%s): %q", p.Direct, p.User, p.Kind, p.text())
	}
}
