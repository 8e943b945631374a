package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/testwait"
)

// Review reminders end to end: several `journeybot serve` processes (app.Run
// in goroutines) on one real Redis and one fake Slack Web API.

// reviewEnv is serveEnv with custom schedules as short as a minute.
func reviewEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	env := serveEnv(t, fake)
	env["REVIEW_MIN_INTERVAL"] = "1m"
	return env
}

// rvClock is the clock every replica of a test reads, moved by the test so
// minutes pass in milliseconds.
type rvClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rvClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *rvClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// rvReminder is a review reminder posted in C1.
type rvReminder struct {
	ID         string
	Occurrence time.Time
	Late       bool
}

// rvReminders lists the review reminders posted in C1, oldest first: the
// top-level messages with a Start review button.
func rvReminders(t *testing.T, fake *fakeslack.Server) []rvReminder {
	t.Helper()
	var out []rvReminder
	for _, m := range fake.Messages("C1") {
		if m.Ephemeral || m.ThreadTS != "" || !bytes.Contains(m.Blocks, []byte(`"review_start"`)) {
			continue
		}
		id, occ := reminderOf(t, m.Blocks)
		out = append(out, rvReminder{ID: id, Occurrence: occ, Late: strings.HasPrefix(m.Text, "Late reminder")})
	}
	return out
}

// reminderOf reads the workshop and occurrence a reminder's buttons carry.
func reminderOf(t *testing.T, blocks json.RawMessage) (string, time.Time) {
	t.Helper()
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == "review_start" {
				id, unix, _ := strings.Cut(e.Value, " ")
				n, err := strconv.ParseInt(unix, 10, 64)
				if err != nil {
					t.Fatalf("button value %q", e.Value)
				}
				return id, time.Unix(n, 0).UTC()
			}
		}
	}
	t.Fatalf("no Start review button in %s", blocks)
	return "", time.Time{}
}

// checkReminders checks the reminders posted so far: want occurrences, in
// order, and which of them were late.
func checkReminders(t *testing.T, got []rvReminder, want []time.Time, late map[int]bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d reminders, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.ID != "W1" || !r.Occurrence.Equal(want[i]) || r.Late != late[i] {
			t.Errorf("reminder %d: %+v, want W1 at %s late=%v", i+1, r, want[i].Format(time.RFC3339), late[i])
		}
	}
}

