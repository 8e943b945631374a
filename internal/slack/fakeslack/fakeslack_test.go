package fakeslack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/testwait"
)

const token = "xoxb-test"

func newClient(t *testing.T, opts ...slack.Option) (*fakeslack.Server, *slack.Client) {
	t.Helper()
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	opts = append([]slack.Option{slack.OptionAPIURL(srv.APIURL())}, opts...)
	return srv, slack.New(token, opts...)
}

func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func TestAuthTest(t *testing.T) {
	srv, api := newClient(t)
	got, err := api.AuthTest()
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if got.UserID != fakeslack.BotUserID || got.BotID != fakeslack.BotID || got.TeamID != fakeslack.TeamID {
		t.Errorf("AuthTest = user %q bot %q team %q, want %q %q %q",
			got.UserID, got.BotID, got.TeamID, fakeslack.BotUserID, fakeslack.BotID, fakeslack.TeamID)
	}
	calls := srv.Calls("auth.test")
	if len(calls) != 1 {
		t.Fatalf("got %d auth.test calls, want 1", len(calls))
	}
	if calls[0].Token != token {
		t.Errorf("recorded token = %q, want %q", calls[0].Token, token)
	}
}

func TestPostMessageWithBlocksInThread(t *testing.T) {
	srv, api := newClient(t)
	block := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hello*", false, false), nil, nil)

	channel, ts, err := api.PostMessage("C1",
		slack.MsgOptionText("fallback", false),
		slack.MsgOptionBlocks(block),
		slack.MsgOptionTS("1600000000.000001"),
	)
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if channel != "C1" {
		t.Errorf("channel = %q, want C1", channel)
	}
	if want := "1700000000.000001"; ts != want {
		t.Errorf("ts = %q, want %q", ts, want)
	}

	msgs := srv.Messages("C1")
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.TS != ts || m.ThreadTS != "1600000000.000001" || m.Text != "fallback" || m.Ephemeral {
		t.Errorf("message = %+v, want ts %q thread 1600000000.000001 text fallback, not ephemeral", m, ts)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks %s: %v", m.Blocks, err)
	}
	if len(blocks) != 1 || blocks[0]["type"] != "section" {
		t.Errorf("blocks = %s, want one section", m.Blocks)
	}
	if !strings.Contains(string(m.Blocks), "*hello*") {
		t.Errorf("blocks = %s, want them to contain *hello*", m.Blocks)
	}

	call := srv.Calls("chat.postMessage")[0]
	if got := call.Param("thread_ts"); got != "1600000000.000001" {
		t.Errorf("thread_ts param = %q, want 1600000000.000001", got)
	}
	if call.Token != token {
		t.Errorf("token = %q, want %q", call.Token, token)
	}
	if len(srv.Messages("C2")) != 0 {
		t.Errorf("Messages(C2) not empty")
	}
}

func TestPostMessageWithResponse(t *testing.T) {
	_, api := newClient(t)
	_, ts, msg, err := api.PostMessageWithResponse("C1", slack.MsgOptionText("hi", false), slack.MsgOptionTS("1.000001"))
	if err != nil {
		t.Fatalf("PostMessageWithResponse: %v", err)
	}
	if msg.Timestamp != ts || msg.ThreadTimestamp != "1.000001" || msg.Text != "hi" || msg.User != fakeslack.BotUserID {
		t.Errorf("message = ts %q thread %q text %q user %q, want %q 1.000001 hi %s",
			msg.Timestamp, msg.ThreadTimestamp, msg.Text, msg.User, ts, fakeslack.BotUserID)
	}
}

