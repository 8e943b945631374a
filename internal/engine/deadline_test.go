package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

func TestParseLength(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"2d": 48 * time.Hour, "2j": 48 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute,
		"1d12h": 36 * time.Hour, "90D": 90 * 24 * time.Hour, "45min": 45 * time.Minute,
	} {
		if got, ok := engine.ParseLength(in); !ok || got != want {
			t.Errorf("ParseLength(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0d", "91d", "2w", "d2", "2 d", "-1d", "99999999999d", "2d!"} {
		if got, ok := engine.ParseLength(bad); ok {
			t.Errorf("ParseLength(%q) = %v, want refused", bad, got)
		}
	}
}

// Deadlines are read in the facilitator's zone (ana is in Paris; it is
// Sunday 22 November 2026, 11:00 there).
func TestDeadlines(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, paris) }
	tests := []struct {
		cmd  string
		want time.Time
	}{
		{"deadline friday 17:00", at(11, 27, 17, 0)},
		{"deadline vendredi 17h", at(11, 27, 17, 0)},
		{"deadline fri", at(11, 27, 17, 0)},
		{"deadline sunday 18:30", at(11, 22, 18, 30)}, // later today
		{"deadline sunday 09:00", at(11, 29, 9, 0)},   // today's has passed
		{"deadline 2026-12-18 12:00", at(12, 18, 12, 0)},
		{"deadline 18/12/2026", at(12, 18, 17, 0)},
		{"deadline tomorrow 9h", at(11, 23, 9, 0)},
		{"deadline demain", at(11, 23, 17, 0)},
		{"deadline 3d", now0.Add(72 * time.Hour)},
	}
	for _, tt := range tests {
		h := newReviewHarness(t, 0)
		h.as(ana, "start Checkout")
		posts := h.as(ana, tt.cmd)
		if got := h.workshop().Deadline; !got.Equal(tt.want) {
			t.Errorf("%s: deadline %v, want %v (%v)", tt.cmd, got.In(paris), tt.want, posts)
		}
	}
	for _, bad := range []string{"deadline next week", "deadline 2026-02-30", "deadline friday 25:00", "deadline 2026-11-01", "deadline yesterday"} {
		h := newReviewHarness(t, 0)
		h.as(ana, "start Checkout")
		p := only(t, h.as(ana, bad), true)
		if p.Kind != engine.KindError || !h.workshop().Deadline.IsZero() {
			t.Errorf("%s: %s %q, deadline %v; want a refusal and no deadline", bad, p.Kind, p.text(), h.workshop().Deadline)
		}
	}
}

// A plan gives each step a length: the current step is due a length from
// now, and a step opened by next a length from then; the deadline is in
// the step message, the header and status; only the facilitator plans.
func TestPlanGivesStepsDeadlines(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	if p := only(t, h.as(ben, "plan 2d"), true); p.Kind != engine.KindError || !strings.Contains(p.text(), "@ana") {
		t.Errorf("plan by ben: %s %q, want a refusal", p.Kind, p.text())
	}
	posts := h.as(ana, "plan 2d")
	if w := h.workshop(); !w.Deadline.Equal(now0.Add(48*time.Hour)) || len(w.Plan) != len(workshop.Steps) {
		t.Fatalf("after plan 2d: deadline %v, plan %v", w.Deadline, w.Plan)
	}
	if len(posts) != 1 || !strings.Contains(posts[0].text(), "Goals 2 days, due Tue 24 Nov 2026 at 11:00 (CET) · Personas 2 days") {
		t.Errorf("plan announcement: %v", posts)
	}
	h.rec.mu.Lock()
	updates := append([]engine.Message(nil), h.rec.updates...)
	h.rec.mu.Unlock()
	var step, header bool
	for _, u := range updates {
		text := rich.PlainBlocks(u.Blocks)
		step = step || u.Kind == engine.KindStep && strings.Contains(text, "⏰ Goals is due Tue 24 Nov 2026 at 11:00 (CET)")
		header = header || u.Kind == engine.KindHeader && strings.Contains(text, "⏰ Goals is due")
	}
	if !step || !header {
		t.Errorf("deadline shown in the step message %v, the header %v", step, header)
	}
	h.reply("ben", "Why churn?")
	h.clock.Set(now0.Add(30 * time.Hour))
	h.as(ana, "plan personas=1d touchpoints=12h")
	posts = h.as(ana, "next")
	if w := h.workshop(); !w.Deadline.Equal(now0.Add(54 * time.Hour)) {
		t.Errorf("personas opened at +30h for a day: due %v, want %v", w.Deadline, now0.Add(54*time.Hour))
	}
	var stepMsg posted
	for _, p := range posts {
		if p.Kind == engine.KindStep {
			stepMsg = p
		}
	}
	if !strings.Contains(stepMsg.text(), "⏰ Personas is due") {
		t.Errorf("the new step's message has no deadline:\n%s", stepMsg.text())
	}
	// The deadline is an instant surfaces can show in each reader's zone.
	found := false
	for _, b := range stepMsg.Blocks {
		for _, sp := range b.Text {
			found = found || sp.Kind == rich.KindTime && sp.At.Equal(now0.Add(54*time.Hour))
		}
	}
	if !found {
		t.Error("the step message's deadline is not a time span")
	}
	if st := only(t, h.as(ben, "status"), true).text(); !strings.Contains(st, "⏰ Personas is due") {
		t.Errorf("status lacks the deadline:\n%s", st)
	}
	h.as(ana, "deadline off")
	if !h.workshop().Deadline.IsZero() {
		t.Error("deadline off left a deadline")
	}
	h.as(ana, "plan off")
	if w := h.workshop(); w.Plan != nil || !w.Deadline.IsZero() {
		t.Errorf("plan off left %v %v", w.Plan, w.Deadline)
	}
	for _, bad := range []string{"plan soon", "plan nowhere=2d", "plan goals=2w"} {
		if p := only(t, h.as(ana, bad), true); p.Kind != engine.KindError {
			t.Errorf("%s: %q, want a refusal", bad, p.text())
		}
	}
}