// TestReviewRemindersThreeReplicas is the acceptance run, with a
// clock the test moves: three serve processes sharing Redis and the fake
// Web API post one reminder a minute; all stopped for three minutes, the
// one started again posts exactly one late reminder, then one a minute;
// Snooze a week and Stop reminders show in the JSON export.
func TestReviewRemindersThreeReplicas(t *testing.T) {
	fake := newFake(t)
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	env := reviewEnv(t, fake)
	clk := &rvClock{t: time.Date(2026, 6, 1, 10, 0, 30, 0, time.UTC)}
	const tick = 10 * time.Millisecond
	clock := withClock(clk.Now, tick)
	rs := []*server{startServe(t, fake, env, clock), startServe(t, fake, env, clock), startServe(t, fake, env, clock)}

	rs[0].command("U1", "start Checkout")
	rs[0].waitNotice("Step 1/7")
	rs[1].command("U1", `review "* * * * *"`)
	rs[1].waitNotice("scheduled review reminders")
	for _, m := range fake.Messages("C1") {
		if strings.Contains(m.Text, "scheduled review reminders") &&
			!strings.Contains(m.Text, "Mon 1 Jun 2026 at 12:01 (CEST) · Mon 1 Jun 2026 at 12:02 (CEST) · Mon 1 Jun 2026 at 12:03 (CEST)") {
			t.Errorf("confirmation without the next three dates in the facilitator's zone: %s", m.Text)
		}
	}

	minute := func(m int) time.Time { return time.Date(2026, 6, 1, 10, m, 0, 0, time.UTC) }
	// waitReminders waits until len(want) reminders were posted, lets every
	// live replica look again several times, so a duplicate would show,
	// and checks them.
	var want []time.Time
	late := map[int]bool{}
	waitReminders := func(live ...*server) {
		t.Helper()
		live[0].waitFor(fmt.Sprintf("reminder %d", len(want)), func() bool { return len(rvReminders(t, fake)) >= len(want) })
		settle(live...)
		checkReminders(t, rvReminders(t, fake), want, late)
	}
	for m := 1; m <= 3; m++ {
		// Rounds within the minute, then past it.
		clk.Set(minute(m).Add(-20 * time.Second))
		settle(rs...)
		clk.Set(minute(m).Add(time.Second))
		want = append(want, minute(m))
		waitReminders(rs...)
	}

	// Every replica down for three minutes; one comes back.
	for _, r := range rs {
		if err := r.stop(); err != nil {
			t.Errorf("serve returned %v\n%s", err, r.logs)
		}
	}
	clk.Set(minute(6).Add(20 * time.Second))
	back := startServe(t, fake, env, clock)
	want = append(want, minute(6))
	late[len(want)-1] = true
	waitReminders(back)
	clk.Set(minute(7).Add(time.Second))
	want = append(want, minute(7))
	waitReminders(back)

	// Snooze a week: the facilitator's only.
	value := fmt.Sprintf("W1 %d", minute(7).Unix())
	before := back.export().Review
	back.press("U2", "review_snooze", value)
	back.waitFor("the refusal", func() bool {
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && m.User == "U2" && strings.Contains(m.Text, "Only the facilitator") {
				return true
			}
		}
		return false
	})
	back.press("U1", "review_snooze", value)
	back.waitNotice("snoozed the review reminders")
	after := back.export().Review
	if before.NextDue == nil || after.NextDue == nil || after.NextDue.Sub(*before.NextDue) != 7*24*time.Hour {
		t.Errorf("next_due %v after snooze, want a week after %v", after.NextDue, before.NextDue)
	}

	// Start review is anyone's.
	back.press("U2", "review_start", value)
	back.waitNotice("started review round 1")
	if doc := back.export(); doc.Round != 1 || len(doc.Versions) != 2 || doc.Review.LastReview == nil {
		t.Errorf("after Start review: round %d, versions %+v", doc.Round, doc.Versions)
	}

	// Stop reminders turns the schedule off, for good.
	back.press("U1", "review_stop", value)
	back.waitNotice("stopped the review reminders")
	doc := back.export()
	if r := doc.Review; r.Cadence != "off" || r.NextDue != nil {
		t.Errorf("after stop: %+v", r)
	}
	var actions []string
	for _, ev := range doc.Review.History {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, ","); got != "scheduled,snoozed,started,stopped" {
		t.Errorf("review history %s", got)
	}
	clk.Set(minute(7).Add(30 * 24 * time.Hour))
	settle(back)
	checkReminders(t, rvReminders(t, fake), want, late)
}

// TestReviewRemindersRealTime is the same acceptance run on the real
// clock, as a user would check it: it takes about eight minutes, so it runs
// only with JOURNEYBOT_SLOW=1. Its waits are on real time, Slack's minute
// boundaries, through testwait.
func TestReviewRemindersRealTime(t *testing.T) {
	if os.Getenv("JOURNEYBOT_SLOW") != "1" {
		t.Skip("takes eight minutes of real time; set JOURNEYBOT_SLOW=1 to run it")
	}
	fake := newFake(t)
	env := reviewEnv(t, fake)
	rs := []*server{startServe(t, fake, env), startServe(t, fake, env), startServe(t, fake, env)}

	// Start just after a minute boundary, so the three minutes hold three
	// occurrences whatever the scheduler's tick.
	if now := time.Now(); now.Second() < 2 || now.Second() > 15 {
		testwait.Until("two seconds past the next minute", now.Truncate(time.Minute).Add(time.Minute+2*time.Second))
	}
	rs[0].command("U1", "start Checkout")
	rs[0].waitNotice("Step 1/7")
	scheduled := time.Now()
	rs[1].command("U1", `review "* * * * *"`)
	rs[1].waitNotice("scheduled review reminders")
	first := scheduled.Truncate(time.Minute).Add(time.Minute).UTC()
	testwait.Until("three minutes of reminders", scheduled.Add(3*time.Minute+10*time.Second))
	want := []time.Time{first, first.Add(time.Minute), first.Add(2 * time.Minute)}
	late := map[int]bool{}
	checkReminders(t, rvReminders(t, fake), want, late)
	t.Logf("three replicas, three minutes: %d reminders", len(rvReminders(t, fake)))

	for _, r := range rs {
		if err := r.stop(); err != nil {
			t.Errorf("serve returned %v\n%s", err, r.logs)
		}
	}
	stopped := time.Now()
	testwait.Sleep("three minutes with every replica down", 3*time.Minute)
	back := startServe(t, fake, env)
	restarted := time.Now()
	// The latest occurrence missed, posted late at the first round.
	back.waitFor("the late reminder", func() bool { return len(rvReminders(t, fake)) >= 4 })
	want = append(want, restarted.Truncate(time.Minute).UTC())
	late[3] = true
	// Then the next one, on time.
	testwait.Until("the minute after the restart, and a tick or two", restarted.Truncate(time.Minute).Add(time.Minute+15*time.Second))
	want = append(want, restarted.Truncate(time.Minute).Add(time.Minute).UTC())
	checkReminders(t, rvReminders(t, fake), want, late)
	t.Logf("stopped at %s, restarted at %s: reminders %+v", stopped.Format(time.TimeOnly), restarted.Format(time.TimeOnly), rvReminders(t, fake))
}

