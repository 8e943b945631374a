package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// movable is a clock the test sets.
type movable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movable) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movable) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// curves is a ChartRenderer that keeps what it was asked to draw.
type curves struct {
	mu       sync.Mutex
	got      []engine.Curve
	matrices []engine.Matrix
}

func (c *curves) RenderMatrix(_ context.Context, m engine.Matrix) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.matrices = append(c.matrices, m)
	return []byte("matrix png"), nil
}

func (c *curves) RenderCurve(_ context.Context, cv engine.Curve) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, cv)
	return []byte("png"), nil
}

func (c *curves) last() engine.Curve {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[len(c.got)-1]
}

type reviewHarness struct {
	*harness
	clock  *movable
	charts *curves
}

// 22 November 2026, 10:00 UTC: a Sunday.
var now0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newReviewHarness(t *testing.T, min time.Duration) *reviewHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	clk := &movable{t: now0}
	ny, _ := time.LoadLocation("America/New_York")
	ch := &curves{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{},
		Store: store, Notifier: rec, Catalog: prompts.MustLoad(), Now: clk.Now, Charts: ch,
		DefaultTZ: ny, ReviewMinInterval: min,
	})
	return &reviewHarness{harness: &harness{t: t, eng: eng, rec: rec, store: store}, clock: clk, charts: ch}
}

// as runs a command as a user in a time zone.
func (h *reviewHarness) as(a engine.Actor, text string) []posted {
	h.t.Helper()
	n := h.rec.count()
	if err := h.eng.Command(context.Background(), engine.Command{Channel: channel, Actor: a, Text: text}); err != nil {
		h.t.Fatalf("/journey %s: %v", text, err)
	}
	return h.rec.since(n)
}

func (h *reviewHarness) press(a engine.Actor, action, value string) []posted {
	h.t.Helper()
	n := h.rec.count()
	if err := h.eng.Press(context.Background(), channel, a, action, value); err != nil {
		h.t.Fatalf("press %s: %v", action, err)
	}
	return h.rec.since(n)
}

func (h *reviewHarness) exportDoc() export.Document {
	h.t.Helper()
	files, err := h.eng.ExportFiles(context.Background(), h.workshop(), export.JSON)
	if err != nil {
		h.t.Fatal(err)
	}
	var doc export.Document
	if err := json.Unmarshal(files[len(files)-1].Data, &doc); err != nil {
		h.t.Fatal(err)
	}
	return doc
}

var (
	ana  = engine.Actor{ID: "ana", TZ: "Europe/Paris"}
	ben  = engine.Actor{ID: "ben", TZ: "Asia/Tokyo"}
	root = engine.Actor{ID: "root", Admin: true}
)

func noMissingKeys(t *testing.T, posts []posted) {
	t.Helper()
	for _, p := range posts {
		if strings.Contains(p.text(), "‹") {
			t.Errorf("message with a missing sentence:\n%s", p.text())
		}
	}
}

