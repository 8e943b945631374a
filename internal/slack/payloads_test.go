package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// The payloads in testdata/payloads are our own JSON written from the
// shapes in Slack's public SDKs' fixtures and Slack's docs; each names its
// source in "_source". They use the parent ts fixtureThread, which the
// tests replace with the ts of the step message the bot posted.
const (
	fixtureThread  = "1764580000.000100"
	fixtureChannel = "C0WORKSHOP1"
	fixtureAuthor  = "U0LEO00001"
	fixtureMaria   = "U0MARIA001"
)

// fixture reads testdata/payloads/name.json without its "_source", with
// every occurrence of the string old replaced by new (pairs).
func fixture(t *testing.T, name string, replace ...string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "payloads", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for i := 0; i+1 < len(replace); i += 2 {
		s = strings.ReplaceAll(s, `"`+replace[i]+`"`, `"`+replace[i+1]+`"`)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	delete(m, "_source")
	return m
}

// transport delivers Slack requests to the bot: over signed HTTP, or over
// a Socket Mode connection to the fake.
type transport interface {
	// command sends slash command fields and waits for the acknowledgement.
	command(t *testing.T, fields map[string]string)
	// event sends an Events API body and waits for the acknowledgement.
	event(t *testing.T, body map[string]any)
	// submit sends a view_submission payload and returns the response body.
	submit(t *testing.T, payload map[string]any) string
}

type httpTransport struct{ h *harness }

func (tr httpTransport) command(t *testing.T, fields map[string]string) {
	t.Helper()
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	if resp := tr.h.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded"); resp.StatusCode != 200 {
		t.Fatalf("command %q: status %d", fields["text"], resp.StatusCode)
	}
}

func (tr httpTransport) event(t *testing.T, body map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	if resp := tr.h.signed("/slack/events", raw, "application/json"); resp.StatusCode != 200 {
		t.Fatalf("event %s: status %d", body["event_id"], resp.StatusCode)
	}
}

func (tr httpTransport) submit(t *testing.T, payload map[string]any) string {
	t.Helper()
	raw, _ := json.Marshal(payload)
	code, body := tr.h.interact(raw)
	if code != 200 {
		t.Fatalf("view_submission: status %d", code)
	}
	return body
}

type socketTransport struct{ fake *fakeslack.Server }

func (tr socketTransport) command(t *testing.T, fields map[string]string) {
	t.Helper()
	tr.fake.WaitAck(t, tr.fake.SendSlashCommand(fields), 5*time.Second)
}

func (tr socketTransport) event(t *testing.T, body map[string]any) {
	t.Helper()
	tr.fake.WaitAck(t, tr.fake.SendEvent(body), 5*time.Second)
}

func (tr socketTransport) submit(t *testing.T, payload map[string]any) string {
	t.Helper()
	ack := tr.fake.WaitAck(t, tr.fake.SendInteraction(payload), 5*time.Second)
	if string(ack) == "null" {
		return ""
	}
	return string(ack)
}

