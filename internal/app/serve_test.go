package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

const testSecret = "serve-test-secret"

var replyTS atomic.Int64

// server is a running `journeybot serve`.
type server struct {
	t     *testing.T
	addr  string
	fake  *fakeslack.Server
	env   map[string]string
	store *redis.Store
	logs  *syncBuffer
}

// startServe runs `journeybot serve` in HTTP mode against a fake Web API and
// the real Redis, until the test ends.
func startServe(t *testing.T, fake *fakeslack.Server, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- Run(ctx, Env{
			Args:   []string{"journeybot", "serve"},
			Getenv: func(k string) string { return env[k] },
			Stdin:  strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr,
			Listening: func(a string) { addrc <- a },
		})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not listen\n%s", stderr.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
		for _, secret := range []string{env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"]} {
			if strings.Contains(stderr.String(), secret) {
				t.Errorf("the logs contain a secret")
			}
		}
	})
	return &server{t: t, addr: addr, fake: fake, env: env, logs: &stderr}
}

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

func serveEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	_, prefix := redistest.Client(t)
	return map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-serve-test-token", "SLACK_SIGNING_SECRET": testSecret, "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redistestURL(), "REDIS_PREFIX": prefix, "ADDR": "127.0.0.1:0", "LOG_FORMAT": "text", "LOG_LEVEL": "debug",
	}
}

func (s *server) signed(path string, body []byte, contentType string, extra http.Header) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+path, bytes.NewReader(body))
	req.Header = fakeslack.Sign(testSecret, body, time.Now())
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (s *server) command(user, text string) {
	s.t.Helper()
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "trigger_id": {"TR"}}
	if code := s.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded", nil); code != 200 {
		s.t.Fatalf("/journey %s: %d", text, code)
	}
}

func (s *server) reply(user, thread, text string) string {
	s.t.Helper()
	// Message timestamps are unique in a channel, whichever replica
	// receives the message.
	ts := fmt.Sprintf("1900000000.%06d", replyTS.Add(1))
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "event": map[string]any{
		"type": "message", "channel": "C1", "user": user, "text": text, "ts": ts, "thread_ts": thread}})
	if code := s.signed("/slack/events", body, "application/json", nil); code != 200 {
		s.t.Fatalf("reply %q: %d", text, code)
	}
	return ts
}

// bound reports whether the thread of ts is bound to a workshop step (the
// header's is not): the bot binds it just after posting.
func (s *server) bound(ts string) bool {
	if s.store == nil {
		st, err := redis.Open(context.Background(), redis.Options{URL: s.env["REDIS_URL"], Prefix: s.env["REDIS_PREFIX"]})
		if err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(func() { st.Close() })
		s.store = st
	}
	_, err := s.store.Thread(context.Background(), "C1", ts)
	return err == nil || len(s.fake.Messages("C1")) > 0 && s.fake.Messages("C1")[0].TS == ts
}

// waitTopLevel waits for the n-th top-level message in C1, and for its
// thread to be bound (but for the header's), and returns its ts.
func (s *server) waitTopLevel(n int) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var tops []fakeslack.Message
		for _, m := range s.fake.Messages("C1") {
			if !m.Ephemeral && m.ThreadTS == "" {
				tops = append(tops, m)
			}
		}
		if len(tops) >= n && s.bound(tops[n-1].TS) {
			return tops[n-1].TS
		}
		time.Sleep(10 * time.Millisecond)
	}
	var said []string
	for _, m := range s.fake.Messages("C1") {
		said = append(said, fmt.Sprintf("[%s eph=%v thread=%s] %.200s", m.TS, m.Ephemeral, m.ThreadTS, m.Blocks))
	}
	s.t.Fatalf("no top-level post #%d; messages:\n%s", n, strings.Join(said, "\n"))
	return ""
}

