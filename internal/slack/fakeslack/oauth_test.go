package fakeslack_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

const (
	clientID     = "123.456"
	clientSecret = "s3cret"
)

var acme = fakeslack.Grant{
	TeamID: "T0ACME", TeamName: "Acme", AppID: "A0JB", BotUserID: "U0BOT",
	BotToken: "xoxb-acme", Scope: "chat:write,commands", InstallerID: "U0ADA",
	RefreshToken: "xoxe-1-acme", ExpiresIn: 43200,
}

func newOAuthServer(t *testing.T) *fakeslack.Server {
	t.Helper()
	srv := fakeslack.New()
	t.Cleanup(srv.Close)
	srv.SetClient(clientID, clientSecret)
	return srv
}

func exchange(srv *fakeslack.Server, id, secret, code string) (*slack.OAuthV2Response, error) {
	return slack.GetOAuthV2ResponseContext(context.Background(), http.DefaultClient, id, secret, code, "", slack.OAuthOptionAPIURL(srv.APIURL()))
}

func TestOAuthExchange(t *testing.T) {
	srv := newOAuthServer(t)
	srv.AddInstall("code-1", acme)
	resp, err := exchange(srv, clientID, clientSecret, "code-1")
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if resp.AccessToken != "xoxb-acme" || resp.TokenType != "bot" || resp.Team.ID != "T0ACME" || resp.Team.Name != "Acme" ||
		resp.BotUserID != "U0BOT" || resp.AppID != "A0JB" || resp.Scope != "chat:write,commands" || resp.AuthedUser.ID != "U0ADA" ||
		resp.RefreshToken != "xoxe-1-acme" || resp.ExpiresIn != 43200 || resp.IsEnterpriseInstall || resp.Enterprise.ID != "" {
		t.Errorf("exchange = %+v", resp)
	}
	if _, err := exchange(srv, clientID, clientSecret, "code-1"); slackErr(err) != "invalid_code" {
		t.Errorf("second use of the code: %v, want invalid_code", err)
	}
	if _, err := exchange(srv, clientID, clientSecret, "never-issued"); slackErr(err) != "invalid_code" {
		t.Errorf("unknown code: %v, want invalid_code", err)
	}

	api := slack.New("xoxb-acme", slack.OptionAPIURL(srv.APIURL()))
	who, err := api.AuthTest()
	if err != nil {
		t.Fatalf("auth.test with the issued token: %v", err)
	}
	if who.TeamID != "T0ACME" || who.UserID != "U0BOT" || who.Team != "Acme" {
		t.Errorf("auth.test = team %q user %q, want T0ACME U0BOT", who.TeamID, who.UserID)
	}
	for tok, want := range map[string]string{"xoxb-test": "invalid_auth", "": "not_authed"} {
		_, err := slack.New(tok, slack.OptionAPIURL(srv.APIURL())).AuthTest()
		if slackErr(err) != want {
			t.Errorf("auth.test with %q: %v, want %s", tok, err, want)
		}
	}
}

// An org-wide install has no team: Slack answers "team": null and the
// organisation; the fake makes up tokens when the grant has none.
func TestOAuthEnterpriseInstall(t *testing.T) {
	srv := newOAuthServer(t)
	srv.AddInstall("org", fakeslack.Grant{EnterpriseID: "E0ORG", EnterpriseName: "Org", EnterpriseInstall: true, BotUserID: "U0B", ExpiresIn: 60})
	resp, err := exchange(srv, clientID, clientSecret, "org")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Team.ID != "" || resp.Enterprise.ID != "E0ORG" || !resp.IsEnterpriseInstall || !strings.HasPrefix(resp.AccessToken, "xoxb-") || !strings.HasPrefix(resp.RefreshToken, "xoxe-") {
		t.Errorf("org install = %+v", resp)
	}
	who, err := slack.New(resp.AccessToken, slack.OptionAPIURL(srv.APIURL())).AuthTest()
	if err != nil || who.EnterpriseID != "E0ORG" || who.UserID != "U0B" {
		t.Errorf("auth.test = %+v, %v", who, err)
	}
}