// socketHarness runs the bot in Socket Mode against the fake.
func socketHarness(t *testing.T) (*fakeslack.Server, workshop.Store) {
	t.Helper()
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	store := wrote.Watch(slack.OpenTestStore(t))
	client := goslack.New("xoxb-test", goslack.OptionAPIURL(fake.APIURL()), goslack.OptionAppLevelToken("xapp-test"), goslack.OptionRetry(2))
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad()})
	bot := slack.New(slack.Config{Engine: eng, Store: store, API: client, BotUserID: fakeslack.BotUserID, HeaderDelay: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.RunSocket(ctx, socketmode.New(client)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunSocket: %v", err)
		}
		if err := bot.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	fake.SocketConnected(t, 5*time.Second)
	return fake, store
}

func TestRealPayloadsOverHTTP(t *testing.T) {
	h := newHarness(t)
	playFixtures(t, httpTransport{h}, h.fake, h.store)

	// ssl_check and url_verification run nothing.
	before := len(h.fake.AllCalls())
	ssl := url.Values{}
	for k, v := range fixture(t, "ssl_check") {
		ssl.Set(k, v.(string))
	}
	if resp := h.signed("/slack/commands", []byte(ssl.Encode()), "application/x-www-form-urlencoded"); resp.StatusCode != 200 {
		t.Errorf("ssl_check: status %d", resp.StatusCode)
	}
	raw, _ := json.Marshal(fixture(t, "url_verification"))
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", strings.NewReader(string(raw)))
	req.Header = fakeslack.Sign(secret, raw, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var challenge strings.Builder
	_, _ = fmt.Fprint(&challenge, readAll(t, resp))
	if want := fixture(t, "url_verification")["challenge"].(string); resp.StatusCode != 200 || challenge.String() != want {
		t.Errorf("url_verification: %d %q, want the challenge %q", resp.StatusCode, challenge.String(), want)
	}
	h.bot.Shutdown(context.Background()) // wait for anything they might have started
	for _, c := range h.fake.AllCalls()[before:] {
		if c.Method != "chat.update" { // the header refresh of the touchpoints above
			t.Errorf("ssl_check or url_verification called %s", c.Method)
		}
	}
}

func TestRealPayloadsOverSocketMode(t *testing.T) {
	fake, store := socketHarness(t)
	playFixtures(t, socketTransport{fake}, fake, store)
}

// playFixtures drives a workshop with the payloads as Slack sends them and
// checks what was stored and said.
func playFixtures(t *testing.T, tr transport, fake *fakeslack.Server, store workshop.Store) {
	ctx := context.Background()
	fake.SetUser(fixtureMaria, fakeslack.UserInfo{Name: "maria.silva", RealName: "Maria Silva", DisplayName: "Maria"})
	fake.SetUser(fixtureAuthor, fakeslack.UserInfo{Name: "leo", RealName: "Léo Martin"})
	wait := func(what string, cond func() bool) {
		t.Helper()
		await(t, fake, what, cond)
	}
	n := 0
	command := func(text string) {
		t.Helper()
		var fields map[string]string
		raw, _ := json.Marshal(fixture(t, "slash_command"))
		_ = json.Unmarshal(raw, &fields)
		n++
		fields["text"], fields["trigger_id"], fields["response_url"] = text, fmt.Sprintf("trigger-%d", n), fake.URL+"/response"
		tr.command(t, fields)
	}
	stepTS := func(step workshop.Step) string {
		t.Helper()
		var ts string
		wait("the "+step.Key()+" thread", func() bool {
			m, err := store.LoadMeta(ctx, "W1")
			if err != nil || m.Step != step {
				return false
			}
			ts = m.StepTS(step)
			ref, err := store.Thread(ctx, fixtureChannel, ts)
			return err == nil && ref.Step == step
		})
		return ts
	}
	reacted := func(ts string) bool {
		return slices.Contains(fake.Reactions(), fakeslack.Reaction{Name: "white_check_mark", Channel: fixtureChannel, Timestamp: ts})
	}
	load := func() *workshop.Workshop {
		t.Helper()
		w, err := workshop.Open(ctx, store, "W1")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	event := func(name, thread string, replace ...string) {
		t.Helper()
		tr.event(t, fixture(t, name, append([]string{fixtureThread, thread}, replace...)...))
	}

	// The slash command arrives escaped: the title is what was typed.
	raw := fixture(t, "slash_command")
	command(raw["text"].(string))
	stepTS(workshop.Goals)
	if got := load().Title; got != "Checkout & payment" {
		t.Errorf("title %q, want %q", got, "Checkout & payment")
	}

	// Resources: a mention, a mailto link, a refused line fixed by an edit.
	command("goto resources")
	res := stepTS(workshop.Resources)
	event("event_thread_reply_mention", res)
	wait("the ✅ on the mention reply", func() bool { return reacted("1764580123.000200") })
	event("event_thread_reply_mailto", res)
	wait("the ✅ on the mailto reply", func() bool { return reacted("1764580240.000400") })

	refused := fixture(t, "event_thread_reply_mention", fixtureThread, res, "1764580123.000200", "1764580150.000300", "Ev0JRNY0001A", "Ev0JRNYbad1")
	refused["event"].(map[string]any)["text"] = "need CRM no history"
	tr.event(t, refused)
	wait("the explanation of the refused line", func() bool {
		for _, m := range fake.Messages(fixtureChannel) {
			if m.Ephemeral && m.User == fixtureAuthor && m.ThreadTS == res {
				return true
			}
		}
		return false
	})
	event("event_message_changed", res)
	wait("the ✅ on the edit that fixed the refused line", func() bool { return reacted("1764580150.000300") })
	event("event_thread_broadcast", res)
	wait("the ✅ on the broadcast reply", func() bool { return reacted("1764580420.000800") })
	event("event_file_share", res)
	wait("the ✅ on the reply with a file", func() bool { return reacted("1764580480.000900") })

	// The form: an owner picked in a users_select.
	sub := fixture(t, "view_submission")
	view := sub["view"].(map[string]any)
	view["callback_id"], view["private_metadata"] = "form", "W1 resources"
	view["state"] = map[string]any{"values": map[string]any{
		"kind":       map[string]any{"kind": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "need"}}},
		"name":       map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "Invoice email"}},
		"gap":        map[string]any{"gap": map[string]any{"type": "plain_text_input", "value": nil}},
		"owner":      map[string]any{"owner": map[string]any{"type": "users_select", "selected_user": fixtureMaria}},
		"owner_name": map[string]any{"owner_name": map[string]any{"type": "plain_text_input", "value": nil}},
	}}
	if body := tr.submit(t, sub); body != "" {
		t.Errorf("form refused: %s", body)
	}

	// The facilitator's deadline form (opened from the home): an
	// unreadable deadline is answered in the form, on its field, in the
	// acknowledgement; a good one is set.
	setting := func(text string) string {
		t.Helper()
		sub := fixture(t, "view_submission")
		view := sub["view"].(map[string]any)
		view["callback_id"], view["private_metadata"] = "deadline", "W1 resources"
		view["state"] = map[string]any{"values": map[string]any{"setting": map[string]any{"setting": map[string]any{"type": "plain_text_input", "value": text}}}}
		return tr.submit(t, sub)
	}
	if body := setting("someday"); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"setting":"I can't read “someday” as a deadline`) {
		t.Errorf("an unreadable deadline answered %q", body)
	}
	if body := setting("3d"); body != "" {
		t.Errorf("a deadline in three days answered %q", body)
	}
	if load().Deadline.IsZero() {
		t.Error("the deadline form set no deadline")
	}

	wait("the names of Maria and of the author from users.info", func() bool {
		names, _ := store.Names(ctx, []string{fixtureMaria, fixtureAuthor})
		return names[fixtureMaria] == "Maria" && names[fixtureAuthor] == "Léo Martin"
	})
	wait("six resources", func() bool { return len(load().Map().Resources) == 6 })
	m := load().Map()
	type owner struct{ name, owner, id string }
	var got []owner
	for _, r := range m.Resources {
		got = append(got, owner{r.Name, r.Owner, r.OwnerID})
	}
	want := []owner{ // in journey order, which is Slack's ts order
		{"CRM", "@Maria", fixtureMaria},
		{"CRM", "@Maria", fixtureMaria}, // the fixed line
		{"CRM", "maria@example.com", ""},
		{"CRM", "@Maria", fixtureMaria}, // the broadcast ("want")
		{"Support inbox", "@Maria", fixtureMaria},
		{"Invoice email", "@Maria", fixtureMaria},
	}
	if !slices.Equal(got, want) {
		t.Errorf("resources:\ngot  %v\nwant %v", got, want)
	}

	// Touchpoints: a typed domain and links, an unfurl that changes nothing.
	command("goto touchpoints")
	tps := stepTS(workshop.Touchpoints)
	event("event_thread_reply_channel_link", tps)
	wait("the ✅ on the touchpoint", func() bool { return reacted("1764580180.000300") })
	unfurled := fixture(t, "event_message_changed_unfurl", fixtureThread, tps)
	original := fixture(t, "event_thread_reply_mention", fixtureThread, tps, "Ev0JRNY0001A", "Ev0JRNYorig", "1764580123.000200", "1764580360.000600")
	original["event"].(map[string]any)["text"] = unfurled["event"].(map[string]any)["message"].(map[string]any)["text"]
	tr.event(t, original)
	wait("the ✅ on the touchpoint later unfurled", func() bool { return reacted("1764580360.000600") })
	inputs := len(load().Inputs)
	tr.event(t, unfurled)
	tp := load().Map().Touchpoints
	if len(load().Inputs) != inputs || len(tp) != 2 {
		t.Fatalf("after the unfurl: %d inputs (want %d), %d touchpoints", len(load().Inputs), inputs, len(tp))
	}
	if tp[0].Channel != "example.com" || tp[0].Positive != "clear tiers pricing page (https://example.com/pricing)" || tp[0].Negative != "hidden fees, see #general" {
		t.Errorf("touchpoint with links: %+v", tp[0])
	}
	if tp[1].Channel != "https://example.com/checkout" {
		t.Errorf("touchpoint with a bare link: channel %q", tp[1].Channel)
	}

	// The md export names Maria; nothing is escaped twice anywhere.
	var md strings.Builder
	cat := prompts.MustLoad()
	if err := export.Write(&md, export.MD, load(), export.Options{Now: time.Now(), T: func(k string, a ...any) rich.Text { return cat.Text("en", k, a...) }}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| @Maria |") || !strings.Contains(md.String(), "@Léo Martin") {
		t.Errorf("md export does not name @Maria as owner and @Léo Martin as facilitator:\n%s", md.String())
	}
	var js strings.Builder
	if err := export.Write(&js, export.JSON, load(), export.Options{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var doc export.Document
	if err := json.Unmarshal([]byte(js.String()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Checkout & payment" || doc.Resources[0].OwnerID != fixtureMaria || doc.Resources[0].Owner != "@Maria" || doc.Resources[2].Owner != "maria@example.com" {
		t.Errorf("json export: title %q, resources %+v", doc.Title, doc.Resources[:2])
	}
	command("summary")
	wait("the summary", func() bool {
		return len(fake.Calls("chat.postMessage")) > 0 && strings.Contains(lastPost(fake), "Invoice email")
	})
	said := slackText(fake)
	for _, s := range append(said, md.String(), js.String()) {
		for _, bad := range []string{"&amp;amp;", "&lt;@", "&lt;#", "&lt;http", "&lt;!", "&amp;lt;", "<!channel>", "<!here>"} {
			if strings.Contains(s, bad) {
				t.Errorf("%q in %.400s", bad, s)
			}
		}
	}
	if !slices.ContainsFunc(said, func(s string) bool { return strings.Contains(s, "<@"+fixtureMaria+"|Maria>") }) {
		t.Error("no message names Maria as the owner (a mention)")
	}

	// A deletion removes the input.
	event("event_message_deleted", res)
	wait("the deleted reply gone", func() bool { return len(load().Map().Resources) == 5 })
}

// slackText is everything the bot sent Slack that people read: message
// blocks and text (posts, ephemerals, updates) and views, with the JSON
// escapes of <, > and & undone.
func slackText(fake *fakeslack.Server) []string {
	unjson := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	var out []string
	for _, c := range fake.AllCalls() {
		switch c.Method {
		case "chat.postMessage", "chat.postEphemeral", "chat.update":
			out = append(out, unjson.Replace(c.Param("blocks")+"\n"+c.Param("text")))
		case "views.open", "views.update":
			out = append(out, unjson.Replace(string(c.Body)))
		}
	}
	return out
}

func lastPost(fake *fakeslack.Server) string {
	posts := fake.Calls("chat.postMessage")
	if len(posts) == 0 {
		return ""
	}
	return posts[len(posts)-1].Param("blocks")
}