func TestReviewScheduleConfirmsNextThreeDates(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	p := only(t, h.as(ana, "review monthly"), false)
	noMissingKeys(t, []posted{p})
	for _, want := range []string{"monthly", "Europe/Paris",
		"Tue 1 Dec 2026 at 09:00 (CET)", "Fri 1 Jan 2027 at 09:00 (CET)", "Mon 1 Feb 2027 at 09:00 (CET)"} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("confirmation lacks %q:\n%s", want, p.text())
		}
	}
	w := h.workshop()
	wantDue := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	if r := w.Review; r.Cadence != workshop.CadenceMonthly || r.Spec != review.MonthlySpec || r.TZ != "Europe/Paris" || !r.NextDue.Equal(wantDue) {
		t.Errorf("review %+v", r)
	}
	if ids, _ := h.store.Due(context.Background(), wantDue, 10); len(ids) != 1 {
		t.Errorf("due index %v, want W1", ids)
	}
	if u := h.rec.updates[len(h.rec.updates)-1]; !strings.Contains(rich.PlainBlocks(u.Blocks), "Reviews: monthly") {
		t.Errorf("header not refreshed with the schedule: %v", u.Plain())
	}

	// Quarterly in the facilitator's zone after a handover: ben is in Tokyo.
	h.as(ana, "facilitator @ben")
	p = only(t, h.as(ben, "review quarterly"), false)
	for _, want := range []string{"Fri 1 Jan 2027 at 09:00 (JST)", "Thu 1 Apr 2027 at 09:00 (JST)", "Thu 1 Jul 2027 at 09:00 (JST)"} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("quarterly confirmation lacks %q:\n%s", want, p.text())
		}
	}
	// Unknown zone: DEFAULT_TZ (New York here).
	h.as(ben, "facilitator @cid")
	p = only(t, h.as(engine.Actor{ID: "cid"}, "review monthly"), false)
	if !strings.Contains(p.text(), "Tue 1 Dec 2026 at 09:00 (EST)") {
		t.Errorf("default zone not used:\n%s", p.text())
	}
	if doc := h.exportDoc(); doc.Review.Cadence != "monthly" || doc.Review.TZ != "America/New_York" || len(doc.Review.History) != 3 {
		t.Errorf("export review %+v", doc.Review)
	}
}

func TestReviewCommandRefusals(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	tests := []struct {
		who  engine.Actor
		cmd  string
		want string
	}{
		{ben, "review monthly", "Only the facilitator (@ana) can schedule reviews"},
		{ana, `review "* * * * *"`, "only 1 minute apart"},
		{ana, `review "* * * * *"`, "at least 24 hours apart"},
		{ana, `review "0 9,17 * * *"`, "8 hours apart"},
		{ana, `review "0 9 * *"`, "has 4 fields"},
		{ana, `review "61 9 * * *"`, "can't read the schedule “61 9 * * *”: “61” is not a valid minute (0 to 59"},
		{ana, `review "0 9 * 13 *"`, "“13” is not a valid month (1 to 12, or JAN to DEC)"},
		{ana, `review "0 9 30 2 *"`, "never comes round"},
		{ana, `review "<!channel> 9 * * *"`, "“<!channel> 9 * * *”"},
		{ana, "review off", "already off"},
		{ana, "review", `/journey review "0 9 * * 1"`},
	}
	for _, tt := range tests {
		p := only(t, h.as(tt.who, tt.cmd), true)
		if !strings.Contains(p.text(), tt.want) {
			t.Errorf("%s by %s: %q, want %q", tt.cmd, tt.who.ID, p.text(), tt.want)
		}
		noMissingKeys(t, []posted{p})
	}
	if w := h.workshop(); w.Review.Active() {
		t.Errorf("a refused command scheduled reviews: %+v", w.Review)
	}
	// An admin may schedule; a custom spec at the server's minimum is fine.
	only(t, h.as(root, `review "0 9 * * 1"`), false)
	if r := h.workshop().Review; r.Cadence != workshop.CadenceCustom || r.Spec != "0 9 * * 1" {
		t.Errorf("custom review %+v", r)
	}
}

func TestReviewMinimumIntervalIsConfigurable(t *testing.T) {
	h := newReviewHarness(t, time.Minute)
	h.as(ana, "start Checkout")
	p := only(t, h.as(ana, "review * * * * *"), false) // unquoted works too
	if !strings.Contains(p.text(), "Sun 22 Nov 2026 at 11:01 (CET)") {
		t.Errorf("every minute: %s", p.text())
	}
}

// seed makes a workshop with two touchpoints (one negative) and two changes
// (one overdue), reviewed monthly from Paris.
func seed(h *reviewHarness) {
	h.as(ana, "start Checkout")
	h.as(ana, "goto touchpoints")
	h.reply("ben", "Pricing page | website | before | -2 | clear tiers | hidden fees\nDelivery | e-mail | after | 1")
	h.as(ana, "score T1 -1")
	h.as(ana, "goto iterate")
	h.reply("ben", "Show fees early | @leo | 2026-11-01\nRetry cards | @cid | 2027-02-01")
	h.as(ana, "review monthly")
}