func TestPostMessageErrors(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"no channel", "", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"no content", "C1", nil, "no_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, api := newClient(t)
			_, _, err := api.PostMessage(tt.channel, tt.opts...)
			if got := slackErr(err); got != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestConcurrentPostsHaveUniqueIncreasingTS(t *testing.T) {
	srv, api := newClient(t)
	const n = 100
	var wg sync.WaitGroup
	tss := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, tss[i], errs[i] = api.PostMessage("C1", slack.MsgOptionText(fmt.Sprint(i), false))
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("post %d: %v", i, errs[i])
		}
		if seen[tss[i]] {
			t.Errorf("duplicate ts %q", tss[i])
		}
		seen[tss[i]] = true
	}
	msgs := srv.Messages("C1")
	if len(msgs) != n {
		t.Fatalf("got %d messages, want %d", len(msgs), n)
	}
	for i := 1; i < n; i++ {
		if msgs[i-1].TS >= msgs[i].TS {
			t.Errorf("ts not strictly increasing: %q then %q", msgs[i-1].TS, msgs[i].TS)
		}
	}
}

func TestPostEphemeral(t *testing.T) {
	srv, api := newClient(t)
	ts, err := api.PostEphemeral("C1", "U42", slack.MsgOptionText("psst", false))
	if err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}
	if ts == "" {
		t.Fatal("PostEphemeral returned empty message_ts")
	}
	got, found := srv.Message("C1", ts)
	if !found {
		t.Fatalf("message %s not stored", ts)
	}
	want := fakeslack.Message{Channel: "C1", TS: ts, Text: "psst", Ephemeral: true, User: "U42"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("message = %+v, want %+v", got, want)
	}
	// Ephemeral messages cannot be updated.
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Errorf("updating ephemeral: error = %v, want message_not_found", err)
	}
}

func TestUpdateMessage(t *testing.T) {
	tests := []struct {
		name     string
		ts       func(posted string) string
		wantErr  string
		wantText string
	}{
		{"known ts", func(p string) string { return p }, "", "edited"},
		{"unknown ts", func(string) string { return "1.000000" }, "message_not_found", "orig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newClient(t)
			_, posted, err := api.PostMessage("C1", slack.MsgOptionText("orig", false))
			if err != nil {
				t.Fatalf("PostMessage: %v", err)
			}
			block := slack.NewDividerBlock()
			_, ts, _, err := api.UpdateMessage("C1", tt.ts(posted), slack.MsgOptionText("edited", false), slack.MsgOptionBlocks(block))
			if got := slackErr(err); got != tt.wantErr {
				t.Fatalf("UpdateMessage error = %v, want %q", err, tt.wantErr)
			}
			if err == nil && ts != posted {
				t.Errorf("UpdateMessage ts = %q, want %q", ts, posted)
			}
			m, _ := srv.Message("C1", posted)
			if m.Text != tt.wantText {
				t.Errorf("text = %q, want %q", m.Text, tt.wantText)
			}
			if tt.wantErr == "" && (m.Updates != 1 || !strings.Contains(string(m.Blocks), "divider")) {
				t.Errorf("message = %+v, want 1 update with divider blocks", m)
			}
		})
	}
}

func TestAddReactionTwice(t *testing.T) {
	srv, api := newClient(t)
	item := slack.NewRefToMessage("C1", "1700000000.000001")
	if err := api.AddReaction("eyes", item); err != nil {
		t.Fatalf("first AddReaction: %v", err)
	}
	if err := api.AddReaction("eyes", item); slackErr(err) != "already_reacted" {
		t.Errorf("second AddReaction error = %v, want already_reacted", err)
	}
	if err := api.AddReaction("tada", item); err != nil {
		t.Errorf("other emoji: %v", err)
	}
	want := []fakeslack.Reaction{{"eyes", "C1", "1700000000.000001"}, {"tada", "C1", "1700000000.000001"}}
	if got := srv.Reactions(); !slices.Equal(got, want) {
		t.Errorf("Reactions() = %v, want %v", got, want)
	}
	calls := srv.Calls("reactions.add")
	if len(calls) != 3 || calls[1].Error != "already_reacted" {
		t.Errorf("reactions.add calls = %d (second error %q), want 3 with already_reacted", len(calls), calls[1].Error)
	}
}