func (s *server) waitReaction(ts string) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range s.fake.Reactions() {
			if r.Timestamp == ts {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("no reaction on %s", ts)
}

// TestServeHTTPWholeWorkshop drives `journeybot serve` in HTTP mode, with
// the real Redis and a fake Slack, through a whole workshop; then checks
// the chart and the three exports it uploads.
func TestServeHTTPWholeWorkshop(t *testing.T) {
	fake := fakeslack.New()
	defer fake.Close()
	s := startServe(t, fake, serveEnv(t, fake))

	s.command("U1", "start Checkout redesign")
	header := s.waitTopLevel(1)
	step := s.waitTopLevel(2)
	if header == "" || step == "" {
		t.Fatal("no header or step 1")
	}
	lines := []struct{ user, text string }{
		{"U2", "Why do 40% of visitors leave at the payment page?"},
		{"U3", "Claire, 34 | marketing manager, Lyon | values speed; hates hidden fees"},
		{"U2", "Pricing page | website | before | -1 | clear tiers | hidden fees\nPayment | website | during | -2 | saved cards | card refused\nDelivery e-mail | e-mail | after | 1 | tracking | late"},
		{"U3", "current-state"},
		{"U2", "need | follow-up tool | no follow-up after a ticket | @maria"},
		{"U3", "G1 partly | drop-off visible, cause unknown"},
		{"U2", "Show fees on the pricing page | @leo | 2026-12-15"},
	}
	stepTS := map[int]string{}
	for i, l := range lines {
		stepTS[i+1] = step
		ts := s.reply(l.user, step, l.text)
		s.waitReaction(ts)
		if i == len(lines)-1 {
			break
		}
		s.command("U1", "next")
		step = s.waitTopLevel(i + 3)
		// The step's summary went to its thread.
		found := false
		for _, c := range fake.Calls("chat.postMessage") {
			if c.Param("thread_ts") == stepTS[i+1] {
				found = true
			}
		}
		if !found {
			t.Errorf("no summary in step %d's thread", i+1)
		}
	}

	// The chart was posted when the touchpoints step closed, in its thread.
	ups := fake.Uploads()
	if len(ups) != 1 || ups[0].ThreadTS != stepTS[3] {
		t.Fatalf("uploads after the touchpoints step: %+v", ups)
	}
	s.command("U2", "chart")
	fake.WaitFor(t, "files.completeUploadExternal", 2, 5*time.Second)
	chart := fake.Uploads()[1]
	img, err := png.Decode(bytes.NewReader(chart.Data))
	if err != nil {
		t.Fatalf("chart upload is not a PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w < 1200 {
		t.Errorf("chart is %d px wide, want at least 1200", w)
	}
	if chart.Channel != "C1" || chart.ThreadTS != stepTS[3] {
		t.Errorf("chart shared in %q thread %q, want C1 in the touchpoints thread %q", chart.Channel, chart.ThreadTS, stepTS[3])
	}
	if !strings.Contains(chart.AltText, "Lowest: T2 Payment") || !strings.Contains(chart.AltText, "Highest: T3 Delivery e-mail") {
		t.Errorf("alt text %q does not name the lowest and highest touchpoints", chart.AltText)
	}
	if len(fake.Calls("files.getUploadURLExternal")) != 2 {
		t.Errorf("files.getUploadURLExternal called %d times", len(fake.Calls("files.getUploadURLExternal")))
	}

	for _, f := range []string{"md", "csv", "json"} {
		s.command("U3", "export "+f)
	}
	// md comes with the curve beside it: chart, md, csv, json.
	fake.WaitFor(t, "files.completeUploadExternal", 6, 5*time.Second)
	files := map[string][]byte{}
	for _, u := range fake.Uploads()[2:] {
		files[u.Filename] = u.Data
	}
	if _, err := png.Decode(bytes.NewReader(files["journey-w1-curve.png"])); err != nil {
		t.Errorf("no chart beside the md export: %v", err)
	}
	md := string(files["journey-w1.md"])
	for _, want := range []string{"# Checkout redesign", "](journey-w1-curve.png)", "## 3. Touchpoints", "| T2 | Payment | website | 😡 -2 |", "**G1** Why do 40% of visitors leave at the payment page? | 🟡 partly answered", "| Show fees on the pricing page | @leo | Tue 15 Dec 2026 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("md export lacks %q:\n%s", want, md)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(files["journey-w1.csv"])).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "id" {
		t.Errorf("csv export: %v, %d rows (want header + 3)", err, len(rows))
	}
	var doc export.Document
	if err := json.Unmarshal(files["journey-w1.json"], &doc); err != nil {
		t.Fatalf("json export: %v", err)
	}
	if len(doc.Goals) != 1 || len(doc.Personas) != 1 || len(doc.Touchpoints) != 3 || doc.Scope.MapType != "current-state" ||
		len(doc.Resources) != 1 || len(doc.Tests) != 1 || len(doc.Changes) != 1 || len(doc.Inputs) != 7 || doc.CurrentStep != "iterate" {
		t.Errorf("json export incomplete: %+v", doc)
	}
	if doc.Touchpoints[0].Author != "U2" || doc.Goals[0].Author != "U2" || doc.Personas[0].Author != "U3" {
		t.Errorf("authors wrong: %+v", doc)
	}

	// Logs (at debug level here) carry ids, never what people wrote.
	for _, l := range lines {
		if strings.Contains(s.logs.String(), strings.Split(l.text, "|")[0]) {
			t.Errorf("the logs contain a reply: %q", l.text)
		}
	}
	if !strings.Contains(s.logs.String(), "listening") {
		t.Error("no logs captured")
	}

	// The store the CLI reads is the same.
	js, errOut, err := runApp(t, s.env, "", "export", "-workshop", "W1", "-format", "json")
	if err != nil || !strings.Contains(js, `"Show fees on the pricing page"`) {
		t.Errorf("journeybot export: %v %s", err, errOut)
	}
}

func TestServeConfigProblems(t *testing.T) {
	_, _, err := runApp(t, map[string]string{"SLACK_BOT_TOKEN": "nope", "DEFAULT_LANG": "xx"}, "", "serve")
	if err == nil {
		t.Fatal("serve started with a bad configuration")
	}
	for _, want := range []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DEFAULT_LANG"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// A Redis set-up that cannot work stops serve at start, within 10 s, with a
// message naming the variable and no password; the binary then exits 1.
func TestServeRefusesWrongRedisSetups(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	base := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:1/api/"}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"password in REDIS_ADDRS", map[string]string{"REDIS_ADDRS": ":hunter2@" + closed}, "REDIS_ADDRS: entry 1 holds credentials"},
		{"a URL in REDIS_ADDRS", map[string]string{"REDIS_ADDRS": "redis://:hunter2@" + closed}, "REDIS_ADDRS: entry 1 is a URL"},
		{"nothing listening", map[string]string{"REDIS_ADDRS": closed, "REDIS_PASSWORD": "hunter2"}, "REDIS_ADDRS: nothing listens on " + closed},
		{"a server as Sentinels", map[string]string{"REDIS_ADDRS": strings.TrimSuffix(strings.TrimPrefix(redistestURL(), "redis://"), "/0"), "REDIS_MASTER_NAME": "m"}, "REDIS_MASTER_NAME: set, but"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := maps.Clone(base)
			maps.Copy(env, tt.env)
			start := time.Now()
			_, stderr, err := runApp(t, env, "", "serve")
			if err == nil {
				t.Fatal("serve started")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("refused after %s", took)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if strings.Contains(err.Error()+stderr, "hunter2") {
				t.Errorf("the password shows in %q / %q", err, stderr)
			}
		})
	}
}

func TestServeHealth(t *testing.T) {
	fake := fakeslack.New()
	defer fake.Close()
	s := startServe(t, fake, serveEnv(t, fake))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + s.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

func TestServeMetrics(t *testing.T) {
	fake := fakeslack.New()
	defer fake.Close()
	s := startServe(t, fake, serveEnv(t, fake))
	s.command("U1", "start Metrics")
	step := s.waitTopLevel(2)
	ts := s.reply("U2", step, "Why do people leave?")
	s.waitReaction(ts)
	// A duplicate delivery, a forged request and an oversized one.
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "event": map[string]any{
		"type": "message", "channel": "C1", "user": "U2", "text": "Why do people leave?", "ts": ts, "thread_ts": step}})
	s.signed("/slack/events", body, "application/json", nil)
	resp, err := http.Post("http://"+s.addr+"/slack/events", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.signed("/slack/events", bytes.Repeat([]byte("x"), 2<<20), "application/json", nil)

	resp, err = http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`journeybot_requests_total{outcome="accepted",route="commands"} 1`,
		`journeybot_requests_total{outcome="accepted",route="events"} 1`,
		`journeybot_requests_total{outcome="duplicate",route="events"} 1`,
		`journeybot_requests_total{outcome="bad_signature",route="events"} 1`,
		`journeybot_requests_total{outcome="too_large",route="events"} 1`,
		`journeybot_request_duration_seconds_count{route="events"} 4`,
		`journeybot_slack_api_calls_total{method="chat.postMessage",status="200"}`,
		`journeybot_slack_api_calls_total{method="reactions.add",status="200"} 1`,
		`journeybot_workshops_open 1`,
		`journeybot_reminders_total{result="posted"} 0`,
		`journeybot_store_errors_total`,
		`journeybot_panics_total{task="events"} 0`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