func TestOAuthClientCredentials(t *testing.T) {
	srv := newOAuthServer(t)
	srv.AddInstall("c", acme)
	if _, err := exchange(srv, "999.999", clientSecret, "c"); slackErr(err) != "invalid_client_id" {
		t.Errorf("wrong client id: %v", err)
	}
	if _, err := exchange(srv, clientID, "nope", "c"); slackErr(err) != "bad_client_secret" {
		t.Errorf("wrong secret: %v", err)
	}
	// Slack's docs prefer HTTP Basic authentication for the credentials.
	for _, tt := range []struct {
		secret, want string
	}{{"nope", "bad_client_secret"}, {clientSecret, ""}} {
		req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+"oauth.v2.access", strings.NewReader(url.Values{"code": {"c"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(clientID, tt.secret)
		got := postRaw(t, req)
		if e, _ := got["error"].(string); e != tt.want || got["ok"] != (tt.want == "") {
			t.Errorf("basic auth with secret %q: %v, want error %q", tt.secret, got, tt.want)
		}
	}
	if calls := srv.Calls("oauth.v2.access"); len(calls) != 4 {
		t.Errorf("%d oauth.v2.access calls recorded, want 4", len(calls))
	}
}

func TestOAuthRefresh(t *testing.T) {
	srv := newOAuthServer(t)
	srv.AddInstall("c", acme)
	if _, err := exchange(srv, clientID, clientSecret, "c"); err != nil {
		t.Fatal(err)
	}
	refresh := func(rt string) (*slack.OAuthV2Response, error) {
		return slack.RefreshOAuthV2TokenContext(context.Background(), http.DefaultClient, clientID, clientSecret, rt, slack.OAuthOptionAPIURL(srv.APIURL()))
	}
	first, err := refresh("xoxe-1-acme")
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if first.AccessToken != "xoxb-acme-r1" || first.RefreshToken != "xoxe-1-acme-r1" || first.ExpiresIn != 43200 || first.Team.ID != "T0ACME" || first.TokenType != "bot" {
		t.Errorf("refresh = %+v", first)
	}
	if _, err := refresh("xoxe-1-acme"); slackErr(err) != "invalid_refresh_token" {
		t.Errorf("spent refresh token: %v, want invalid_refresh_token", err)
	}
	second, err := refresh(first.RefreshToken)
	if err != nil || second.AccessToken != "xoxb-acme-r2" || second.RefreshToken != "xoxe-1-acme-r2" {
		t.Errorf("second refresh = %+v, %v", second, err)
	}
	if got := srv.Refreshes("T0ACME"); got != 2 {
		t.Errorf("Refreshes = %d, want 2", got)
	}
	for _, tok := range []string{"xoxb-acme", "xoxb-acme-r1", "xoxb-acme-r2"} {
		if who, err := slack.New(tok, slack.OptionAPIURL(srv.APIURL())).AuthTest(); err != nil || who.TeamID != "T0ACME" {
			t.Errorf("auth.test with %s: %+v, %v", tok, who, err)
		}
	}
}

func TestRevokeTeam(t *testing.T) {
	srv := newOAuthServer(t)
	srv.AddInstall("a", acme)
	other := acme
	other.TeamID, other.BotToken, other.RefreshToken = "T0OTHER", "xoxb-other", "xoxe-1-other"
	srv.AddInstall("o", other)
	for _, code := range []string{"a", "o"} {
		if _, err := exchange(srv, clientID, clientSecret, code); err != nil {
			t.Fatal(err)
		}
	}
	srv.RevokeTeam("T0ACME")
	api := slack.New("xoxb-acme", slack.OptionAPIURL(srv.APIURL()))
	if _, err := api.AuthTest(); slackErr(err) != "token_revoked" {
		t.Errorf("auth.test after revoke: %v, want token_revoked", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); slackErr(err) != "token_revoked" {
		t.Errorf("chat.postMessage after revoke: %v, want token_revoked", err)
	}
	if len(srv.Messages("C1")) != 0 {
		t.Error("a revoked token posted a message")
	}
	_, err := slack.RefreshOAuthV2TokenContext(context.Background(), http.DefaultClient, clientID, clientSecret, "xoxe-1-acme", slack.OAuthOptionAPIURL(srv.APIURL()))
	if slackErr(err) != "invalid_refresh_token" {
		t.Errorf("refresh after revoke: %v, want invalid_refresh_token", err)
	}
	if _, _, err := slack.New("xoxb-other", slack.OptionAPIURL(srv.APIURL())).PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("another team's token after revoke: %v", err)
	}
	// Installing again issues a working token.
	again := acme
	again.BotToken = "xoxb-acme-2"
	srv.AddInstall("a2", again)
	if _, err := exchange(srv, clientID, clientSecret, "a2"); err != nil {
		t.Fatal(err)
	}
	if _, err := slack.New("xoxb-acme-2", slack.OptionAPIURL(srv.APIURL())).AuthTest(); err != nil {
		t.Errorf("token of a new install: %v", err)
	}
}

func postRaw(t *testing.T, req *http.Request) map[string]any {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func postForm(t *testing.T, srv *fakeslack.Server, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+"oauth.v2.access", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return postRaw(t, req)
}

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// The fake answers oauth.v2.access in the shape Slack does (testdata/
// README.md names the sources): the same fields with the same JSON types,
// and none Slack does not send. The user-token fields of authed_user are
// left out, as Slack leaves them out when no user scope was asked for.
func TestOAuthAnswerShape(t *testing.T) {
	srv := newOAuthServer(t)
	grid := acme
	grid.EnterpriseID, grid.EnterpriseName = "E0ORG", "Org"
	srv.AddInstall("plain", acme)
	srv.AddInstall("grid", grid)
	creds := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range creds {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	plain := postForm(t, srv, with("code", "plain"))
	gridAnswer := postForm(t, srv, with("code", "grid"))
	refreshed := postForm(t, srv, with("grant_type", "refresh_token", "refresh_token", "xoxe-1-acme"))
	for _, tt := range []struct {
		name, fixture string
		got           map[string]any
	}{
		{"exchange", "oauth_v2_access.json", plain},
		{"exchange in a grid", "oauth_v2_access.json", gridAnswer},
		{"refresh", "oauth_v2_access_refresh.json", refreshed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			compareShape(t, "", fixture(t, tt.fixture), tt.got, map[string]bool{
				"authed_user.scope": true, "authed_user.access_token": true, "authed_user.token_type": true,
			})
		})
	}
	if plain["enterprise"] != nil {
		t.Errorf("enterprise = %v outside a grid, want null", plain["enterprise"])
	}
	if e, _ := gridAnswer["enterprise"].(map[string]any); e["id"] != "E0ORG" || e["name"] != "Org" {
		t.Errorf("enterprise = %v, want E0ORG", gridAnswer["enterprise"])
	}
	if failed := postForm(t, srv, with("code", "plain")); failed["ok"] != false || failed["error"] != "invalid_code" || len(failed) != 2 {
		t.Errorf("refusal = %v, want {ok:false, error:invalid_code}", failed)
	}
}

// compareShape reports fields of want missing from got (unless optional),
// fields of got that want lacks, and fields whose JSON types differ; an
// object may be null (enterprise outside a grid).
func compareShape(t *testing.T, prefix string, want, got map[string]any, optional map[string]bool) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		path := strings.TrimPrefix(prefix+"."+k, ".")
		g, found := got[k]
		if !found {
			if !optional[path] {
				t.Errorf("%s: missing", path)
			}
			continue
		}
		switch w := want[k].(type) {
		case map[string]any:
			if g == nil {
				continue
			}
			gm, isMap := g.(map[string]any)
			if !isMap {
				t.Errorf("%s: %T, want an object", path, g)
				continue
			}
			compareShape(t, path, w, gm, optional)
		default:
			if jsonType(g) != jsonType(w) {
				t.Errorf("%s: %s, want %s", path, jsonType(g), jsonType(w))
			}
		}
	}
	for k := range got {
		if _, found := want[k]; !found {
			t.Errorf("%s: not in Slack's answer", strings.TrimPrefix(prefix+"."+k, "."))
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}