func TestReminderMessage(t *testing.T) {
	h := newReviewHarness(t, 0)
	seed(h)
	occ := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	h.clock.Set(occ.Add(3 * time.Second))
	n := h.rec.count()
	if err := h.eng.Remind(context.Background(), "W1", occ, false); err != nil {
		t.Fatal(err)
	}
	p := only(t, h.rec.since(n), false)
	noMissingKeys(t, []posted{p})
	if p.Kind != engine.KindReminder || p.Channel != channel || p.ThreadTS != "" {
		t.Errorf("reminder kind %s channel %s thread %q", p.Kind, p.Channel, p.ThreadTS)
	}
	for _, want := range []string{
		"Time to review: Checkout",
		"Not reviewed since the workshop started on Sun 22 Nov 2026 (8 days ago)",
		"Touchpoints with a negative score (1)", "• T1 😡 Pricing page mean -1.5", "-1.5",
		"Changes past their due date (1)", "Show fees early — @leo — ⚠️ overdue since Sun 1 Nov 2026",
		"next reminder: Fri 1 Jan 2027 at 09:00 (CET)",
	} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("reminder lacks %q:\n%s", want, p.text())
		}
	}
	if strings.Contains(p.text(), "Delivery") || strings.Contains(p.text(), "Retry cards") || strings.Contains(p.text(), "late") {
		t.Errorf("reminder lists what it should not:\n%s", p.text())
	}
	var ids []string
	for _, a := range p.Actions {
		ids = append(ids, a.ID)
		if a.Value != fmt.Sprintf("W1 %d", occ.Unix()) {
			t.Errorf("action %s value %q", a.ID, a.Value)
		}
	}
	if got := strings.Join(ids, ","); got != "review_start,review_snooze,review_stop" {
		t.Errorf("actions %s", got)
	}

	// Late, and in French.
	h.as(ana, "lang fr")
	n = h.rec.count()
	h.clock.Set(occ.Add(3 * 24 * time.Hour))
	if err := h.eng.Remind(context.Background(), "W1", occ, true); err != nil {
		t.Fatal(err)
	}
	p = only(t, h.rec.since(n), false)
	noMissingKeys(t, []posted{p})
	for _, want := range []string{"Rappel de revue en retard", "prévu pour le 1er décembre 2026 à 9\u00a0h (CET)", "Lancer la revue", "Reporter d'une semaine", "Arrêter les rappels"} {
		if !strings.Contains(p.text()+fmt.Sprint(p.Actions), want) {
			t.Errorf("French late reminder lacks %q:\n%s", want, p.text())
		}
	}
}

func TestSnoozeAndStopShowInTheExport(t *testing.T) {
	h := newReviewHarness(t, 0)
	seed(h)
	value := "W1 1764576000"
	before := h.exportDoc().Review
	if before.NextDue == nil || !before.NextDue.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("next due before snooze %v", before.NextDue)
	}
	// Snooze and stop are the facilitator's.
	for _, action := range []string{engine.ActionReviewSnooze, engine.ActionReviewStop} {
		p := only(t, h.press(ben, action, value), true)
		if !strings.Contains(p.text(), "Only the facilitator") {
			t.Errorf("%s by ben: %s", action, p.text())
		}
	}
	p := only(t, h.press(ana, engine.ActionReviewSnooze, value), false)
	if !strings.Contains(p.text(), "Next reminder: Tue 8 Dec 2026 at 09:00 (CET)") {
		t.Errorf("snooze notice: %s", p.text())
	}
	after := h.exportDoc().Review
	if after.NextDue == nil || after.NextDue.Sub(*before.NextDue) != 7*24*time.Hour {
		t.Errorf("next due after snooze %v, want a week after %v", after.NextDue, before.NextDue)
	}
	if last := after.History[len(after.History)-1]; last.Action != workshop.ReviewSnoozed || last.By != "ana" {
		t.Errorf("history %+v", after.History)
	}
	if ids, _ := h.store.Due(context.Background(), *before.NextDue, 10); len(ids) != 0 {
		t.Errorf("still indexed at the old date: %v", ids)
	}

	// Closed workshops keep their reviews; stop works there too.
	h.as(ana, "close")
	p = only(t, h.press(ana, engine.ActionReviewStop, value), false)
	if !strings.Contains(p.text(), "stopped the review reminders") {
		t.Errorf("stop notice: %s", p.text())
	}
	doc := h.exportDoc()
	if doc.Review.Cadence != workshop.CadenceOff || doc.Review.NextDue != nil || doc.Review.History[len(doc.Review.History)-1].Action != workshop.ReviewStopped {
		t.Errorf("after stop: %+v", doc.Review)
	}
	if ids, _ := h.store.Due(context.Background(), now0.Add(365*24*time.Hour), 10); len(ids) != 0 {
		t.Errorf("still indexed after stop: %v", ids)
	}
	// Snoozing stopped reminders says so.
	if p := only(t, h.press(ana, engine.ActionReviewSnooze, value), true); !strings.Contains(p.text(), "nothing to snooze") {
		t.Errorf("snooze when off: %s", p.text())
	}
}

