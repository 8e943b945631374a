package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// fakeTeams records what the router asks of the installed teams; it knows
// one team, whose bot is h's.
type fakeTeams struct {
	mu      sync.Mutex
	known   string
	bot     *slack.Bot
	queries []slack.TeamQuery
	gone    []string
}

func (f *fakeTeams) Bot(_ context.Context, q slack.TeamQuery) (*slack.Bot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	for _, k := range q.Keys() {
		if k == f.known {
			return f.bot, nil
		}
	}
	return nil, slack.ErrNoTeam
}

func (f *fakeTeams) Gone(_ context.Context, q slack.TeamQuery, why string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gone = append(f.gone, q.TeamID+" "+why)
	return nil
}

func (f *fakeTeams) last() slack.TeamQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return slack.TeamQuery{}
	}
	return f.queries[len(f.queries)-1]
}

func routerServer(t *testing.T, teams *fakeTeams) *httptest.Server {
	mux := http.NewServeMux()
	slack.NewRouter(slack.RouterConfig{SigningSecret: secret, Teams: teams}).Routes(mux, nil)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func postSigned(t *testing.T, srv *httptest.Server, path string, body []byte, contentType string, sign bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(string(body)))
	if sign {
		req.Header = fakeslack.Sign(secret, body, time.Now())
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func formBody(m map[string]any) []byte {
	form := url.Values{}
	for k, v := range m {
		form.Set(k, v.(string))
	}
	return []byte(form.Encode())
}

func payloadBody(m map[string]any) []byte {
	raw, _ := json.Marshal(m)
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

func jsonBody(m map[string]any) []byte {
	raw, _ := json.Marshal(m)
	return raw
}

// TestRouterReadsTheTeamOfEachRequest: commands, events and interactions
// (Slack's own payloads) are routed by the team they name; a team with no
// installation gets a 200 and nothing else.
func TestRouterReadsTheTeamOfEachRequest(t *testing.T) {
	teams := &fakeTeams{}
	srv := routerServer(t, teams)
	form, jsonType := "application/x-www-form-urlencoded", "application/json"
	tests := []struct {
		name, path, contentType string
		body                    []byte
		want                    slack.TeamQuery
	}{
		{"slash command", "/slack/commands", form, formBody(fixture(t, "slash_command")), slack.TeamQuery{TeamID: "T0JOURNEY1"}},
		{"org-wide slash command", "/slack/commands", form, formBody(fixture(t, "slash_command", "false", "true")), slack.TeamQuery{TeamID: "T0JOURNEY1", EnterpriseInstall: true}},
		{"thread reply", "/slack/events", jsonType, jsonBody(fixture(t, "event_thread_reply_mention")), slack.TeamQuery{TeamID: "T0JOURNEY1"}},
		{"view submission", "/slack/interactions", form, payloadBody(fixture(t, "view_submission")), slack.TeamQuery{TeamID: "T0JOURNEY1"}},
		{"button on the home", "/slack/interactions", form, payloadBody(fixture(t, "block_actions_home")), slack.TeamQuery{TeamID: "T0JOURNEY1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _ := postSigned(t, srv, tt.path, tt.body, tt.contentType, true)
			if code != http.StatusOK {
				t.Fatalf("status %d, want 200 for a team with no installation", code)
			}
			if got := teams.last(); got.TeamID != tt.want.TeamID || got.EnterpriseInstall != tt.want.EnterpriseInstall {
				t.Errorf("routed to %+v, want %+v", got, tt.want)
			}
		})
	}
	// Unsigned: refused before the team is even read.
	n := len(teams.queries)
	if code, _ := postSigned(t, srv, "/slack/commands", formBody(fixture(t, "slash_command")), form, false); code != http.StatusUnauthorized {
		t.Errorf("unsigned command: %d, want 401", code)
	}
	if len(teams.queries) != n {
		t.Error("an unsigned request was routed")
	}
	code, body := postSigned(t, srv, "/slack/events", jsonBody(fixture(t, "url_verification")), jsonType, true)
	if code != http.StatusOK || !strings.HasPrefix(body, "jbChallenge") {
		t.Errorf("url_verification: %d %q", code, body)
	}
}

// TestRouterHandsTheRequestToTheTeamsBot: an installed team's command
// reaches its bot, which answers with its own API.
func TestRouterHandsTheRequestToTheTeamsBot(t *testing.T) {
	h := newHarness(t)
	teams := &fakeTeams{known: "T0JOURNEY1", bot: h.bot}
	srv := routerServer(t, teams)
	cmd := fixture(t, "slash_command", "C0WORKSHOP1", "C1")
	if code, _ := postSigned(t, srv, "/slack/commands", formBody(cmd), "application/x-www-form-urlencoded", true); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	h.settle()
	if len(h.fake.Messages("C1")) == 0 {
		t.Fatal("the team's bot posted nothing for /journey start")
	}
}

// TestRouterTellsOfTeamsGone: app_uninstalled and a revoked bot token
// (Slack's payloads) are told to the teams and acknowledged; a revocation
// of people's tokens only is not.
func TestRouterTellsOfTeamsGone(t *testing.T) {
	teams := &fakeTeams{known: "T0JOURNEY1"}
	srv := routerServer(t, teams)
	for _, name := range []string{"event_app_uninstalled", "event_tokens_revoked"} {
		if code, _ := postSigned(t, srv, "/slack/events", jsonBody(fixture(t, name)), "application/json", true); code != http.StatusOK {
			t.Errorf("%s: status %d", name, code)
		}
	}
	people := fixture(t, "event_tokens_revoked")
	people["event"].(map[string]any)["tokens"] = map[string]any{"oauth": []string{"U0LEO00001"}}
	postSigned(t, srv, "/slack/events", jsonBody(people), "application/json", true)
	want := []string{"T0JOURNEY1 app_uninstalled", "T0JOURNEY1 tokens_revoked"}
	if strings.Join(teams.gone, ",") != strings.Join(want, ",") {
		t.Errorf("gone %q, want %q", teams.gone, want)
	}
	if len(teams.queries) != 0 {
		t.Errorf("uninstall events were handed to a bot: %v", teams.queries)
	}
}

func TestTeamQueryKeys(t *testing.T) {
	for _, tt := range []struct {
		q    slack.TeamQuery
		want string
	}{
		{slack.TeamQuery{TeamID: "T1"}, "T1"},
		{slack.TeamQuery{TeamID: "T1", EnterpriseID: "E1"}, "T1 E1"},
		{slack.TeamQuery{TeamID: "T1", EnterpriseID: "E1", EnterpriseInstall: true}, "E1"},
		{slack.TeamQuery{}, ""},
	} {
		if got := strings.Join(tt.q.Keys(), " "); got != tt.want {
			t.Errorf("%+v: keys %q, want %q", tt.q, got, tt.want)
		}
	}
}
