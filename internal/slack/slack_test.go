package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

const secret = "test-signing-secret"

type harness struct {
	t     *testing.T
	fake  *fakeslack.Server
	store workshop.Store
	bot   *slack.Bot
	eng   *engine.Engine
	srv   *httptest.Server
	n     int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	store := wrote.Watch(slack.OpenTestStore(t))
	client := goslack.New("xoxb-test", goslack.OptionAPIURL(fake.APIURL()), goslack.OptionRetry(2))
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad()})
	bot := slack.New(slack.Config{Engine: eng, Store: store, API: client, SigningSecret: secret, BotUserID: fakeslack.BotUserID, HeaderDelay: 50 * time.Millisecond})
	mux := http.NewServeMux()
	bot.Routes(mux, nil)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := bot.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &harness{t: t, fake: fake, store: store, bot: bot, eng: eng, srv: srv}
}

func (h *harness) post(path string, body []byte, contentType string, header http.Header) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (h *harness) signed(path string, body []byte, contentType string) *http.Response {
	return h.post(path, body, contentType, fakeslack.Sign(secret, body, time.Now()))
}

// command sends a signed /journey command and waits for the bot to have
// answered (its posts are asynchronous).
func (h *harness) command(user, text string) {
	h.t.Helper()
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "trigger_id": {"TRIG"}, "response_url": {h.fake.URL + "/response"}}
	if resp := h.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded"); resp.StatusCode != 200 {
		h.t.Fatalf("/journey %s: status %d", text, resp.StatusCode)
	}
	h.settle()
}

// settle waits until the bot has finished the work the requests so far
// started (its Web API calls included).
func (h *harness) settle() { h.bot.WaitIdle() }

// wrote announces the writes of the harnesses' stores.
var wrote storetest.Changes

// await waits until cond holds, looking again whenever the fake records a
// call or a harness's store is written: never by polling.
func await(t *testing.T, fake *fakeslack.Server, what string, cond func() bool) {
	t.Helper()
	const within = 5 * time.Second
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		faked, stored := fake.Changed(), wrote.C()
		if cond() {
			return
		}
		select {
		case <-faked:
		case <-stored:
		case <-timer.C:
			t.Fatalf("waited %v for %s", within, what)
		}
	}
}

