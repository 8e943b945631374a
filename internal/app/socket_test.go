package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestServeSocketModeWorkshop(t *testing.T) {
	fake := newFake(t)
	srv := startServe(t, fake, socketEnv(t, fake))
	addr := srv.addr

	fake.SocketConnected(t, serveWait)
	if calls := fake.Calls("apps.connections.open"); len(calls) == 0 || calls[0].Token != srv.env["SLACK_APP_TOKEN"] {
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

	srv.command("U1", "start Checkout redesign")
	srv.waitFor("the header and step 1", func() bool { return len(srv.posts("")) >= 2 })
	top := srv.posts("")
	if len(top) != 2 {
		t.Fatalf("%d top-level messages after start, want 2 (header, step 1)", len(top))
	}
	stepTS := top[1].TS
	srv.waitBound(stepTS, "goals")

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
		ts := srv.reply(s.user, stepTS, s.line)
		if i == 0 {
			// The reply was stored before its envelope was acknowledged.
			doc := srv.export()
			if len(doc.Goals) != 1 || doc.Goals[0].Text != s.line || doc.Goals[0].Author != "U2" {
				t.Fatalf("after the ack, goals are %+v", doc.Goals)
			}
		}
		srv.waitReaction(ts)
		replyTS = append(replyTS, ts)
		if i == len(steps)-1 {
			break
		}
		before := len(srv.posts(""))
		srv.command("U1", "next")
		srv.waitFor(fmt.Sprintf("the summary of %s and step %d", stepNames[i], i+2), func() bool {
			return len(srv.posts(stepTS)) >= 1 && len(srv.posts("")) > before
		})
		if got := len(srv.posts("")); got != before+1 {
			t.Fatalf("after next from %s: %d new top-level messages, want 1", stepNames[i], got-before)
		}
		stepTS = srv.posts("")[before].TS
		srv.waitBound(stepTS, stepNames[i+1])
	}

	doc := srv.export()
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
		t.Errorf("serve returned %v\n%s", err, srv.logs)
	}
}

// An events_api envelope slack-go cannot parse (here an inner event type it
// does not know) is acknowledged: a redelivery would fail the same way.
func TestServeSocketModeAcksUnparsableEvent(t *testing.T) {
	fake := newFake(t)
	srv := startServe(t, fake, socketEnv(t, fake))
	fake.SocketConnected(t, serveWait)
	id, _ := fake.SendEventCallback(map[string]any{"type": "brand_new_event_type", "channel": "C1", "user": "U2"})
	fake.WaitAck(t, id, 5*time.Second)
	if err := srv.stop(); err != nil {
		t.Errorf("serve returned %v\n%s", err, srv.logs)
	}
}

// serve stops with an error, rather than hanging, when Slack refuses the
// app token for good.
func TestServeSocketModeRefusedAppToken(t *testing.T) {
	fake := newFake(t)
	fake.FailNext("apps.connections.open", "invalid_auth")
	srv := startServe(t, fake, socketEnv(t, fake))
	if err := srv.ended(5 * time.Second); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("serve returned %v, want it to stop on its own with the invalid_auth error\n%s", err, srv.logs)
	}
}
