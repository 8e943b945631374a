package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// fuzzBot is a bot on an embedded store with one workshop whose goals
// thread is fixtureThread in fixtureChannel, behind its HTTP routes. Its
// calls to Slack go to a fake over loopback.
type fuzzBot struct {
	store workshop.Store
	bot   *slack.Bot
	mux   *http.ServeMux
}

func newFuzzBot(f *testing.F) *fuzzBot {
	f.Helper()
	fake := fakeslack.New()
	f.Cleanup(fake.Close)
	store := slack.OpenTestStore(f)
	client := goslack.New("xoxb-test", goslack.OptionAPIURL(fake.APIURL()))
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad()})
	bot := slack.New(slack.Config{Engine: eng, Store: store, API: client, SigningSecret: secret, BotUserID: fakeslack.BotUserID, HeaderDelay: time.Millisecond})
	f.Cleanup(func() { bot.Shutdown(context.Background()) })
	ctx := context.Background()
	if err := eng.Command(ctx, engine.Command{Channel: fixtureChannel, Actor: engine.Actor{ID: fixtureAuthor}, Text: "start Fuzz"}); err != nil {
		f.Fatal(err)
	}
	if err := store.BindThread(ctx, fixtureChannel, fixtureThread, workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals}); err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	bot.Routes(mux, nil)
	return &fuzzBot{store: store, bot: bot, mux: mux}
}

// serve posts a signed body and fails on a 500 or a panic (which the
// handlers turn into a 500).
func (fb *fuzzBot) serve(t *testing.T, path, contentType string, body []byte) int {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header = fakeslack.Sign(secret, body, time.Now())
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	fb.mux.ServeHTTP(rec, req)
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s answered %d to %q", path, rec.Code, body)
	}
	return rec.Code
}

// digest sums up what the store holds, once the work of earlier requests
// is done, to see that a payload changed nothing.
func (fb *fuzzBot) digest(t *testing.T) string {
	fb.bot.WaitIdle()
	w, err := fb.store.Load(context.Background(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	list, err := fb.store.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("rev %d, %d inputs, %d scores, %d workshops", w.Rev, len(w.Inputs), len(w.Scores), len(list))
}

func seedPayloads(f *testing.F, prefix string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "payloads", prefix+"*.json"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
}

func FuzzEventsHandler(f *testing.F) {
	seedPayloads(f, "event_")
	seedPayloads(f, "url_verification")
	f.Add([]byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C0WORKSHOP1","user":"U1","text":"x","ts":"1.2","thread_ts":"1764580000.000100","previous_message":[]}}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message","subtype":"message_changed","message":null}}`))
	fb := newFuzzBot(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := fb.digest(t)
		fb.serve(t, "/slack/events", "application/json", body)
		var env struct {
			Type  string          `json:"type"`
			Event json.RawMessage `json:"event"`
		}
		if json.Unmarshal(body, &env) != nil || env.Type != "event_callback" || len(env.Event) == 0 {
			if after := fb.digest(t); after != before {
				t.Fatalf("an unreadable event changed the store: %s -> %s", before, after)
			}
		}
	})
}

func FuzzCommandsHandler(f *testing.F) {
	for _, name := range []string{"slash_command", "ssl_check"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "payloads", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		var fields map[string]string
		if err := json.Unmarshal(raw, &fields); err != nil {
			f.Fatal(err)
		}
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		f.Add([]byte(form.Encode()))
	}
	f.Add([]byte("command=%2Fjourney&text=goto+%3C%40U1%7C&user_id=U1&channel_id=C0WORKSHOP1"))
	f.Add([]byte("text=%ff%fe&user_id=&channel_id="))
	fb := newFuzzBot(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := fb.digest(t)
		fb.serve(t, "/slack/commands", "application/x-www-form-urlencoded", body)
		if form, err := url.ParseQuery(string(body)); err != nil || form.Get("user_id") == "" || form.Get("channel_id") == "" || form.Get("ssl_check") == "1" {
			if after := fb.digest(t); after != before {
				t.Fatalf("an unreadable command changed the store: %s -> %s", before, after)
			}
		}
	})
}

func FuzzInteractionsHandler(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "payloads", "view_submission.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(url.Values{"payload": {string(raw)}}.Encode()))
	for _, p := range []string{
		`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"score","private_metadata":"W1 touchpoints 9","state":{"values":{"T1":{"score":{"selected_option":{"value":"7"}}}}}}}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V2","callback_id":"form","private_metadata":"W1 iterate","state":{"values":{"text":{"text":{"value":"  "}}}}}}`,
		`{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C0WORKSHOP1"},"actions":[{"action_id":"next","value":"W1 goals"}]}`,
		`{"type":"view_submission","view":null}`,
	} {
		f.Add([]byte(url.Values{"payload": {p}}.Encode()))
	}
	fb := newFuzzBot(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := fb.digest(t)
		fb.serve(t, "/slack/interactions", "application/x-www-form-urlencoded", body)
		form, err := url.ParseQuery(string(body))
		if err != nil || !json.Valid([]byte(form.Get("payload"))) || !strings.Contains(form.Get("payload"), `"type"`) {
			if after := fb.digest(t); after != before {
				t.Fatalf("an unreadable interaction changed the store: %s -> %s", before, after)
			}
		}
	})
}