func TestStartReviewOpensANewVersion(t *testing.T) {
	h := newReviewHarness(t, 0)
	seed(h)
	h.as(ana, "close")
	occ := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	h.clock.Set(occ.Add(time.Hour))
	value := fmt.Sprintf("W1 %d", occ.Unix())
	charts := len(h.charts.got)

	posts := h.press(ben, engine.ActionReviewStart, value) // anyone may start a review
	noMissingKeys(t, posts)
	var kinds []string
	for _, p := range posts {
		kinds = append(kinds, p.Kind+":"+p.Step.Key())
	}
	if got := strings.Join(kinds, ","); got != "notice:unknown,step:touchpoints,step:iterate" {
		t.Fatalf("start review posted %s", got)
	}
	if !strings.Contains(posts[0].text(), "@ben started review round 1") || !strings.Contains(posts[1].text(), "Review round 1") {
		t.Errorf("start review texts:\n%s\n%s", posts[0].text(), posts[1].text())
	}
	w := h.workshop()
	if w.Round != 1 || w.Closed() || !w.Review.LastReview.Equal(occ.Add(time.Hour)) || len(w.Rounds) != 1 || w.Rounds[0].StartedBy != "ben" {
		t.Fatalf("after start: round %d closed %v last %s rounds %+v", w.Round, w.Closed(), w.Review.LastReview, w.Rounds)
	}
	if len(h.rec.files) == 0 || !strings.Contains(h.rec.files[len(h.rec.files)-1].Comment.String(), "original map") || len(h.charts.got) != charts+1 {
		t.Errorf("no chart of the version the review starts from: %+v", h.rec.files)
	}
	if h.charts.last().Previous != nil {
		t.Errorf("version 0 has no previous version to compare with: %v", h.charts.last().Previous)
	}

	// A second press on the same reminder starts nothing.
	p := only(t, h.press(engine.Actor{ID: "cid"}, engine.ActionReviewStart, value), true)
	if !strings.Contains(p.text(), "already started") {
		t.Errorf("second start: %s", p.text())
	}
	if h.workshop().Round != 1 {
		t.Fatal("second press started another round")
	}

	// Input in the new threads belongs to round 1; scores too, and earlier
	// scores stand until changed.
	tps := w.StepTS(workshop.Touchpoints)
	if tps != posts[1].TS {
		t.Fatalf("touchpoints thread %s, want the new message %s", tps, posts[1].TS)
	}
	ref, err := h.store.Thread(context.Background(), channel, tps)
	if err != nil || ref.Round != 1 || ref.Step != workshop.Touchpoints {
		t.Fatalf("thread ref %+v %v", ref, err)
	}
	out, _, err := h.eng.Reply(context.Background(), engine.Reply{Channel: channel, ThreadTS: tps, TS: "1800000100.000001", Author: "cid", Text: "Chatbot | website | during | -2"})
	if err != nil || out != engine.Stored {
		t.Fatalf("reply in the review thread: %v %v", out, err)
	}
	h.as(ana, "score T1 +2")
	m0, m1 := h.workshop().MapAt(0), h.workshop().Map()
	if got := m0.Touchpoints[0].Mean(); got != -1.5 {
		t.Errorf("version 0 pricing page mean %v, want -1.5 (unchanged)", got)
	}
	if got := m1.Touchpoints[0].Mean(); got != 0 {
		t.Errorf("version 1 pricing page mean %v, want 0 (ben's -2 stands, ana's +2)", got)
	}
	if len(m0.Touchpoints) != 2 || len(m1.Touchpoints) != 3 {
		t.Errorf("touchpoints per version: %d, %d", len(m0.Touchpoints), len(m1.Touchpoints))
	}

	// The next chart shows the previous version beside the new one.
	h.as(ana, "chart")
	prev := h.charts.last().Previous
	if prev["Pricing page"] != -1.5 || prev["Delivery"] != 1 || len(prev) != 2 {
		t.Errorf("previous curve %v", prev)
	}
	doc := h.exportDoc()
	if len(doc.Versions) != 2 || doc.Versions[1].Round != 1 || doc.Versions[1].StartedBy != "ben" || doc.Review.LastReview == nil {
		t.Errorf("export versions %+v review %+v", doc.Versions, doc.Review)
	}
	if len(doc.Versions) == 2 && (doc.Versions[0].Touchpoints[0].Mean != -1.5 || doc.Versions[1].Touchpoints[0].Mean != 0) {
		t.Errorf("version means %+v", doc.Versions)
	}
	// The header and status say which version the map is at.
	if st := only(t, h.as(ana, "status"), true).Plain(); !strings.Contains(st, "Version 1 of the map") {
		t.Errorf("status lacks the version:\n%s", st)
	}
}

