package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// Review reminders end to end: several `journeybot serve` processes (app.Run
// in goroutines) on one real Redis and one fake Slack Web API.

const reviewSecret = "review-test-secret"

// rvClock is the clock every replica of a test reads, moved by the test so
// minutes pass in milliseconds.
type rvClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rvClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *rvClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type rvLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *rvLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *rvLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// rvReplica is one running `journeybot serve`.
type rvReplica struct {
	t       *testing.T
	addr    string
	cancel  context.CancelFunc
	done    chan error
	log     *rvLog
	stopped bool
}

func rvEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	_, prefix := redistest.Client(t)
	return map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": reviewSecret, "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redistestURL(), "REDIS_PREFIX": prefix, "ADDR": "127.0.0.1:0",
		"REVIEW_MIN_INTERVAL": "1m", "LOG_FORMAT": "text", "LOG_LEVEL": "info",
	}
}

// rvStart runs serve with the given clock (nil: the real one) and review
// tick (zero: the default), until stop or the end of the test.
func rvStart(t *testing.T, env map[string]string, now func() time.Time, tick time.Duration) *rvReplica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &rvReplica{t: t, cancel: cancel, done: make(chan error, 1), log: &rvLog{}}
	addrc := make(chan string, 1)
	go func() {
		r.done <- Run(ctx, Env{
			Args: []string{"journeybot", "serve"}, Getenv: func(k string) string { return env[k] },
			Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: r.log,
			Listening: func(a string) { addrc <- a },
			now:       now, reviewTick: tick,
		})
	}()
	select {
	case r.addr = <-addrc:
	case err := <-r.done:
		t.Fatalf("serve stopped: %v\n%s", err, r.log)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not listen\n%s", r.log)
	}
	t.Cleanup(r.stop)
	return r
}

// stop ends the process as SIGTERM would, and waits for it.
func (r *rvReplica) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("serve returned %v\n%s", err, r.log)
		}
	case <-time.After(30 * time.Second):
		r.t.Errorf("serve did not stop\n%s", r.log)
	}
}

func (r *rvReplica) signed(path string, body []byte, contentType string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+path, bytes.NewReader(body))
	req.Header = fakeslack.Sign(reviewSecret, body, time.Now())
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
}

func (r *rvReplica) command(user, text string) {
	r.t.Helper()
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "trigger_id": {"TR"}}
	r.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded")
}

func (r *rvReplica) press(user, action, value string) {
	r.t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TR",
		"actions": []map[string]any{{"action_id": action, "block_id": "actions", "value": value, "type": "button"}},
	})
	r.signed("/slack/interactions", []byte(url.Values{"payload": {string(payload)}}.Encode()), "application/x-www-form-urlencoded")
}

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

// rvWait polls cond until it holds or the timeout passes.
func rvWait(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rvNotice waits for a top-level message in C1 whose fallback text holds s.
func rvNotice(t *testing.T, fake *fakeslack.Server, s string) {
	t.Helper()
	rvWait(t, "a message saying "+s, 5*time.Second, func() bool {
		for _, m := range fake.Messages("C1") {
			if !m.Ephemeral && strings.Contains(m.Text, s) {
				return true
			}
		}
		return false
	})
}

func rvExport(t *testing.T, env map[string]string) export.Document {
	t.Helper()
	js, errOut, err := runApp(t, env, "", "export", "-workshop", "W1", "-format", "json")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	var doc export.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
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
	fake := fakeslack.New()
	defer fake.Close()
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	env := rvEnv(t, fake)
	clk := &rvClock{t: time.Date(2026, 6, 1, 10, 0, 30, 0, time.UTC)}
	const tick = 10 * time.Millisecond
	rs := []*rvReplica{rvStart(t, env, clk.Now, tick), rvStart(t, env, clk.Now, tick), rvStart(t, env, clk.Now, tick)}

	rs[0].command("U1", "start Checkout")
	rvNotice(t, fake, "Step 1/7")
	rs[1].command("U1", `review "* * * * *"`)
	rvNotice(t, fake, "scheduled review reminders")
	for _, m := range fake.Messages("C1") {
		if strings.Contains(m.Text, "scheduled review reminders") &&
			!strings.Contains(m.Text, "Mon 1 Jun 2026 at 12:01 (CEST) · Mon 1 Jun 2026 at 12:02 (CEST) · Mon 1 Jun 2026 at 12:03 (CEST)") {
			t.Errorf("confirmation without the next three dates in the facilitator's zone: %s", m.Text)
		}
	}

	minute := func(m int) time.Time { return time.Date(2026, 6, 1, 10, m, 0, 0, time.UTC) }
	// settle lets every replica tick many times, so a duplicate would show.
	settle := func() { time.Sleep(40 * tick) }
	var want []time.Time
	late := map[int]bool{}
	for m := 1; m <= 3; m++ {
		// Several ticks within the minute, then past it.
		clk.Set(minute(m).Add(-20 * time.Second))
		settle()
		clk.Set(minute(m).Add(time.Second))
		want = append(want, minute(m))
		rvWait(t, fmt.Sprintf("reminder %d", m), 5*time.Second, func() bool { return len(rvReminders(t, fake)) >= len(want) })
		settle()
		checkReminders(t, rvReminders(t, fake), want, late)
	}

	// Every replica down for three minutes; one comes back.
	for _, r := range rs {
		r.stop()
	}
	clk.Set(minute(6).Add(20 * time.Second))
	back := rvStart(t, env, clk.Now, tick)
	want = append(want, minute(6))
	late[len(want)-1] = true
	rvWait(t, "the late reminder", 5*time.Second, func() bool { return len(rvReminders(t, fake)) >= len(want) })
	settle()
	checkReminders(t, rvReminders(t, fake), want, late)
	clk.Set(minute(7).Add(time.Second))
	want = append(want, minute(7))
	rvWait(t, "the reminder after the late one", 5*time.Second, func() bool { return len(rvReminders(t, fake)) >= len(want) })
	settle()
	checkReminders(t, rvReminders(t, fake), want, late)

	// Snooze a week: the facilitator's only.
	value := fmt.Sprintf("W1 %d", minute(7).Unix())
	before := rvExport(t, env).Review
	back.press("U2", "review_snooze", value)
	rvWait(t, "the refusal", 5*time.Second, func() bool {
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && m.User == "U2" && strings.Contains(m.Text, "Only the facilitator") {
				return true
			}
		}
		return false
	})
	back.press("U1", "review_snooze", value)
	rvNotice(t, fake, "snoozed the review reminders")
	after := rvExport(t, env).Review
	if before.NextDue == nil || after.NextDue == nil || after.NextDue.Sub(*before.NextDue) != 7*24*time.Hour {
		t.Errorf("next_due %v after snooze, want a week after %v", after.NextDue, before.NextDue)
	}

	// Start review is anyone's.
	back.press("U2", "review_start", value)
	rvNotice(t, fake, "started review round 1")
	if doc := rvExport(t, env); doc.Round != 1 || len(doc.Versions) != 2 || doc.Review.LastReview == nil {
		t.Errorf("after Start review: round %d, versions %+v", doc.Round, doc.Versions)
	}

	// Stop reminders turns the schedule off, for good.
	back.press("U1", "review_stop", value)
	rvNotice(t, fake, "stopped the review reminders")
	doc := rvExport(t, env)
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
	settle()
	checkReminders(t, rvReminders(t, fake), want, late)
}