// In French, around the same instants.
func TestDeadlineInFrench(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Parcours")
	h.as(ana, "lang fr")
	p := only(t, h.as(ana, "deadline vendredi 17h30"), false)
	if want := "a fixé l'échéance de l'étape Objectifs\u00a0: 27 novembre 2026 à 17\u00a0h\u00a030 (CET)"; !strings.Contains(p.text(), want) {
		t.Errorf("French deadline:\n%s\nwant %q", p.text(), want)
	}
}

// At a deadline, without autopilot, the facilitator gets one digest in a
// direct message: the step's items and who contributed to it, with Next
// step and Extend 1 day; the digest's Extend moves the deadline a day.
func TestDeadlineDigest(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	h.as(ana, "plan 1d")
	h.reply("ben", "Why churn?\nWhere do we lose trust?")
	due := h.workshop().Deadline
	h.clock.Set(due.Add(time.Minute))
	// A replica that lost the claim marks the deadline done first: the one
	// that won still sends the digest.
	if _, err := h.store.UpdateMeta(t.Context(), "W1", func(m *workshop.Meta) error { m.DeadlineDone = true; return nil }); err != nil {
		t.Fatal(err)
	}
	n := h.rec.count()
	if err := h.eng.Deadline(t.Context(), "W1", workshop.Goals, due); err != nil {
		t.Fatal(err)
	}
	posts := h.rec.since(n)
	if len(posts) != 1 || !posts[0].Direct || posts[0].User != "ana" || posts[0].Kind != engine.KindDigest {
		t.Fatalf("want one DM to ana, got %+v", posts)
	}
	d := posts[0]
	for _, want := range []string{"Deadline reached: Goals · Checkout", "2 items · 1 contributor: @ben"} {
		if !strings.Contains(d.text(), want) {
			t.Errorf("digest lacks %q:\n%s", want, d.text())
		}
	}
	var ids []string
	for _, a := range d.Actions {
		ids = append(ids, a.ID+"="+a.Command)
	}
	if got := strings.Join(ids, ","); got != "next=next W1,extend=deadline W1 1d" {
		t.Errorf("digest buttons %s", got)
	}
	// A deadline that changed meanwhile is left alone.
	n = h.rec.count()
	if err := h.eng.Deadline(t.Context(), "W1", workshop.Goals, due.Add(-time.Hour)); err != nil || len(h.rec.since(n)) != 0 {
		t.Errorf("a stale deadline: %v, %d posts", err, len(h.rec.since(n)))
	}
	if p := only(t, h.press(ben, engine.ActionExtend, "W1 goals"), true); p.Kind != engine.KindError {
		t.Errorf("extend by ben: %q, want a refusal", p.text())
	}
	h.press(ana, engine.ActionExtend, "W1 goals")
	if w := h.workshop(); !w.Deadline.Equal(due.Add(time.Minute).Add(24*time.Hour)) || w.DeadlineDone {
		t.Errorf("extended to %v (done %v), want a day after now", w.Deadline, w.DeadlineDone)
	}
}