func TestGetUserInfo(t *testing.T) {
	srv, api := newClient(t)
	srv.SetUser("U1", fakeslack.UserInfo{RealName: "Ada Lovelace", TZ: "Europe/Paris", IsAdmin: true})
	tests := []struct {
		id, wantTZ, wantName string
		wantAdmin            bool
	}{
		{"U1", "Europe/Paris", "Ada Lovelace", true},
		{"U2", "UTC", "U2", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			u, err := api.GetUserInfo(tt.id)
			if err != nil {
				t.Fatalf("GetUserInfo: %v", err)
			}
			if u.ID != tt.id || u.TZ != tt.wantTZ || u.RealName != tt.wantName || u.IsAdmin != tt.wantAdmin {
				t.Errorf("user = id %q tz %q name %q admin %v, want %q %q %q %v",
					u.ID, u.TZ, u.RealName, u.IsAdmin, tt.id, tt.wantTZ, tt.wantName, tt.wantAdmin)
			}
			if u.Profile.RealName != tt.wantName {
				t.Errorf("profile real_name = %q, want %q", u.Profile.RealName, tt.wantName)
			}
		})
	}
}

func TestViews(t *testing.T) {
	srv, api := newClient(t)
	modal := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Plan", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		CallbackID:      "plan",
		PrivateMetadata: "meta",
		Blocks:          slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}},
	}
	opened, err := api.OpenView("trig-1", modal)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if opened.ID == "" || !strings.HasPrefix(opened.ID, "V") || opened.CallbackID != "plan" || opened.PrivateMetadata != "meta" {
		t.Errorf("opened view = id %q callback %q meta %q, want V<n> plan meta", opened.ID, opened.CallbackID, opened.PrivateMetadata)
	}
	if opened.Title == nil || opened.Title.Text != "Plan" {
		t.Errorf("opened title = %v, want Plan", opened.Title)
	}
	call := srv.Calls("views.open")[0]
	if call.JSON["trigger_id"] != "trig-1" {
		t.Errorf("trigger_id = %v, want trig-1", call.JSON["trigger_id"])
	}
	if call.Token != token || call.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("token = %q, Authorization = %q", call.Token, call.Header.Get("Authorization"))
	}

	if _, err := api.OpenView("", modal); err == nil {
		t.Error("OpenView without trigger succeeded, want error")
	}

	views := srv.Views()
	if len(views) != 1 {
		t.Fatalf("got %d views, want 1", len(views))
	}
	if views[0].ID != opened.ID || views[0].CallbackID != "plan" || views[0].TriggerID != "trig-1" || views[0].Type != "modal" {
		t.Errorf("views[0] = %+v, want id %s, callback plan, trigger trig-1, a modal", views[0], opened.ID)
	}
	if !strings.Contains(string(views[0].JSON), `"divider"`) {
		t.Errorf("view JSON = %s, want the divider block", views[0].JSON)
	}
}

