package app

// The app test harness: `journeybot serve` run in the test's process
// (Run in a goroutine, as main runs it) against a fake Slack Web API and a
// real Redis, and every way a test talks to it and waits on it. Several
// servers on one environment are replicas of one bot.
//
// Every wait is on the thing itself: a call the fake records, a write
// serve makes to its store (watched through Env.wrapStore), a round of its
// review scheduler (Env.reviewRan). None polls or sleeps.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/workshop"
)

// serveWait bounds every wait on serve's own work; the work is local, so
// it is reached only when something is broken.
const serveWait = 15 * time.Second

const testSecret = "serve-test-secret"

// replyTS numbers the replies of a test binary: message timestamps are
// unique in a channel, whichever replica receives the message.
var replyTS atomic.Int64

// server is one running `journeybot serve`.
type server struct {
	t    *testing.T
	fake *fakeslack.Server
	env  map[string]string
	addr string
	logs *syncBuffer
	// store is serve's own store, for looking at what it wrote.
	store workshop.Store
	// rounds counts the rounds its review scheduler finished.
	rounds atomic.Int64
	// states are the OAuth states its install pages gave (teams_test.go).
	states []string

	cancel  context.CancelFunc
	done    chan struct{} // closed when Run has returned
	err     error         // what Run returned, once done is closed
	stopped bool
}

// newFake starts a fake Slack that closes when the test ends, after the
// servers started later have stopped (cleanups run last first).
func newFake(t *testing.T) *fakeslack.Server {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	return fake
}

// serveEnv is the environment of serve in HTTP mode, on the tests' Redis
// under a prefix of this test's own.
func serveEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	_, prefix := redistest.Client(t)
	return map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-serve-test-token", "SLACK_SIGNING_SECRET": testSecret, "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redistestURL(), "REDIS_PREFIX": prefix, "ADDR": "127.0.0.1:0", "LOG_FORMAT": "text", "LOG_LEVEL": "debug",
	}
}

// socketEnv is serveEnv for Socket Mode: an app token, no signing secret.
func socketEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	env := serveEnv(t, fake)
	delete(env, "SLACK_SIGNING_SECRET")
	env["SLACK_APP_TOKEN"] = "xapp-serve-test-token"
	return env
}

// serveOption sets a test hook of the Env serve runs with.
type serveOption func(*Env)

// withClock runs serve on a clock the test moves, its review scheduler
// looking for due reminders every tick.
func withClock(now func() time.Time, tick time.Duration) serveOption {
	return func(e *Env) { e.now, e.reviewTick = now, tick }
}

// withHomeDelay gathers the home updates that changes cause over d rather
// than slack.DefaultHomeDelay.
func withHomeDelay(d time.Duration) serveOption {
	return func(e *Env) { e.homeDelay = d }
}

// startServe runs `journeybot serve` with env until the test ends (or
// stop), and returns once it listens. Serve may stop on its own after
// that (ended says why).
func startServe(t *testing.T, fake *fakeslack.Server, env map[string]string, opts ...serveOption) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, fake: fake, env: env, logs: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	addrc := make(chan string, 1)
	e := Env{
		Args:   []string{"journeybot", "serve"},
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(""), Stdout: s.logs, Stderr: s.logs,
		Listening: func(a string) { addrc <- a },
		wrapStore: func(st workshop.Store) workshop.Store {
			s.store = served.Watch(st)
			return s.store
		},
		reviewRan:       func() { s.rounds.Add(1); served.Notify() },
		installsChanged: served.Notify,
	}
	for _, o := range opts {
		o(&e)
	}
	go func() {
		defer close(s.done)
		s.err = Run(ctx, e)
	}()
	// Cleanups run last first: this one before the fake closes.
	t.Cleanup(func() {
		if !s.stopped {
			if err := s.stop(); err != nil {
				t.Errorf("serve returned %v\n%s", err, s.logs)
			}
		}
		for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_SECRET", "REDIS_PASSWORD"} {
			if v := env[k]; v != "" && strings.Contains(s.logs.String(), v) {
				t.Errorf("the logs contain %s", k)
			}
		}
	})
	select {
	case s.addr = <-addrc:
	case <-s.done:
		select {
		case s.addr = <-addrc: // it listened, then stopped on its own
		default:
			s.stopped = true
			t.Fatalf("serve stopped before it listened: %v\n%s", s.err, s.logs)
		}
	case <-time.After(serveWait):
		t.Fatalf("serve did not listen within %v\n%s", serveWait, s.logs)
	}
	return s
}

// sigterm ends serve as SIGTERM would, without waiting; any goroutine may
// call it.
func (s *server) sigterm() { s.cancel() }

// stop ends serve as SIGTERM would and returns what Run returned, once its
// drain is over (within its own deadlines).
func (s *server) stop() error {
	s.sigterm()
	return s.ended(40 * time.Second)
}

// ended waits for serve to return, within the given time, and returns
// what Run returned.
func (s *server) ended(within time.Duration) error {
	select {
	case <-s.done:
		s.stopped = true
		return s.err
	case <-time.After(within):
		return fmt.Errorf("serve still running after %v", within)
	}
}

