package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// storedTeams finds the bot as the app does in multi-workspace mode: the
// team's installation read from the store on every request.
type storedTeams struct {
	store install.Store
	bot   *slack.Bot
}

func (s storedTeams) Bot(ctx context.Context, q slack.TeamQuery) (*slack.Bot, error) {
	inst, err := s.store.Installation(ctx, q.TeamID)
	if err != nil || !inst.Active() {
		return nil, slack.ErrNoTeam
	}
	return s.bot, nil
}

func (storedTeams) Gone(context.Context, slack.TeamQuery, string) error { return nil }

// BenchmarkReplyAck measures the acknowledgement of a thread reply (verify,
// read, store, 200) served by one workspace's bot directly, and through
// the multi-workspace router (the team read from the payload, its
// installation from the store, the request handed on), in the same run:
// the router's cost is the difference.
func BenchmarkReplyAck(b *testing.B) {
	fake := fakeslack.New()
	b.Cleanup(fake.Close)
	b.Run("bot", func(b *testing.B) {
		bot, direct, _, thread := replyBench(b, fake)
		runReplies(b, bot, direct, thread)
	})
	b.Run("router", func(b *testing.B) {
		bot, _, routed, thread := replyBench(b, fake)
		runReplies(b, bot, routed, thread)
	})
}

// replyBench makes a fresh store (one installed team) and bot, both ways
// of reaching it, and a workshop whose goals thread the replies go to:
// each side of the benchmark starts from the same, empty, state.
func replyBench(b *testing.B, fake *fakeslack.Server) (bot *slack.Bot, direct, routed *http.ServeMux, thread string) {
	store, err := bolt.Open(b.TempDir() + "/state.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	team := store.ForTeam("T1")
	if err := store.SaveInstallation(context.Background(), install.Installation{TeamID: "T1", BotToken: "xoxb-bench", BotUserID: fakeslack.BotUserID, InstalledAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	client := goslack.New("xoxb-bench", goslack.OptionAPIURL(fake.APIURL()))
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: team, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad()})
	bot = slack.New(slack.Config{Engine: eng, Store: team, API: client, SigningSecret: secret, BotUserID: fakeslack.BotUserID, HeaderDelay: 10 * time.Millisecond})
	b.Cleanup(func() { bot.Shutdown(context.Background()) })
	direct = http.NewServeMux()
	bot.Routes(direct, nil)
	routed = http.NewServeMux()
	slack.NewRouter(slack.RouterConfig{SigningSecret: secret, Teams: storedTeams{store: store, bot: bot}}).Routes(routed, nil)

	form := url.Values{"command": {"/journey"}, "text": {"start Bench"}, "user_id": {"U1"}, "channel_id": {"C1"}, "team_id": {"T1"}, "trigger_id": {"TR"}}
	body := []byte(form.Encode())
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(string(body)))
	req.Header = fakeslack.Sign(secret, body, time.Now())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	direct.ServeHTTP(httptest.NewRecorder(), req)
	bot.WaitIdle()
	meta, err := team.LoadMeta(context.Background(), "W1")
	if err != nil {
		b.Fatal(err)
	}
	return bot, direct, routed, meta.StepTS(workshop.Goals)
}

// runReplies sends signed thread replies to mux, one per iteration.
func runReplies(b *testing.B, bot *slack.Bot, mux *http.ServeMux, thread string) {
	n := 0
	for b.Loop() {
		n++
		ts := fmt.Sprintf("1900000000.%06d", n)
		body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "team_id": "T1",
			"authorizations": []map[string]any{{"team_id": "T1", "is_bot": true}},
			"event":          map[string]any{"type": "message", "channel": "C1", "user": "U2", "text": "Goal " + ts, "ts": ts, "thread_ts": thread}})
		req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(string(body)))
		req.Header = fakeslack.Sign(secret, body, time.Now())
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	bot.WaitIdle()
	b.StartTimer()
}