func TestUploadFile(t *testing.T) {
	srv, api := newClient(t)
	png := []byte("\x89PNG\r\n\x1a\nfake-image-bytes")
	file, err := api.UploadFileContext(context.Background(), slack.UploadFileParameters{
		Reader:          bytes.NewReader(png),
		FileSize:        len(png),
		Filename:        "chart.png",
		Title:           "Weekly chart",
		AltTxt:          "a bar chart",
		Channel:         "C1",
		ThreadTimestamp: "1700000000.000001",
		InitialComment:  "here you go",
	})
	if err != nil {
		t.Fatalf("UploadFileContext: %v", err)
	}
	if file.ID == "" || file.Title != "Weekly chart" {
		t.Errorf("file summary = %+v, want an id and title Weekly chart", file)
	}

	ups := srv.Uploads()
	if len(ups) != 1 {
		t.Fatalf("got %d uploads, want 1", len(ups))
	}
	got := ups[0]
	want := fakeslack.Upload{
		FileID: file.ID, Filename: "chart.png", Title: "Weekly chart", AltText: "a bar chart",
		Length: len(png), Channel: "C1", ThreadTS: "1700000000.000001", InitialComment: "here you go",
	}
	if !bytes.Equal(got.Data, png) {
		t.Errorf("data = %q, want %q", got.Data, png)
	}
	got.Data = nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("upload = %+v, want %+v", got, want)
	}

	var methods []string
	for _, c := range srv.AllCalls() {
		methods = append(methods, c.Method)
	}
	wantMethods := []string{"files.getUploadURLExternal", fakeslack.UploadMethod, "files.completeUploadExternal"}
	if !slices.Equal(methods, wantMethods) {
		t.Errorf("calls = %v, want %v", methods, wantMethods)
	}
	if up := srv.Calls(fakeslack.UploadMethod)[0]; up.Token != token {
		t.Errorf("upload token = %q, want %q", up.Token, token)
	}
}