// What a reminder's buttons do can be typed: `review start`, `review
// snooze`, `review off`, each button naming its command; the header keeps
// the step totals whichever way it is rewritten.
func TestReviewButtonsHaveCommands(t *testing.T) {
	h := newReviewHarness(t, 0)
	h.as(ana, "start Checkout")
	h.reply("ben", "Why churn?")
	h.as(ana, "review monthly")
	if err := h.eng.Remind(context.Background(), "W1", now0, false); err != nil {
		t.Fatal(err)
	}
	reminder := h.rec.posts[len(h.rec.posts)-1]
	var cmds []string
	for _, a := range reminder.Actions {
		cmds = append(cmds, a.Command)
	}
	if got := strings.Join(cmds, ","); got != "review start W1,review snooze W1,review off W1" {
		t.Errorf("reminder buttons' commands %q", got)
	}
	headerHasGoal := func(after string) {
		t.Helper()
		h.rec.mu.Lock()
		u := h.rec.updates[len(h.rec.updates)-1]
		h.rec.mu.Unlock()
		if !strings.Contains(rich.PlainBlocks(u.Blocks), "1. Goals (1)") {
			t.Errorf("after %s the header lost the step totals:\n%s", after, u.Plain())
		}
	}
	if p := only(t, h.as(ben, "review snooze"), true); p.Kind != engine.KindError || !strings.Contains(p.text(), "@ana") {
		t.Errorf("snooze by ben: %s %q, want a refusal", p.Kind, p.text())
	}
	if p := only(t, h.as(ana, "review snooze W1"), false); !strings.Contains(p.text(), "snoozed") {
		t.Errorf("snooze: %q", p.text())
	}
	headerHasGoal("review snooze")
	if w := h.workshop(); !w.Review.NextDue.Equal(time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("snoozed to %v, want a week after 1 Dec 09:00 Paris", w.Review.NextDue)
	}
	posts := h.as(ben, "review start") // anyone may start a review
	if len(posts) == 0 || !strings.Contains(posts[0].text(), "@ben started review round 1") || h.workshop().Round != 1 {
		t.Errorf("review start by ben: round %d, %v", h.workshop().Round, posts)
	}
	h.as(ana, "review off")
	headerHasGoal("review off")
	if h.workshop().Review.Active() {
		t.Error("review off left reminders on")
	}
}