// The console reminds too: when it starts with a reminder due, and while
// it is left running, from a ticker.
func TestConsoleReviewReminders(t *testing.T) {
	state := t.TempDir() + "/state.db"
	clk := &rvClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	env := map[string]string{"DEFAULT_TZ": "Europe/Paris"}
	var rounds atomic.Int64
	console := func(stdin io.Reader, out io.Writer) error {
		return Run(context.Background(), Env{
			Args:   []string{"journeybot", "console", "-state", state, "-user", "ana", "-out", t.TempDir()},
			Getenv: func(k string) string { return env[k] }, Stdin: stdin, Stdout: out, Stderr: io.Discard,
			now: clk.Now, reviewTick: 10 * time.Millisecond,
			reviewRan: func() { rounds.Add(1); served.Notify() },
		})
	}
	var out bytes.Buffer
	if err := console(strings.NewReader("/journey start Checkout\n/journey review monthly\n"), &out); err != nil {
		t.Fatal(err)
	}
	if want := "Next three: Tue 1 Dec 2026 at 09:00 (CET) · Fri 1 Jan 2027 at 09:00 (CET) · Mon 1 Feb 2027 at 09:00 (CET)"; !strings.Contains(out.String(), want) {
		t.Errorf("console confirmation lacks %q:\n%s", want, out.String())
	}

	// Opened after the due date: the reminder comes first.
	clk.Set(time.Date(2026, 12, 1, 8, 0, 20, 0, time.UTC))
	out.Reset()
	if err := console(strings.NewReader("/journey status\n"), &out); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(out.String(), "/journey status")
	for _, want := range []string{"TIME TO REVIEW: CHECKOUT", "[Start review] → /journey review start W1\n[Snooze a week] → /journey review snooze W1\n[Stop reminders] → /journey review off W1", "next reminder: Fri 1 Jan 2027 at 09:00 (CET)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Count(out.String(), "TIME TO REVIEW") != 1 || !strings.HasPrefix(strings.TrimSpace(first), "───") {
		t.Errorf("want one reminder, before the script's lines:\n%s", out.String())
	}

	// Left running: the ticker prints the next one when it comes due. A
	// round prints what it reminds before it ends, so after a round the
	// output is final for the clock it read.
	looked := func(what string, n int64) {
		t.Helper()
		want := rounds.Load() + n
		await(t, nil, what, func() bool { return rounds.Load() >= want }, func() string { return "" })
	}
	pr, pw := io.Pipe()
	live := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- console(pr, live) }()
	looked("the running console's first ticks", 3)
	if strings.Contains(live.String(), "TIME TO REVIEW") {
		t.Fatalf("reminded before the due date:\n%s", live)
	}
	clk.Set(time.Date(2027, 1, 1, 8, 0, 5, 0, time.UTC))
	// The round under way may have read the clock before it moved.
	looked("two ticks after the due date", 2)
	looked("more ticks, for a duplicate to show", 3)
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(live.String(), "TIME TO REVIEW"); n != 1 {
		t.Errorf("%d reminders in the running console, want 1:\n%s", n, live)
	}
}