func TestCompleteUnknownFile(t *testing.T) {
	_, api := newClient(t)
	_, err := api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{
		Files:   []slack.FileSummary{{ID: "F999"}},
		Channel: "C1",
	})
	if got := slackErr(err); got != "file_not_found" {
		t.Errorf("error = %v, want file_not_found", err)
	}
}

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name      string
		opts      []slack.Option
		wantRetry time.Duration // 0: expect success
		wantCalls int
	}{
		{"no retry", nil, time.Second, 1},
		{"with retry", []slack.Option{slack.OptionRetry(1)}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newClient(t, tt.opts...)
			srv.RateLimit("chat.postMessage", 1, 1)
			start := time.Now()
			_, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
			elapsed := time.Since(start)

			if tt.wantRetry != 0 {
				var rl *slack.RateLimitedError
				if !errors.As(err, &rl) {
					t.Fatalf("error = %v (%T), want *slack.RateLimitedError", err, err)
				}
				if rl.RetryAfter != tt.wantRetry {
					t.Errorf("RetryAfter = %v, want %v", rl.RetryAfter, tt.wantRetry)
				}
				if len(srv.Messages("C1")) != 0 {
					t.Error("rate-limited post was stored")
				}
			} else {
				if err != nil {
					t.Fatalf("PostMessage with retry: %v", err)
				}
				if elapsed < time.Second {
					t.Errorf("retry took %v, want >= 1s (Retry-After)", elapsed)
				}
				if len(srv.Messages("C1")) != 1 {
					t.Error("post after retry was not stored")
				}
			}

			calls := srv.Calls("chat.postMessage")
			if len(calls) != tt.wantCalls {
				t.Fatalf("got %d calls, want %d", len(calls), tt.wantCalls)
			}
			if calls[0].Status != http.StatusTooManyRequests || calls[0].Error != "ratelimited" {
				t.Errorf("first call status %d error %q, want 429 ratelimited", calls[0].Status, calls[0].Error)
			}
			// The limit is used up.
			if _, _, err := api.PostMessage("C1", slack.MsgOptionText("again", false)); err != nil {
				t.Errorf("post after limit: %v", err)
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	srv, api := newClient(t)
	srv.FailNext("users.info", "user_not_found")
	srv.FailNext("users.info", "fatal_error")
	for _, want := range []string{"user_not_found", "fatal_error", ""} {
		_, err := api.GetUserInfo("U1")
		if got := slackErr(err); got != want {
			t.Errorf("GetUserInfo error = %v, want %q", err, want)
		}
	}
}

// Methods the bot does not call are not served, as Slack answers a method
// it does not know.
func TestUnknownMethod(t *testing.T) {
	srv, api := newClient(t)
	_, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if got := slackErr(err); got != "unknown_method" {
		t.Errorf("error = %v, want unknown_method", err)
	}
	calls := srv.Calls("conversations.history")
	if len(calls) != 1 || calls[0].Param("channel") != "C1" {
		t.Errorf("conversations.history calls = %+v, want one for C1", calls)
	}
	// Nor are the ones it once called, or might.
	for _, method := range []string{"chat.delete", "reactions.remove", "conversations.info", "views.push", "views.update"} {
		resp, err := http.PostForm(srv.APIURL()+method, url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || body.OK || body.Error != "unknown_method" {
			t.Errorf("%s: %+v %v, want unknown_method", method, body, err)
		}
	}
}

// conversations.open gives each user one DM channel, as Slack does.
func TestOpenConversation(t *testing.T) {
	_, api := newClient(t)
	for range 2 {
		ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
		if err != nil || ch.ID != fakeslack.DMChannel("U1") {
			t.Fatalf("conversations.open: %+v %v", ch, err)
		}
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{}); err == nil {
		t.Error("conversations.open without users: no error")
	}
}

func TestWaitFor(t *testing.T) {
	srv, api := newClient(t)
	done := make(chan error, 1)
	go func() {
		_, _, err := api.PostMessage("C1", slack.MsgOptionText("later", false))
		done <- err
	}()
	calls := srv.WaitFor(t, "chat.postMessage", 1, 5*time.Second)
	if len(calls) != 1 || calls[0].Param("text") != "later" {
		t.Errorf("WaitFor = %+v, want the later post", calls)
	}
	if err := <-done; err != nil {
		t.Errorf("PostMessage: %v", err)
	}
}

// Wait wakes on a call that comes after it has looked: the post is sent
// only once the condition was found false, so only a wake-up ends the wait.
func TestWaitWakesOnALaterCall(t *testing.T) {
	srv, api := newClient(t)
	done := make(chan error, 1)
	checks := 0
	srv.Wait(t, 5*time.Second, "the post sent after the first check", func() bool {
		checks++
		if checks == 1 {
			go func() {
				_, _, err := api.PostMessage("C1", slack.MsgOptionText("later", false))
				done <- err
			}()
			return false
		}
		return len(srv.Messages("C1")) == 1
	})
	if err := <-done; err != nil {
		t.Errorf("PostMessage: %v", err)
	}
	if checks < 2 {
		t.Errorf("cond checked %d times, want at least 2", checks)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records instead of stopping.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}

func TestWaitForTimeout(t *testing.T) {
	srv, api := newClient(t)
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	rec := &fatalRecorder{TB: t}
	if got := srv.WaitFor(rec, "chat.postMessage", 1, 20*time.Millisecond); got != nil {
		t.Errorf("WaitFor = %v, want nil", got)
	}
	if !strings.Contains(rec.msg, "chat.postMessage") || !strings.Contains(rec.msg, "auth.test") {
		t.Errorf("Fatalf message = %q, want it to name the awaited and the seen methods", rec.msg)
	}
}

// socketClient starts a Socket Mode client on srv; it stops when the test ends.
func socketClient(t *testing.T, srv *fakeslack.Server, opts ...socketmode.Option) *socketmode.Client {
	t.Helper()
	api := slack.New(token, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-test"))
	client := socketmode.New(api, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("RunContext = %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("socketmode client did not stop")
		}
	})
	return client
}

// nextEvent returns the next client event of type typ, skipping others.
func nextEvent(t *testing.T, client *socketmode.Client, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case evt := <-client.Events:
			if evt.Type == typ {
				return evt
			}
			if evt.Type == socketmode.EventTypeConnectionError || evt.Type == socketmode.EventTypeInvalidAuth {
				t.Fatalf("socketmode: %s: %v", evt.Type, evt.Data)
			}
		case <-timeout:
			t.Fatalf("no %s event within 5s", typ)
		}
	}
}

func TestSocketModeEventAck(t *testing.T) {
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	client := socketClient(t, srv)

	hello := nextEvent(t, client, socketmode.EventTypeHello)
	if hello.Request == nil || hello.Request.NumConnections != 1 || hello.Request.ConnectionInfo.AppID != fakeslack.AppID {
		t.Errorf("hello = %+v", hello.Request)
	}
	srv.SocketConnected(t, 5*time.Second)
	if calls := srv.Calls("apps.connections.open"); len(calls) != 1 || calls[0].Token != "xapp-test" {
		t.Errorf("apps.connections.open calls = %+v, want one with the app token", calls)
	}

	envID, eventID := srv.SendEventCallback(map[string]any{
		"type": "message", "channel": "C1", "user": "U2", "text": "hello there",
		"ts": "1800000000.000001", "thread_ts": "1700000000.000002",
	})
	evt := nextEvent(t, client, socketmode.EventTypeEventsAPI)
	if evt.Request.EnvelopeID != envID {
		t.Errorf("envelope id = %q, want %q", evt.Request.EnvelopeID, envID)
	}
	api, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		t.Fatalf("event data is %T", evt.Data)
	}
	cb, _ := api.Data.(*slackevents.EventsAPICallbackEvent)
	msg, _ := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if api.Type != slackevents.CallbackEvent || cb == nil || cb.EventID != eventID || msg == nil ||
		msg.Text != "hello there" || msg.User != "U2" || msg.ThreadTimeStamp != "1700000000.000002" {
		t.Fatalf("events API event = %+v / %+v / %+v", api, cb, msg)
	}
	if srv.Acked(envID) {
		t.Fatal("acked before the client acked")
	}
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	if p := srv.WaitAck(t, envID, 5*time.Second); p != nil {
		t.Errorf("ack payload = %s, want none", p)
	}
	if acks := srv.Acks(); len(acks) != 1 {
		t.Errorf("acks = %v", acks)
	}
	if envs := srv.Envelopes(); len(envs) != 1 || envs[0].Type != fakeslack.EnvelopeEventsAPI || !envs[0].Delivered {
		t.Errorf("envelopes = %+v", envs)
	}
}

func TestSocketModeQueuedCommandAndInteraction(t *testing.T) {
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	// Sent before any client connects: delivered once one does.
	cmdID := srv.SendSlashCommand(map[string]string{
		"command": "/journey", "text": "start Checkout", "user_id": "U1", "channel_id": "C1",
	})
	if envs := srv.Envelopes(); len(envs) != 1 || envs[0].Delivered {
		t.Fatalf("envelopes before connecting = %+v", envs)
	}
	client := socketClient(t, srv)
	srv.SocketConnected(t, 5*time.Second)

	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || evt.Request.EnvelopeID != cmdID || cmd.Command != "/journey" || cmd.Text != "start Checkout" ||
		cmd.UserID != "U1" || cmd.ChannelID != "C1" || cmd.TeamID != fakeslack.TeamID || cmd.TriggerID == "" {
		t.Fatalf("slash command = %+v (%T)", evt.Data, evt.Data)
	}
	if !evt.Request.AcceptsResponsePayload {
		t.Error("slash command does not accept a response payload")
	}
	if err := client.Ack(*evt.Request, map[string]any{"text": "on it"}); err != nil {
		t.Fatal(err)
	}
	if p := srv.WaitAck(t, cmdID, 5*time.Second); string(p) != `{"text":"on it"}` {
		t.Errorf("ack payload = %s", p)
	}

	intID := srv.SendInteraction(map[string]any{
		"type":    "block_actions",
		"user":    map[string]any{"id": "U2"},
		"channel": map[string]any{"id": "C1"},
		"actions": []map[string]any{{"action_id": "next", "block_id": "b1", "value": "W1", "type": "button"}},
	})
	evt = nextEvent(t, client, socketmode.EventTypeInteractive)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U2" ||
		len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != "next" {
		t.Fatalf("interaction = %+v", evt.Data)
	}
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	srv.WaitAck(t, intID, 5*time.Second)
	if acks := srv.Acks(); len(acks) != 2 {
		t.Errorf("acks = %v", acks)
	}
}

func TestSocketModeTokens(t *testing.T) {
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	for tok, want := range map[string]string{"": "not_authed", "xoxb-test": "not_allowed_token_type"} {
		api := slack.New(token, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(tok))
		if _, _, err := api.StartSocketModeContext(context.Background()); slackErr(err) != want {
			t.Errorf("app token %q: err %v, want %s", tok, err, want)
		}
	}
	api := slack.New(token, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-1"))
	_, url, err := api.StartSocketModeContext(context.Background())
	if err != nil || !strings.HasPrefix(url, "ws://") {
		t.Fatalf("StartSocketMode = %q, %v", url, err)
	}
	// A ticket is good for one connection.
	for i, want := range []int{http.StatusSwitchingProtocols, http.StatusUnauthorized} {
		conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if resp == nil || resp.StatusCode != want {
			t.Fatalf("dial %d: %v %v, want status %d", i, resp, err, want)
		}
		if conn != nil {
			conn.Close()
		}
	}
}

func TestSocketModePingAndDisconnect(t *testing.T) {
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	srv.SetSocketPingInterval(20 * time.Millisecond)
	client := socketClient(t, srv, socketmode.OptionPingInterval(200*time.Millisecond))
	nextEvent(t, client, socketmode.EventTypeHello)

	// Without pings the client would give up after 200ms and reconnect.
	testwait.Sleep("five of the client's 200ms ping timeouts", time.Second)
	if live, total := srv.SocketConnections(); live != 1 || total != 1 {
		t.Fatalf("connections live %d total %d, want 1 1 (pings should keep it alive)", live, total)
	}

	// Slack asks clients to reconnect now and then; the client opens a new one.
	srv.SendDisconnect("refresh_requested")
	srv.Wait(t, 5*time.Second, "the client to reconnect after the disconnect", func() bool {
		_, total := srv.SocketConnections()
		return total >= 2
	})
	srv.SocketConnected(t, 5*time.Second)
	id, _ := srv.SendEventCallback(map[string]any{"type": "app_mention", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.2"})
	evt := nextEvent(t, client, socketmode.EventTypeEventsAPI)
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	srv.WaitAck(t, id, 5*time.Second)
}

func TestSocketModeClose(t *testing.T) {
	srv := fakeslack.New()
	client := socketClient(t, srv)
	nextEvent(t, client, socketmode.EventTypeHello)
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs with a Socket Mode client connected")
	}
	if live, _ := srv.SocketConnections(); live != 0 {
		t.Errorf("%d live connections after Close", live)
	}
}

// A home tab is recorded per user; one whose block ids repeat is refused
// as Slack refuses it.
func TestPublishView(t *testing.T) {
	srv, api := newClient(t)
	buttons := func(id string) slack.Block {
		return slack.NewActionBlock(id, slack.NewButtonBlockElement("add", "W1 goals", slack.NewTextBlockObject(slack.PlainTextType, "Add", false, false)))
	}
	home := func(blocks ...slack.Block) slack.PublishViewContextRequest {
		return slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}}
	}
	if _, err := api.PublishViewContext(t.Context(), home(buttons("actions-1"), buttons("actions-2"))); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if _, err := api.PublishViewContext(t.Context(), home(buttons("actions"), buttons("actions"))); slackErr(err) != "invalid_arguments" {
		t.Errorf("a view with a block id twice: %v, want invalid_arguments", err)
	}
	if got := srv.Homes("U1"); len(got) != 1 || !strings.Contains(string(got[0]), "actions-2") {
		t.Errorf("homes of U1: %s", got)
	}
}
