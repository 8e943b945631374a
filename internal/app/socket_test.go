package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// socketWait bounds every wait of the Socket Mode test; the work is local,
// so this is only reached when something is broken.
const socketWait = 15 * time.Second

// socketWorkshop drives `journeybot serve` in Socket Mode against fakeslack.
type socketWorkshop struct {
	t     *testing.T
	fake  *fakeslack.Server
	log   *syncBuffer
	store *redis.Store
	seq   int // for unique message timestamps
}

// waitBound waits until the thread of ts is bound to step: the bot binds a
// step's thread just after posting it, and a reply that came first would
// not be an input of the step.
func (w *socketWorkshop) waitBound(ts, step string) {
	w.t.Helper()
	w.eventually("the thread of "+ts+" bound to "+step, func() bool {
		ref, err := w.store.Thread(context.Background(), "C1", ts)
		return err == nil && ref.Step.Key() == step
	})
}

// eventually polls cond until it holds or socketWait passes.
func (w *socketWorkshop) eventually(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(socketWait)
	for !cond() {
		if time.Now().After(deadline) {
			var msgs []string
			for _, m := range w.fake.Messages("C1") {
				msgs = append(msgs, fmt.Sprintf("  ts=%s thread=%s ephemeral=%v: %.120q", m.TS, m.ThreadTS, m.Ephemeral, m.Text))
			}
			w.t.Fatalf("waited %v for %s\nmessages in C1:\n%s\nserve log:\n%s", socketWait, what, strings.Join(msgs, "\n"), w.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// posts returns the non-ephemeral messages of C1 that are top-level (thread
// == "") or in the given thread.
func (w *socketWorkshop) posts(thread string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range w.fake.Messages("C1") {
		if !m.Ephemeral && m.ThreadTS == thread {
			out = append(out, m)
		}
	}
	return out
}

// command sends a slash command from user in C1 and waits for its ack.
func (w *socketWorkshop) command(user, text string) {
	w.t.Helper()
	id := w.fake.SendSlashCommand(map[string]string{
		"command": "/journey", "text": text, "user_id": user, "user_name": strings.ToLower(user),
		"channel_id": "C1", "channel_name": "c1",
	})
	w.fake.WaitAck(w.t, id, socketWait)
}

// reply posts text in the thread of step (ts) as user, waits for the
// envelope's ack and the check mark, and returns the reply's ts.
func (w *socketWorkshop) reply(user, thread, text string) string {
	w.t.Helper()
	w.seq++
	ts := fmt.Sprintf("1800000000.%06d", w.seq)
	id, _ := w.fake.SendEventCallback(map[string]any{
		"type": "message", "channel": "C1", "channel_type": "channel", "team": fakeslack.TeamID,
		"user": user, "text": text, "ts": ts, "event_ts": ts, "thread_ts": thread,
	})
	w.fake.WaitAck(w.t, id, socketWait)
	want := fakeslack.Reaction{Name: "white_check_mark", Channel: "C1", Timestamp: ts}
	w.eventually("the check mark on "+ts, func() bool { return slices.Contains(w.fake.Reactions(), want) })
	return ts
}

func socketExport(t *testing.T, env map[string]string) export.Document {
	t.Helper()
	js, errOut, err := runApp(t, env, "", "export", "-workshop", "W1", "-format", "json")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	var doc export.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, js)
	}
	return doc
}

// socketServe is `journeybot serve` running in Socket Mode in the test.
type socketServe struct {
	addr     string
	redisEnv map[string]string // for export
	store    *redis.Store      // the same Redis data, to look at
	log      *syncBuffer
	cancel   context.CancelFunc
	finished chan struct{} // closed when Run returned err
	err      error
}

// stop cancels serve and returns what Run returned.
func (s *socketServe) stop() error {
	s.cancel()
	select {
	case <-s.finished:
		return s.err
	case <-time.After(socketWait + 25*time.Second): // serve's own drain deadline is 20s
		return errors.New("serve did not stop")
	}
}

// serveSocket starts `journeybot serve` in Socket Mode against fake with a
// fresh Redis prefix; it is stopped when the test ends, before fake closes.
func serveSocket(t *testing.T, fake *fakeslack.Server) *socketServe {
	t.Helper()
	client, prefix := redistest.Client(t)
	s := &socketServe{
		redisEnv: map[string]string{"REDIS_URL": redistestURL(), "REDIS_PREFIX": prefix},
		store:    redis.New(client, prefix),
		log:      &syncBuffer{},
		finished: make(chan struct{}),
	}
	env := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test", "SLACK_API_URL": fake.APIURL(),
		"ADDR": "127.0.0.1:0", "LOG_FORMAT": "text",
	}
	for k, v := range s.redisEnv {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	addrc := make(chan string, 1)
	go func() {
		defer close(s.finished)
		s.err = Run(ctx, Env{
			Args:      []string{"journeybot", "serve"},
			Getenv:    func(k string) string { return env[k] },
			Stdin:     strings.NewReader(""),
			Stdout:    s.log,
			Stderr:    s.log,
			Listening: func(addr string) { addrc <- addr },
		})
	}()
	// Cleanups run last-registered first, so this runs before fake.Close.
	t.Cleanup(func() { _ = s.stop() })
	select {
	case s.addr = <-addrc:
	case <-s.finished:
		select {
		case s.addr = <-addrc: // listened, then stopped on its own
		default:
			t.Fatalf("serve stopped before listening: %v\n%s", s.err, s.log.String())
		}
	case <-time.After(socketWait):
		t.Fatalf("serve did not listen\n%s", s.log.String())
	}
	return s
}

func TestServeSocketModeWorkshop(t *testing.T) {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	srv := serveSocket(t, fake)
	redisEnv, addr, log := srv.redisEnv, srv.addr, srv.log

	fake.SocketConnected(t, socketWait)
	if calls := fake.Calls("apps.connections.open"); len(calls) == 0 || calls[0].Token != "xapp-test" {
		t.Errorf("apps.connections.open not called with the app token: %+v", calls)
	}
	// Socket Mode serves health checks but no Slack endpoints over HTTP.
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Post("http://"+addr+"/slack/events", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /slack/events in Socket Mode: %d, want 404", resp.StatusCode)
	}

	w := &socketWorkshop{t: t, fake: fake, log: log, store: srv.store}
	w.command("U1", "start Checkout redesign")
	w.eventually("the header and step 1", func() bool { return len(w.posts("")) >= 2 })
	top := w.posts("")
	if len(top) != 2 {
		t.Fatalf("%d top-level messages after start, want 2 (header, step 1)", len(top))
	}
	stepTS := top[1].TS
	w.waitBound(stepTS, "goals")

	steps := []struct{ user, line string }{
		{"U2", "Why do people leave?"},
		{"U3", "Claire, 34 | marketing manager | values speed"},
		{"U2", "Pricing page | website | before | -1 | clear tiers | hidden fees"},
		{"U1", "current-state"},
		{"U3", "need | follow-up tool | no follow-up | @maria"},
		{"U2", "G1 partly | cause unknown"},
		{"U1", "Show fees | @leo | 2026-12-15"},
	}
	stepNames := []string{"goals", "personas", "touchpoints", "scope", "resources", "test", "iterate"}
	var replyTS []string
	for i, s := range steps {
		replyTS = append(replyTS, w.reply(s.user, stepTS, s.line))
		if i == 0 {
			// The reply was stored before its envelope was acknowledged.
			doc := socketExport(t, redisEnv)
			if len(doc.Goals) != 1 || doc.Goals[0].Text != s.line || doc.Goals[0].Author != "U2" {
				t.Fatalf("after the ack, goals are %+v", doc.Goals)
			}
		}
		if i == len(steps)-1 {
			break
		}
		before := len(w.posts(""))
		w.command("U1", "next")
		w.eventually(fmt.Sprintf("the summary of %s and step %d", stepNames[i], i+2), func() bool {
			return len(w.posts(stepTS)) >= 1 && len(w.posts("")) > before
		})
		if got := len(w.posts("")); got != before+1 {
			t.Fatalf("after next from %s: %d new top-level messages, want 1", stepNames[i], got-before)
		}
		stepTS = w.posts("")[before].TS
		w.waitBound(stepTS, stepNames[i+1])
	}

	doc := socketExport(t, redisEnv)
	if doc.ID != "W1" || doc.Title != "Checkout redesign" || doc.Facilitator != "U1" || doc.Channel != "C1" ||
		doc.CurrentStep != "iterate" || doc.MapType != "current-state" {
		t.Errorf("workshop %s %q facilitator %s channel %s step %s map %s",
			doc.ID, doc.Title, doc.Facilitator, doc.Channel, doc.CurrentStep, doc.MapType)
	}
	type row = []string
	var got []row
	for _, g := range doc.Goals {
		got = append(got, row{"goal", g.ID, g.Text, g.Author})
	}
	for _, p := range doc.Personas {
		got = append(got, row{"persona", p.Name, p.Demographics, p.Psychographics, p.Author})
	}
	for _, tp := range doc.Touchpoints {
		scores, _ := json.Marshal(tp.Scores)
		got = append(got, row{"touchpoint", tp.ID, tp.Name, tp.Channel, string(tp.Phase), string(scores), tp.Positive, tp.Negative, tp.State, tp.Author})
	}
	for _, r := range doc.Resources {
		got = append(got, row{"resource", r.Kind, r.Name, r.Gap, r.Owner, r.Author})
	}
	for _, r := range doc.Tests {
		got = append(got, row{"test", r.Goal, r.Verdict, r.Note, r.Author})
	}
	for _, c := range doc.Changes {
		got = append(got, row{"change", c.Text, c.Owner, c.Due, c.Author})
	}
	want := []row{
		{"goal", "G1", "Why do people leave?", "U2"},
		{"persona", "Claire, 34", "marketing manager", "values speed", "U3"},
		{"touchpoint", "T1", "Pricing page", "website", "before", `{"U2":-1}`, "clear tiers", "hidden fees", "current", "U2"},
		{"resource", "need", "follow-up tool", "no follow-up", "@maria", "U3"},
		{"test", "G1", "partly", "cause unknown", "U2"},
		{"change", "Show fees", "@leo", "2026-12-15", "U1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n got %q\nwant %q", got, want)
	}
	if len(doc.Scope.Notes) != 0 {
		t.Errorf("scope notes %q, want none", doc.Scope.Notes)
	}
	var inputs []row
	for _, in := range doc.Inputs {
		inputs = append(inputs, row{in.Step, in.Author, in.Text, in.TS})
	}
	var wantInputs []row
	for i, s := range steps {
		wantInputs = append(wantInputs, row{stepNames[i], s.user, s.line, replyTS[i]})
	}
	if !reflect.DeepEqual(inputs, wantInputs) {
		t.Errorf("inputs:\n got %q\nwant %q", inputs, wantInputs)
	}

	// Every envelope was acknowledged, and no reply was refused.
	acks := fake.Acks()
	for _, e := range fake.Envelopes() {
		if _, ok := acks[e.ID]; !ok {
			t.Errorf("envelope %s (%s) not acknowledged", e.ID, e.Type)
		}
	}
	for _, m := range fake.Messages("C1") {
		if m.Ephemeral {
			t.Errorf("unexpected ephemeral message to %s: %q", m.User, m.Text)
		}
	}

	if err := srv.stop(); err != nil {
		t.Errorf("serve returned %v\n%s", err, log.String())
	}
}

// An events_api envelope slack-go cannot parse (here an inner event type it
// does not know) is acknowledged: a redelivery would fail the same way.
func TestServeSocketModeAcksUnparsableEvent(t *testing.T) {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	srv := serveSocket(t, fake)
	fake.SocketConnected(t, socketWait)
	id, _ := fake.SendEventCallback(map[string]any{"type": "brand_new_event_type", "channel": "C1", "user": "U2"})
	fake.WaitAck(t, id, 5*time.Second)
	if err := srv.stop(); err != nil {
		t.Errorf("serve returned %v\n%s", err, srv.log.String())
	}
}

// serve stops with an error, rather than hanging, when Slack refuses the
// app token for good.
func TestServeSocketModeRefusedAppToken(t *testing.T) {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	fake.FailNext("apps.connections.open", "invalid_auth")
	srv := serveSocket(t, fake)
	select {
	case <-srv.finished:
	case <-time.After(5 * time.Second):
		t.Fatalf("serve still running 5s after apps.connections.open answered invalid_auth\n%s", srv.log.String())
	}
	if srv.err == nil || !strings.Contains(srv.err.Error(), "invalid_auth") {
		t.Errorf("serve returned %v, want the invalid_auth error\n%s", srv.err, srv.log.String())
	}
}