func (s *server) socketMode() bool { return s.env["SLACK_APP_TOKEN"] != "" }

// post sends a request signed as Slack signs them (extra headers added) and
// returns the status. It does not fail the test, so goroutines may call it.
func (s *server) post(path string, body []byte, contentType string, extra http.Header) (int, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = fakeslack.Sign(testSecret, body, time.Now())
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// signed is post for the test goroutine: a request that fails fails the
// test.
func (s *server) signed(path string, body []byte, contentType string, extra http.Header) int {
	s.t.Helper()
	code, err := s.post(path, body, contentType, extra)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	return code
}

// eventBody is the Events API body of a reply in C1: event id Ev<ts>.
func eventBody(user, thread, text, ts string) []byte {
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "event": map[string]any{
		"type": "message", "channel": "C1", "user": user, "text": text, "ts": ts, "thread_ts": thread}})
	return body
}

// command sends /journey text from user in C1, as Slack would in the
// server's mode, and waits until it is acknowledged.
func (s *server) command(user, text string) {
	s.t.Helper()
	if s.socketMode() {
		id := s.fake.SendSlashCommand(map[string]string{
			"command": "/journey", "text": text, "user_id": user, "user_name": strings.ToLower(user), "channel_id": "C1", "channel_name": "c1",
		})
		s.fake.WaitAck(s.t, id, serveWait)
		return
	}
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "trigger_id": {"TR"}}
	if code := s.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded", nil); code != http.StatusOK {
		s.t.Fatalf("/journey %s: %d", text, code)
	}
}

// reply sends text from user in thread of C1, waits until it is
// acknowledged, and returns its ts.
func (s *server) reply(user, thread, text string) string {
	s.t.Helper()
	ts := fmt.Sprintf("1900000000.%06d", replyTS.Add(1))
	if s.socketMode() {
		id, _ := s.fake.SendEventCallback(map[string]any{
			"type": "message", "channel": "C1", "channel_type": "channel", "team": fakeslack.TeamID,
			"user": user, "text": text, "ts": ts, "event_ts": ts, "thread_ts": thread,
		})
		s.fake.WaitAck(s.t, id, serveWait)
		return ts
	}
	if code := s.signed("/slack/events", eventBody(user, thread, text, ts), "application/json", nil); code != http.StatusOK {
		s.t.Fatalf("reply %q: %d", text, code)
	}
	return ts
}

// press clicks the button action (with value) as user in C1.
func (s *server) press(user, action, value string) {
	s.t.Helper()
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TR",
		"actions": []map[string]any{{"action_id": action, "block_id": "actions", "value": value, "type": "button"}},
	}
	if s.socketMode() {
		s.fake.WaitAck(s.t, s.fake.SendInteraction(payload), serveWait)
		return
	}
	raw, _ := json.Marshal(payload)
	body := []byte(url.Values{"payload": {string(raw)}}.Encode())
	if code := s.signed("/slack/interactions", body, "application/x-www-form-urlencoded", nil); code != http.StatusOK {
		s.t.Fatalf("press %s: %d", action, code)
	}
}

// pressOnHome clicks the button action (with value) on user's app home, as
// Slack sends it: from no channel (the slack package's fixture).
func (s *server) pressOnHome(user, action, value string) {
	s.t.Helper()
	var payload map[string]any
	s.fixture("block_actions_home", &payload)
	payload["user"] = map[string]any{"id": user}
	act := payload["actions"].([]any)[0].(map[string]any)
	act["action_id"], act["value"] = action, value
	if body := s.interact(payload); body != "" {
		s.t.Fatalf("press %s on the home: %s", action, body)
	}
}

// submitSetting submits a setting form (callback "deadline" or "plan") of
// workshop step meta with its field holding text, as Slack sends it (the
// slack package's view_submission fixture), and returns the response body.
func (s *server) submitSetting(user, callback, meta, text string) string {
	s.t.Helper()
	var payload map[string]any
	s.fixture("view_submission", &payload)
	payload["user"] = map[string]any{"id": user}
	view := payload["view"].(map[string]any)
	view["callback_id"], view["private_metadata"] = callback, meta
	view["state"] = map[string]any{"values": map[string]any{"setting": map[string]any{"setting": map[string]any{"type": "plain_text_input", "value": text}}}}
	return s.interact(payload)
}

// fixture reads a payload of the slack package's testdata.
func (s *server) fixture(name string, v any) {
	s.t.Helper()
	raw, err := os.ReadFile("../slack/testdata/payloads/" + name + ".json")
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		s.t.Fatalf("fixture %s: %v", name, err)
	}
}

// interact sends an interaction payload (a view_submission, a
// block_actions) as Slack would in the server's mode, and returns what
// serve answered: the HTTP body, or the Socket Mode ack's payload ("" for
// none).
func (s *server) interact(payload map[string]any) string {
	s.t.Helper()
	if s.socketMode() {
		ack := s.fake.WaitAck(s.t, s.fake.SendInteraction(payload), serveWait)
		if string(ack) == "null" {
			return ""
		}
		return string(ack)
	}
	raw, _ := json.Marshal(payload)
	body := []byte(url.Values{"payload": {string(raw)}}.Encode())
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/slack/interactions", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = fakeslack.Sign(testSecret, body, time.Now())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST /slack/interactions: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("interaction %s: %d %s", payload["type"], resp.StatusCode, answer)
	}
	return string(answer)
}

