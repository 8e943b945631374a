package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis/redistest"
)

// TestServeHTTPWholeWorkshop drives `journeybot serve` in HTTP mode, with
// the real Redis and a fake Slack, through a whole workshop; then checks
// the chart and the three exports it uploads.
func TestServeHTTPWholeWorkshop(t *testing.T) {
	fake := newFake(t)
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
	fake.WaitFor(t, "files.completeUploadExternal", 2, serveWait)
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
	// md comes with the curve beside it, csv with the changes' CSV: chart,
	// md, changes, csv, json.
	fake.WaitFor(t, "files.completeUploadExternal", 7, serveWait)
	// The pdf draws a curve of its own (a chart takes seconds under -race).
	s.command("U3", "export pdf")
	fake.WaitFor(t, "files.completeUploadExternal", 8, serveWait)
	files := map[string][]byte{}
	for _, u := range fake.Uploads()[2:] {
		files[u.Filename] = u.Data
	}
	if _, err := png.Decode(bytes.NewReader(files["journey-w1-curve.png"])); err != nil {
		t.Errorf("no chart beside the md export: %v", err)
	}
	md := string(files["journey-w1.md"])
	for _, want := range []string{"# Checkout redesign", "](journey-w1-curve.png)", "## 3. Touchpoints", "| T2 | Payment | website | 😡 -2 |", "**G1** Why do 40% of visitors leave at the payment page? | 🟡 partly answered", "| C1 | Show fees on the pricing page | @leo | Tue 15 Dec 2026 | — | — | 0 | — |"} {
		if !strings.Contains(md, want) {
			t.Errorf("md export lacks %q:\n%s", want, md)
		}
	}
	if pdf := files["journey-w1.pdf"]; !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Errorf("pdf export: %d bytes, want a PDF with the curve drawn in it", len(pdf))
	}
	rows, err := csv.NewReader(bytes.NewReader(files["journey-w1.csv"])).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "id" {
		t.Errorf("csv export: %v, %d rows (want header + 3)", err, len(rows))
	}
	rows, err = csv.NewReader(bytes.NewReader(files["journey-w1-changes.csv"])).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "C1" || rows[1][1] != "Show fees on the pricing page" {
		t.Errorf("changes csv export: %v, %q (want header + C1)", err, rows)
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
	closed := redistest.RefusedAddr(t)
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
	fake := newFake(t)
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
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake))
	s.command("U1", "start Metrics")
	step := s.waitTopLevel(2)
	ts := s.reply("U2", step, "Why do people leave?")
	s.waitReaction(ts)
	// A duplicate delivery, a forged request and an oversized one.
	s.signed("/slack/events", eventBody("U2", step, "Why do people leave?", ts), "application/json", nil)
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