// With autopilot on, a step with input moves on at its deadline, and the
// next step gets its planned deadline; an empty step is extended once by a
// day, and after that the facilitator gets the digest.
func TestAutopilot(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	h.as(ana, "plan 1d")
	if p := only(t, h.as(ben, "autopilot on"), true); p.Kind != engine.KindError {
		t.Errorf("autopilot by ben: %q, want a refusal", p.text())
	}
	h.as(ana, "autopilot on")
	h.reply("ben", "Why churn?")
	due := h.workshop().Deadline
	h.clock.Set(due)
	if err := h.eng.Deadline(t.Context(), "W1", workshop.Goals, due); err != nil {
		t.Fatal(err)
	}
	w := h.workshop()
	if w.Step != workshop.Personas || !w.Deadline.Equal(due.Add(24*time.Hour)) {
		t.Fatalf("autopilot: step %s due %v, want personas due a day later", w.Step.Key(), w.Deadline)
	}
	// Personas gets nothing: extended once, then the digest.
	due = w.Deadline
	h.clock.Set(due)
	n := h.rec.count()
	if err := h.eng.Deadline(t.Context(), "W1", workshop.Personas, due); err != nil {
		t.Fatal(err)
	}
	if w := h.workshop(); w.Step != workshop.Personas || !w.Deadline.Equal(due.Add(24*time.Hour)) || !w.Extended {
		t.Fatalf("empty step: %s due %v extended %v", w.Step.Key(), w.Deadline, w.Extended)
	}
	if posts := h.rec.since(n); len(posts) != 1 || !strings.Contains(posts[0].text(), "has no input yet") {
		t.Errorf("extension not announced: %v", posts)
	}
	due = h.workshop().Deadline
	h.clock.Set(due)
	n = h.rec.count()
	if err := h.eng.Deadline(t.Context(), "W1", workshop.Personas, due); err != nil {
		t.Fatal(err)
	}
	if posts := h.rec.since(n); len(posts) != 1 || posts[0].Kind != engine.KindDigest || h.workshop().Step != workshop.Personas {
		t.Errorf("after the one extension, want a digest and no move: %v", posts)
	}
}

// members is a Directory of fixed channel members.
type members map[string][]engine.Member

func (d members) Members(_ context.Context, channel string) ([]engine.Member, error) {
	return d[channel], nil
}

// A nudge pass nudges the members in their working hours, plans the next
// pass at the next zone's morning, and names whom it nudged, so the next
// pass neither claims them again nor plans a pass for them; a nudge
// claimed elsewhere is not sent but counts as done.
func TestNudgePassesRememberWhoTheyNudged(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	tue := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // 10:00 in Paris, 18:00 in Tokyo
	dir := members{channel: {{ID: "ana", TZ: "Europe/Paris"}, {ID: "ben", TZ: "Europe/Paris"}, {ID: "chloe", TZ: "Asia/Tokyo"}}}
	eng := engine.New(engine.Config{Store: store, Notifier: rec, Catalog: prompts.MustLoad(), Now: func() time.Time { return tue },
		Directory: dir, Schedules: review.Schedules{}})
	h := &harness{t: t, eng: eng, rec: rec, store: store}
	h.cmd("ana", "start Checkout")
	h.reply("ben", "Why churn?")
	if _, err := store.UpdateMeta(t.Context(), "W1", func(m *workshop.Meta) error {
		m.SetDeadline(time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), tue)
		m.NudgeAt = tue
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var claimed []string
	taken := map[string]bool{}
	claim := func(keys []string) ([]bool, error) {
		got := make([]bool, len(keys))
		for i, k := range keys {
			claimed = append(claimed, k)
			got[i] = !taken[k]
		}
		return got, nil
	}
	pass := func(at time.Time) workshop.NudgePlan {
		t.Helper()
		m, err := store.LoadMeta(t.Context(), "W1")
		if err != nil {
			t.Fatal(err)
		}
		plans, err := eng.NudgeAll(t.Context(), []*workshop.Meta{m}, at, claim)
		if err != nil || len(plans) != 1 {
			t.Fatalf("NudgeAll at %v = %v, %v", at, plans, err)
		}
		if _, err := store.UpdateMeta(t.Context(), "W1", func(m *workshop.Meta) error { m.ApplyNudges(plans[0]); return nil }); err != nil {
			t.Fatal(err)
		}
		return plans[0]
	}
	dmsTo := func(n int) []string {
		var out []string
		for _, p := range rec.since(n) {
			if p.Direct {
				out = append(out, p.User)
			}
		}
		return out
	}

	n := rec.count()
	wed := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo
	if p := pass(tue); !slices.Equal(p.Nudged, []string{"ana"}) || !p.Next.Equal(wed) {
		t.Errorf("first pass: nudged %q, next %v; want ana, then Tokyo's morning %v", p.Nudged, p.Next, wed)
	}
	if got := dmsTo(n); !slices.Equal(got, []string{"ana"}) {
		t.Errorf("first pass DMs to %q, want ana (ben contributed, chloe is asleep)", got)
	}
	// Another replica took chloe's nudge: not sent here, yet done.
	taken[engine.NudgeClaimKey("W1", 0, workshop.Goals, "chloe")] = true
	n, claimed = rec.count(), nil
	if p := pass(wed); !slices.Equal(p.Nudged, []string{"chloe"}) || !p.Next.IsZero() {
		t.Errorf("second pass: nudged %q, next %v; want chloe and no more passes (ana is done)", p.Nudged, p.Next)
	}
	if got := dmsTo(n); len(got) != 0 {
		t.Errorf("second pass DMs to %q, want none (chloe's was claimed elsewhere)", got)
	}
	if len(claimed) != 1 {
		t.Errorf("second pass claimed %q, want chloe's alone", claimed)
	}
	if m, _ := store.LoadMeta(t.Context(), "W1"); !slices.Equal(m.Nudged, []string{"ana", "chloe"}) || !m.NudgeAt.IsZero() || m.NudgesPending() {
		t.Errorf("after the passes: nudged %q, next pass %v", m.Nudged, m.NudgeAt)
	}
}