func (h *harness) event(id string, ev map[string]any, retry int) *http.Response {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": id, "team_id": "T1", "event": ev})
	hdr := fakeslack.Sign(secret, body, time.Now())
	if retry > 0 {
		hdr.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
		hdr.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return h.post("/slack/events", body, "application/json", hdr)
}

func (h *harness) reply(user, thread, text string) (string, *http.Response) {
	h.n++
	ts := fmt.Sprintf("1900000000.%06d", h.n)
	resp := h.event(fmt.Sprintf("Ev%d", h.n), map[string]any{"type": "message", "channel": "C1", "user": user, "text": text, "ts": ts, "thread_ts": thread}, 0)
	return ts, resp
}

// interact posts a signed interaction payload and returns the status and
// the response body.
func (h *harness) interact(payload []byte) (int, string) {
	h.t.Helper()
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/interactions", bytes.NewReader(body))
	req.Header = fakeslack.Sign(secret, body, time.Now())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, readAll(h.t, resp)
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (h *harness) meta() *workshop.Workshop {
	h.t.Helper()
	w, err := h.store.Load(context.Background(), "W1")
	if err != nil {
		h.t.Fatal(err)
	}
	return w
}

func (h *harness) ephemerals(user string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range h.fake.Messages("C1") {
		if m.Ephemeral && m.User == user {
			out = append(out, m)
		}
	}
	return out
}

func TestRequestsAreVerifiedBeforeAnything(t *testing.T) {
	h := newHarness(t)
	form := []byte(url.Values{"command": {"/journey"}, "text": {"start Evil"}, "user_id": {"U1"}, "channel_id": {"C1"}}.Encode())
	wrong := fakeslack.Sign("another-secret", form, time.Now())
	old := fakeslack.Sign(secret, form, time.Now().Add(-6*time.Minute))
	tampered := fakeslack.Sign(secret, form, time.Now())
	big := bytes.Repeat([]byte("a"), 2<<20)
	for _, tt := range []struct {
		name   string
		path   string
		body   []byte
		header http.Header
		want   int
	}{
		{"unsigned", "/slack/commands", form, nil, 401},
		{"wrong secret", "/slack/commands", form, wrong, 401},
		{"six minutes old", "/slack/commands", form, old, 401},
		{"body changed after signing", "/slack/commands", append(append([]byte{}, form...), 'x'), tampered, 401},
		{"unsigned event", "/slack/events", []byte(`{"type":"url_verification","challenge":"c"}`), nil, 401},
		{"unsigned interaction", "/slack/interactions", []byte("payload=%7B%7D"), nil, 401},
		{"2 MiB", "/slack/events", big, fakeslack.Sign(secret, big, time.Now()), 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if resp := h.post(tt.path, tt.body, "application/x-www-form-urlencoded", tt.header); resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	h.settle()
	if calls := h.fake.AllCalls(); len(calls) != 0 {
		t.Errorf("refused requests reached Slack: %d calls, first %s", len(calls), calls[0].Method)
	}
	if list, _ := h.store.List(context.Background(), ""); len(list) != 0 {
		t.Errorf("refused requests created %d workshops", len(list))
	}
}

func TestURLVerification(t *testing.T) {
	h := newHarness(t)
	body := []byte(`{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", bytes.NewReader(body))
	req.Header = fakeslack.Sign(secret, body, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge answered %d %q", resp.StatusCode, got)
	}
}

func TestWorkshopOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout redesign")
	posts := h.fake.Calls("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("start made %d posts, want header and step 1", len(posts))
	}
	w := h.meta()
	step1 := w.StepTS(workshop.Goals)
	if w.HeaderTS == "" || step1 == "" || w.Facilitator != "U1" || w.Channel != "C1" {
		t.Fatalf("workshop after start: %+v", w.Meta)
	}
	if m, ok := h.fake.Message("C1", step1); !ok || !strings.Contains(string(m.Blocks), "Step 1/7") || !strings.Contains(string(m.Blocks), `"action_id":"next"`) {
		t.Errorf("step 1 message %s", m.Blocks)
	}

	ts, resp := h.reply("U2", step1, "Why do 40% of visitors leave at the payment page?")
	if resp.StatusCode != 200 {
		t.Fatalf("reply: %d", resp.StatusCode)
	}
	if got := len(h.meta().InputsOf(workshop.Goals)); got != 1 {
		t.Fatalf("goal inputs %d after the ack, want 1", got)
	}
	waitReaction(t, h.fake, ts)

	// A reply to the header, a bot message and a reply elsewhere are ignored.
	h.reply("U2", w.HeaderTS, "nice!")
	h.reply("U2", "1234.000001", "unrelated")
	h.event("EvBot", map[string]any{"type": "message", "subtype": "bot_message", "channel": "C1", "bot_id": "B9", "text": "beep", "ts": "1900000099.000001", "thread_ts": step1}, 0)
	if got := len(h.meta().Inputs); got != 1 {
		t.Errorf("%d inputs, want only the goal", got)
	}

	// An edit updates the input, a deletion removes it.
	edit := map[string]any{"type": "message", "subtype": "message_changed", "channel": "C1",
		"message": map[string]any{"type": "message", "user": "U2", "text": "Why do 40% leave at payment?", "ts": ts, "thread_ts": step1, "edited": map[string]any{"user": "U2", "ts": "1900000500.000000"}}}
	h.event("EvEdit", edit, 0)
	if got := h.meta().Map().Goals[0].Text; got != "Why do 40% leave at payment?" {
		t.Errorf("goal after edit %q", got)
	}
	h.reply("U3", step1, "Which touchpoints cause calls?")
	del := map[string]any{"type": "message", "subtype": "message_deleted", "channel": "C1", "deleted_ts": ts,
		"previous_message": map[string]any{"type": "message", "user": "U2", "text": "x", "ts": ts, "thread_ts": step1}}
	h.event("EvDel", del, 0)
	if goals := h.meta().Map().Goals; len(goals) != 1 || goals[0].Author != "U3" {
		t.Errorf("goals after delete %+v", goals)
	}

	// The facilitator's next: summary in step 1's thread, step 2 top-level.
	before := len(h.fake.Calls("chat.postMessage"))
	h.command("U1", "next")
	posts = h.fake.Calls("chat.postMessage")[before:]
	if len(posts) != 2 || posts[0].Param("thread_ts") != step1 || posts[1].Param("thread_ts") != "" {
		t.Fatalf("next posted %d messages (threads %q), want the summary in step 1's thread then step 2", len(posts), threads(posts))
	}
	if h.meta().Step != workshop.Personas {
		t.Fatal("next did not move to personas")
	}
	// The header is kept up to date.
	header, _ := h.fake.Message("C1", w.HeaderTS)
	if header.Updates == 0 || !strings.Contains(string(header.Blocks), "Step 2/7") {
		t.Errorf("header not updated: %d updates %s", header.Updates, header.Blocks)
	}
}

func waitReaction(t *testing.T, fake *fakeslack.Server, ts string) {
	t.Helper()
	fake.Wait(t, 3*time.Second, "the ✅ on "+ts, func() bool {
		for _, r := range fake.Reactions() {
			if r.Timestamp == ts && r.Name == "white_check_mark" {
				return true
			}
		}
		return false
	})
}

func threads(calls []fakeslack.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Param("thread_ts"))
	}
	return out
}

func TestRetriedEventIsStoredOnce(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	step1 := h.meta().StepTS(workshop.Goals)
	ev := map[string]any{"type": "message", "channel": "C1", "user": "U2", "text": "Why churn?", "ts": "1900000001.000001", "thread_ts": step1}
	var wg sync.WaitGroup
	for round := range 2 {
		// Sequentially, then all four at once.
		if round == 1 {
			ev["ts"], ev["text"] = "1900000002.000001", "Why calls?"
		}
		for retry := range 4 {
			wg.Add(1)
			send := func() {
				defer wg.Done()
				if resp := h.event(fmt.Sprintf("EvR%d", round), ev, retry); resp.StatusCode != 200 {
					t.Errorf("delivery %d: status %d", retry, resp.StatusCode)
				}
			}
			if round == 0 {
				send()
			} else {
				go send()
			}
		}
		wg.Wait()
	}
	if got := len(h.meta().Inputs); got != 2 {
		t.Errorf("%d inputs after 2×4 deliveries, want 2", got)
	}
	h.settle()
	if got := len(h.fake.Calls("reactions.add")); got != 2 {
		t.Errorf("%d reactions, want one per reply", got)
	}
}

func TestMalformedLineGetsOneEphemeral(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	h.command("U1", "goto touchpoints")
	thread := h.meta().StepTS(workshop.Touchpoints)
	ev := map[string]any{"type": "message", "channel": "C1", "user": "U2", "text": "Pricing page | website | whenever | -1", "ts": "1900000001.000001", "thread_ts": thread}
	for retry := range 3 {
		if resp := h.event("EvBad", ev, retry); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	h.settle()
	eph := h.ephemerals("U2")
	if len(eph) != 1 {
		t.Fatalf("%d ephemeral answers to the author, want 1", len(eph))
	}
	for _, want := range []string{"name | channel | phase | emotion | positive | negative", "whenever", "Pricing page | website | before | -1 | clear tiers | hidden fees"} {
		if !strings.Contains(string(eph[0].Blocks), want) {
			t.Errorf("ephemeral lacks %q: %s", want, eph[0].Blocks)
		}
	}
	if n := len(h.meta().Inputs); n != 0 {
		t.Errorf("%d inputs stored from a malformed line", n)
	}
	if n := len(h.fake.Calls("reactions.add")); n != 0 {
		t.Errorf("malformed line got %d reactions", n)
	}
}

func TestNonFacilitatorIsRefused(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	step1 := h.meta().StepTS(workshop.Goals)
	h.reply("U2", step1, "Why churn?")
	h.command("U2", "next")
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C1"}, "trigger_id": "T",
		"actions": []map[string]any{{"action_id": "next", "block_id": "actions", "value": "W1 goals", "type": "button"}},
	})
	form := url.Values{"payload": {string(payload)}}.Encode()
	if resp := h.signed("/slack/interactions", []byte(form), "application/x-www-form-urlencoded"); resp.StatusCode != 200 {
		t.Fatalf("click: %d", resp.StatusCode)
	}
	h.settle()
	eph := h.ephemerals("U2")
	if len(eph) != 2 {
		t.Fatalf("%d ephemeral refusals, want 2 (command and button)", len(eph))
	}
	for _, m := range eph {
		if !strings.Contains(string(m.Blocks), `Only the facilitator (\u003c@U1\u003e) can move to the next step.`) {
			t.Errorf("refusal %s", m.Blocks)
		}
	}
	if h.meta().Step != workshop.Goals {
		t.Error("a non-facilitator moved the workshop")
	}
	// The facilitator's click works.
	payload, _ = json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": "C1"}, "trigger_id": "T",
		"actions": []map[string]any{{"action_id": "next", "block_id": "actions", "value": "W1 goals", "type": "button"}},
	})
	h.signed("/slack/interactions", []byte(url.Values{"payload": {string(payload)}}.Encode()), "application/x-www-form-urlencoded")
	h.settle()
	if h.meta().Step != workshop.Personas {
		t.Error("the facilitator's Next step click did not move on")
	}
}

func TestFormsOpenAndSubmit(t *testing.T) {
	h := newHarness(t)
	h.command("U1", "start Checkout")
	h.command("U1", "goto touchpoints")
	click := func(action string) {
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C1"}, "trigger_id": "TRIG-" + action,
			"actions": []map[string]any{{"action_id": action, "block_id": "actions", "value": "W1 touchpoints", "type": "button"}},
		})
		h.signed("/slack/interactions", []byte(url.Values{"payload": {string(payload)}}.Encode()), "application/x-www-form-urlencoded")
	}
	click("add")
	views := h.fake.WaitFor(t, "views.open", 1, 3*time.Second)
	if !strings.Contains(string(views[0].Body), "Add a touchpoint") {
		t.Errorf("form %s", views[0].Body)
	}
	submit := func(id string, values map[string]any) (int, string) {
		payload, _ := json.Marshal(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": "U2"},
			"view": map[string]any{"id": id, "callback_id": "form", "private_metadata": "W1 touchpoints", "state": map[string]any{"values": values}},
		})
		body := []byte(url.Values{"payload": {string(payload)}}.Encode())
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/interactions", bytes.NewReader(body))
		req.Header = fakeslack.Sign(secret, body, time.Now())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	text := func(field, v string) map[string]any {
		return map[string]any{field: map[string]any{"type": "plain_text_input", "value": v}}
	}
	sel := func(field, v string) map[string]any {
		return map[string]any{field: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
	}
	code, body := submit("V1", map[string]any{"name": text("name", "Pricing page"), "channel": text("channel", "website"), "phase": sel("phase", "before"), "emotion": sel("emotion", "-1"), "state": sel("state", "ideal")})
	if code != 200 || body != "" {
		t.Fatalf("submit: %d %q", code, body)
	}
	tps := h.meta().Map().Touchpoints
	if len(tps) != 1 || tps[0].Name != "Pricing page" || tps[0].State != workshop.StateIdeal || tps[0].Author != "U2" {
		t.Errorf("touchpoints %+v", tps)
	}
	// A bad field is shown in the modal and nothing is stored.
	code, body = submit("V2", map[string]any{"name": text("name", "Cart"), "channel": text("channel", " "), "phase": sel("phase", "during"), "emotion": sel("emotion", "1")})
	if code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"channel"`) {
		t.Errorf("bad form answered %d %s", code, body)
	}
	if n := len(h.meta().Map().Touchpoints); n != 1 {
		t.Errorf("%d touchpoints after a refused form", n)
	}
	click("score")
	views = h.fake.WaitFor(t, "views.open", 2, 3*time.Second)
	if !strings.Contains(string(views[1].Body), "T1 · Pricing page") {
		t.Errorf("score form %s", views[1].Body)
	}
}

func TestRateLimitedPostsAreRetried(t *testing.T) {
	h := newHarness(t)
	h.fake.RateLimit("chat.postMessage", 1, 1)
	h.command("U1", "start Checkout")
	// The step message is posted (after the 429's Retry-After) and recorded.
	h.settle()
	var limited, ok int
	for _, c := range h.fake.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		} else {
			ok++
		}
	}
	if limited != 1 || ok != 2 {
		t.Errorf("chat.postMessage: %d limited, %d posted; want the limited post retried after Retry-After", limited, ok)
	}
	if w := h.meta(); w.HeaderTS == "" || w.StepTS(workshop.Goals) == "" {
		t.Errorf("workshop incomplete after a 429: %+v", w.Meta)
	}
}