// posts returns the messages (not ephemeral) posted in C1 in thread, or
// top-level when thread is "".
func (s *server) posts(thread string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range s.fake.Messages("C1") {
		if !m.Ephemeral && m.ThreadTS == thread {
			out = append(out, m)
		}
	}
	return out
}

// threadStep returns the step the thread of ts is bound to, "" when none.
func (s *server) threadStep(ts string) string {
	ref, err := s.store.Thread(context.Background(), "C1", ts)
	if err != nil {
		return ""
	}
	return ref.Step.Key()
}

// waitFor waits until cond holds, looking again whenever the fake records
// a call, serve writes to its store or finishes a review round.
func (s *server) waitFor(what string, cond func() bool) {
	s.t.Helper()
	await(s.t, s.fake, what, cond, s.dump)
}

// waitTopLevel waits for the n-th top-level message in C1 and, but for
// the header's, for its thread to be bound (the bot binds it just after
// posting, and a reply that came first would not be an input), and
// returns its ts.
func (s *server) waitTopLevel(n int) string {
	s.t.Helper()
	var ts string
	s.waitFor(fmt.Sprintf("top-level post #%d, its thread bound", n), func() bool {
		tops := s.posts("")
		if len(tops) < n {
			return false
		}
		ts = tops[n-1].TS
		return n == 1 || s.threadStep(ts) != ""
	})
	return ts
}

// waitBound waits until the thread of ts is bound to step.
func (s *server) waitBound(ts, step string) {
	s.t.Helper()
	s.waitFor("the thread of "+ts+" bound to "+step, func() bool { return s.threadStep(ts) == step })
}

// waitReaction waits for the check mark on the reply ts.
func (s *server) waitReaction(ts string) {
	s.t.Helper()
	want := fakeslack.Reaction{Name: "white_check_mark", Channel: "C1", Timestamp: ts}
	s.waitFor("the check mark on "+ts, func() bool { return slices.Contains(s.fake.Reactions(), want) })
}

// waitNotice waits for a message in C1 (not ephemeral) whose fallback text
// holds text.
func (s *server) waitNotice(text string) {
	s.t.Helper()
	s.waitFor("a message saying "+text, func() bool {
		for _, m := range s.fake.Messages("C1") {
			if !m.Ephemeral && strings.Contains(m.Text, text) {
				return true
			}
		}
		return false
	})
}

// settle waits until each replica has finished settleRounds review rounds
// that began after the call (the round under way may have read the clock
// before the test moved it): enough that a reminder posted twice shows.
func settle(rs ...*server) {
	const settleRounds = 5
	rs[0].t.Helper()
	want := make([]int64, len(rs))
	for i, r := range rs {
		want[i] = r.rounds.Load() + 1 + settleRounds
	}
	rs[0].waitFor(fmt.Sprintf("%d review rounds of each replica", settleRounds), func() bool {
		for i, r := range rs {
			if r.rounds.Load() < want[i] {
				return false
			}
		}
		return true
	})
}

// export returns the JSON export of W1, read by `journeybot export` from
// the same store.
func (s *server) export() export.Document {
	s.t.Helper()
	js, errOut, err := runApp(s.t, s.env, "", "export", "-workshop", "W1", "-format", "json")
	if err != nil {
		s.t.Fatalf("export: %v\n%s", err, errOut)
	}
	var doc export.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		s.t.Fatalf("export is not JSON: %v\n%s", err, js)
	}
	return doc
}

// dump is what a failed wait shows: the messages of C1 and serve's log.
func (s *server) dump() string {
	var msgs []string
	for _, m := range s.fake.Messages("C1") {
		msgs = append(msgs, fmt.Sprintf("  ts=%s thread=%s ephemeral=%v: %.120q", m.TS, m.ThreadTS, m.Ephemeral, m.Text))
	}
	return fmt.Sprintf("messages in C1:\n%s\nserve log:\n%s", strings.Join(msgs, "\n"), s.logs)
}

// served announces a change in any serve of the test binary: a store
// write or a review round. A waiter wakes, looks at its own condition, and
// waits again if it does not hold yet, so a change of another test's serve
// costs a look, nothing more.
var served storetest.Changes

// await waits until cond holds, looking again at every change of serve
// (served) and, when fake is not nil, of the fake; after serveWait it
// fails with what it waited for and dump.
func await(t *testing.T, fake *fakeslack.Server, what string, cond func() bool, dump func() string) {
	t.Helper()
	timer := time.NewTimer(serveWait)
	defer timer.Stop()
	for {
		var faked <-chan struct{}
		if fake != nil {
			faked = fake.Changed()
		}
		changed := served.C()
		if cond() {
			return
		}
		select {
		case <-faked:
		case <-changed:
		case <-timer.C:
			t.Fatalf("waited %v for %s\n%s", serveWait, what, dump())
		}
	}
}

// syncBuffer is a log many goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