// TestReviewRemindersRealTime is the same acceptance run on the real
// clock, as a user would check it: it takes about eight minutes, so it runs
// only with JOURNEYBOT_SLOW=1.
func TestReviewRemindersRealTime(t *testing.T) {
	if os.Getenv("JOURNEYBOT_SLOW") != "1" {
		t.Skip("takes eight minutes of real time; set JOURNEYBOT_SLOW=1 to run it")
	}
	fake := fakeslack.New()
	defer fake.Close()
	env := rvEnv(t, fake)
	rs := []*rvReplica{rvStart(t, env, nil, 0), rvStart(t, env, nil, 0), rvStart(t, env, nil, 0)}

	// Start just after a minute boundary, so the three minutes hold three
	// occurrences whatever the scheduler's tick.
	for s := time.Now().Second(); s < 2 || s > 15; s = time.Now().Second() {
		time.Sleep(200 * time.Millisecond)
	}
	rs[0].command("U1", "start Checkout")
	rvNotice(t, fake, "Step 1/7")
	scheduled := time.Now()
	rs[1].command("U1", `review "* * * * *"`)
	rvNotice(t, fake, "scheduled review reminders")
	first := scheduled.Truncate(time.Minute).Add(time.Minute).UTC()
	time.Sleep(time.Until(scheduled.Add(3*time.Minute + 10*time.Second)))
	want := []time.Time{first, first.Add(time.Minute), first.Add(2 * time.Minute)}
	late := map[int]bool{}
	checkReminders(t, rvReminders(t, fake), want, late)
	t.Logf("three replicas, three minutes: %d reminders", len(rvReminders(t, fake)))

	for _, r := range rs {
		r.stop()
	}
	stopped := time.Now()
	time.Sleep(3 * time.Minute)
	rvStart(t, env, nil, 0)
	restarted := time.Now()
	// The latest occurrence missed, posted late within a tick or two.
	rvWait(t, "the late reminder", 20*time.Second, func() bool { return len(rvReminders(t, fake)) >= 4 })
	want = append(want, restarted.Truncate(time.Minute).UTC())
	late[3] = true
	// Then the next one, on time.
	time.Sleep(time.Until(restarted.Truncate(time.Minute).Add(time.Minute + 15*time.Second)))
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
	console := func(stdin io.Reader, out io.Writer) error {
		return Run(context.Background(), Env{
			Args:   []string{"journeybot", "console", "-state", state, "-user", "ana", "-out", t.TempDir()},
			Getenv: func(k string) string { return env[k] }, Stdin: stdin, Stdout: out, Stderr: io.Discard,
			now: clk.Now, reviewTick: 10 * time.Millisecond,
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

	// Left running: the ticker prints the next one when it comes due.
	pr, pw := io.Pipe()
	live := &rvLog{}
	done := make(chan error, 1)
	go func() { done <- console(pr, live) }()
	time.Sleep(50 * time.Millisecond)
	if strings.Contains(live.String(), "TIME TO REVIEW") {
		t.Fatalf("reminded before the due date:\n%s", live)
	}
	clk.Set(time.Date(2027, 1, 1, 8, 0, 5, 0, time.UTC))
	rvWait(t, "the reminder in a running console", 5*time.Second, func() bool { return strings.Contains(live.String(), "TIME TO REVIEW") })
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(live.String(), "TIME TO REVIEW"); n != 1 {
		t.Errorf("%d reminders in the running console, want 1", n)
	}
}
