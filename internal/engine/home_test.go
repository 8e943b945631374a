package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
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

// The facilitator's home part has Next step, Set deadline and Plan, each
// naming the command that does the same (what the console shows); other
// people have none of them; the last step has no Next step.
func TestHomeButtonsForTheFacilitator(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	buttons := func(user string) string {
		t.Helper()
		parts, err := h.eng.Home(context.Background(), user, []string{channel})
		if err != nil || len(parts) != 2 {
			t.Fatalf("home of %s: %d parts, %v", user, len(parts), err)
		}
		var out []string
		for _, a := range parts[1].Actions {
			out = append(out, a.ID+"="+a.Command)
		}
		return strings.Join(out, ", ")
	}
	if got, want := buttons("ana"), "add=, open_thread=, next=next W1, set_deadline=deadline W1 friday 17:00|3d|off, plan=plan W1 2d|goals=1d personas=2d"; got != want {
		t.Errorf("ana's buttons:\ngot  %s\nwant %s", got, want)
	}
	if got, want := buttons("ben"), "add=, open_thread="; got != want {
		t.Errorf("ben's buttons: %s, want %s", got, want)
	}
	h.as(ana, "goto iterate")
	h.as(ana, "lang fr")
	if got, want := buttons("ana"), "add=, open_thread=, set_deadline=deadline W1 vendredi 17h|3j|off, plan=plan W1 2j|objectifs=1j profils=2j"; got != want {
		t.Errorf("ana's buttons at the last step, in French:\ngot  %s\nwant %s", got, want)
	}
	// What the console shows can be typed as it is: the first form of each.
	for _, cmd := range []string{"deadline W1 vendredi 17h", "plan W1 2j"} {
		if p := h.as(ana, cmd); len(p) != 1 || p[0].Kind != engine.KindNotice {
			t.Errorf("%s: %v", cmd, p)
		}
	}
}

// A setting form runs its command: the same change and announcement as
// typed; what cannot be done is a sentence for the form, and changes
// nothing, posts nothing.
func TestSetRunsTheCommand(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	h.as(ana, "start Onboarding") // W2, the typed twin
	ctx := context.Background()
	set := func(a engine.Actor, id, command, text string, step workshop.Step) (string, []posted) {
		t.Helper()
		n := h.rec.count()
		refused, err := h.eng.Set(ctx, engine.Setting{Workshop: id, Step: step, Actor: a, Command: command, Text: text})
		if err != nil {
			t.Fatalf("set %s %q: %v", command, text, err)
		}
		return refused, h.rec.since(n)
	}
	meta := func(id string) *workshop.Meta {
		t.Helper()
		m, err := h.store.LoadMeta(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	refused, posts := set(ana, "W1", engine.SettingDeadline, "friday 17:00", workshop.Goals)
	typed := h.as(ana, "deadline W2 friday 17:00")
	if refused != "" || len(posts) != 1 || !meta("W1").Deadline.Equal(meta("W2").Deadline) || meta("W1").Deadline.IsZero() {
		t.Fatalf("set deadline: refused %q, posts %v, deadline %v (typed: %v)", refused, posts, meta("W1").Deadline, meta("W2").Deadline)
	}
	if posts[0].Kind != engine.KindNotice || posts[0].Channel != channel || posts[0].text() != typed[0].text() {
		t.Errorf("the form's announcement %q, the command's %q", posts[0].text(), typed[0].text())
	}
	refused, posts = set(ana, "W1", engine.SettingPlan, "goals=1d personas=2d", 0)
	if refused != "" || len(posts) != 1 || meta("W1").Plan["personas"] != 48*time.Hour {
		t.Errorf("set plan: refused %q, posts %v, plan %v", refused, posts, meta("W1").Plan)
	}

	before := meta("W1")
	for _, tt := range []struct {
		who           engine.Actor
		id, cmd, text string
		step          workshop.Step
		want          string
	}{
		{ana, "W1", engine.SettingDeadline, "next week", workshop.Goals, "I can't read “next week” as a deadline. Try friday 17:00, 2026-12-18 12:00, 3d or off."},
		{ana, "W1", engine.SettingDeadline, "2026-01-02 12:00", workshop.Goals, "has already passed"},
		{ana, "W1", engine.SettingDeadline, "  ", workshop.Goals, "Type the deadline"},
		{ana, "W1", engine.SettingPlan, "2w", 0, "I can't read “2w” as a plan"},
		{ana, "W1", engine.SettingPlan, "nowhere=2d", 0, "I don't know the step “nowhere”"},
		{ana, "W1", engine.SettingPlan, "W2 2d", 0, "I can't read “W2” as a plan"}, // the form's workshop, whatever is typed
		{ben, "W1", engine.SettingDeadline, "3d", workshop.Goals, "Only the facilitator (@ana)"},
		{ana, "W1", engine.SettingDeadline, "3d", workshop.Personas, "has just moved to Goals"},
		{ana, "W9", engine.SettingDeadline, "3d", 0, "W9"},
	} {
		refused, posts := set(tt.who, tt.id, tt.cmd, tt.text, tt.step)
		if !strings.Contains(refused, tt.want) || len(posts) != 0 {
			t.Errorf("%s %q by %s: refused %q, posts %v; want %q and nothing said", tt.cmd, tt.text, tt.who.ID, refused, posts, tt.want)
		}
		if strings.Contains(refused, "‹") {
			t.Errorf("%s %q: a missing sentence: %q", tt.cmd, tt.text, refused)
		}
	}
	if after := meta("W1"); after.Rev != before.Rev {
		t.Errorf("refused settings changed the workshop: rev %d -> %d", before.Rev, after.Rev)
	}
	h.as(ana, "close W1")
	if refused, _ := set(ana, "W1", engine.SettingDeadline, "3d", 0); !strings.Contains(refused, "closed") {
		t.Errorf("a closed workshop: %q", refused)
	}
	h.as(ana, "lang fr W2")
	if refused, _ := set(ana, "W2", engine.SettingDeadline, "la semaine prochaine", 0); !strings.Contains(refused, "la semaine prochaine\u00a0» comme une échéance") {
		t.Errorf("in French: %q", refused)
	}
}
