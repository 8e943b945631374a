package app

// Multi-workspace mode (issue 17), played from outside: teams install the
// app through /slack/install and /slack/oauth_redirect against the fake
// Slack's oauth.v2.access, then run workshops side by side.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

const (
	testClientID     = "1764579990.000777"
	testClientSecret = "client-secret-never-logged-0042"
)

// teamGrant is what the fake Slack gives team id when it installs the
// app: its own bot token, bot user and installer.
func teamGrant(id string) fakeslack.Grant {
	lower := strings.ToLower(id)
	return fakeslack.Grant{TeamID: id, TeamName: "Team " + id, AppID: "A0JOURNEY1", BotUserID: "UBOT" + id[1:],
		BotToken: "xoxb-" + lower + "-secret-token", Scope: "chat:write,commands", InstallerID: "U1"}
}

// multiEnv is serveEnv in multi-workspace mode: no bot token, the app's
// OAuth credentials.
func multiEnv(t *testing.T, fake *fakeslack.Server) map[string]string {
	env := serveEnv(t, fake)
	delete(env, "SLACK_BOT_TOKEN")
	env["SLACK_CLIENT_ID"], env["SLACK_CLIENT_SECRET"] = testClientID, testClientSecret
	fake.SetClient(testClientID, testClientSecret)
	return env
}

// withTeamSync makes each replica read the installations every d.
func withTeamSync(d time.Duration) serveOption {
	return func(e *Env) { e.teamSync = d }
}

// browser is a person's browser: it keeps cookies, and does not follow
// redirects (to Slack's own pages).
func (s *server) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path with c and returns the status and the page.
func (s *server) get(c *http.Client, path string) (int, string) {
	s.t.Helper()
	resp, err := c.Get("http://" + s.addr + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// installState opens the install page in c and returns the state its Add
// to Slack button carries.
func (s *server) installState(c *http.Client) string {
	s.t.Helper()
	code, page := s.get(c, "/slack/install")
	if code != http.StatusOK {
		s.t.Fatalf("/slack/install: %d\n%s", code, page)
	}
	i := strings.Index(page, "state=")
	if i < 0 {
		s.t.Fatalf("no state in the install page:\n%s", page)
	}
	state := page[i+len("state="):]
	state = state[:strings.IndexAny(state, `"&'`)]
	st, err := url.QueryUnescape(strings.ReplaceAll(state, "&amp;", "&"))
	if err != nil {
		s.t.Fatal(err)
	}
	s.states = append(s.states, st)
	return st
}

// install plays a whole install of team from the browser c: the install
// page, Slack's consent (the fake's code), the redirect.
func (s *server) install(team string) {
	s.t.Helper()
	code := "code-" + strings.ToLower(team) + "-secret"
	s.fake.AddInstall(code, teamGrant(team))
	s.redirect(code)
}

// redirect opens the install page in a new browser, then comes back from
// Slack's consent screen with code, and checks the success page.
func (s *server) redirect(code string) {
	s.t.Helper()
	c := s.browser()
	state := s.installState(c)
	status, page := s.get(c, "/slack/oauth_redirect?"+url.Values{"code": {code}, "state": {state}}.Encode())
	if status != http.StatusOK {
		s.t.Fatalf("install with %s: %d\n%s", code, status, page)
	}
	if !strings.Contains(page, "/invite") || !strings.Contains(page, "/journey start") {
		s.t.Errorf("the success page does not say what to do next:\n%s", page)
	}
}

// teamCommand sends /journey text from user in C1 of team.
func (s *server) teamCommand(team, user, text string) {
	s.t.Helper()
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "trigger_id": {"TR"},
		"team_id": {team}, "is_enterprise_install": {"false"}}
	if code := s.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded", nil); code != http.StatusOK {
		s.t.Fatalf("/journey %s in %s: %d", text, team, code)
	}
}

// teamEvent sends an Events API event of team, with its authorizations.
func (s *server) teamEvent(team string, event map[string]any) {
	s.t.Helper()
	ts := fmt.Sprintf("1900000000.%06d", replyTS.Add(1))
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "team_id": team, "api_app_id": "A0JOURNEY1",
		"event": event, "authorizations": []map[string]any{{"team_id": team, "user_id": "UBOT" + team[1:], "is_bot": true, "is_enterprise_install": false}}})
	if code := s.signed("/slack/events", body, "application/json", nil); code != http.StatusOK {
		s.t.Fatalf("event %v in %s: %d", event["type"], team, code)
	}
}

// callsWith are the fake's recorded calls of method that carried token.
func callsWith(fake *fakeslack.Server, method, token string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range fake.Calls(method) {
		if c.Token == token {
			out = append(out, c)
		}
	}
	return out
}

// said is every text the bot sent with token (posts and ephemerals).
func said(fake *fakeslack.Server, token string) string {
	var b strings.Builder
	for _, m := range []string{"chat.postMessage", "chat.postEphemeral", "chat.update"} {
		for _, c := range callsWith(fake, m, token) {
			b.WriteString(c.Param("text"))
			b.WriteString(c.Param("blocks"))
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestTwoTeamsKeptApart(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	s := startServe(t, fake, env)
	s.install("TAAAA1")
	s.install("TBBBB2")
	tokA, tokB := teamGrant("TAAAA1").BotToken, teamGrant("TBBBB2").BotToken

	s.teamCommand("TAAAA1", "U1", "start Alpha checkout")
	s.teamCommand("TBBBB2", "U1", "start Beta onboarding")
	s.waitFor("both workshops posted", func() bool {
		return strings.Contains(said(fake, tokA), "Alpha checkout") && strings.Contains(said(fake, tokB), "Beta onboarding")
	})
	s.teamCommand("TAAAA1", "U1", "list")
	s.teamCommand("TBBBB2", "U1", "status W1")
	s.waitFor("the list and the status", func() bool {
		return len(callsWith(fake, "chat.postEphemeral", tokA)) > 0 && len(callsWith(fake, "chat.postEphemeral", tokB)) > 0
	})
	s.teamCommand("TAAAA1", "U1", "export json")
	s.teamCommand("TBBBB2", "U1", "export json")
	s.waitFor("both exports uploaded", func() bool { return len(fake.Uploads()) >= 2 })
	var exported []string
	for _, u := range fake.Uploads() {
		var doc struct {
			ID, Title string
		}
		if err := json.Unmarshal(u.Data, &doc); err != nil {
			t.Fatalf("upload %s: %v", u.Filename, err)
		}
		exported = append(exported, doc.ID+" "+doc.Title)
	}
	slices.Sort(exported)
	if want := []string{"W1 Alpha checkout", "W1 Beta onboarding"}; !slices.Equal(exported, want) {
		t.Errorf("exports %q, want %q", exported, want)
	}
	if a, b := said(fake, tokA), said(fake, tokB); strings.Contains(a, "Beta") || strings.Contains(b, "Alpha") {
		t.Errorf("a team saw the other's workshop:\nA: %s\nB: %s", a, b)
	}
	for _, c := range fake.AllCalls() {
		if strings.HasPrefix(c.Method, "oauth.") {
			continue
		}
		if c.Token != tokA && c.Token != tokB {
			t.Errorf("%s called with token %q, not a team's", c.Method, c.Token)
		}
	}

	if code, page := s.get(http.DefaultClient, "/metrics"); code != http.StatusOK || !strings.Contains(page, `journeybot_installations{state="active"} 2`) {
		t.Errorf("/metrics: %d, no gauge of two active installations", code)
	}

	// The CLI: one team at a time.
	_, _, err := runApp(t, env, "", "list", "-format", "json")
	if err == nil || !strings.Contains(err.Error(), "-team") {
		t.Errorf("list with two teams and no -team: %v", err)
	}
	for team, title := range map[string]string{"TAAAA1": "Alpha checkout", "TBBBB2": "Beta onboarding"} {
		out, errOut, err := runApp(t, env, "", "list", "-format", "json", "-team", team)
		if err != nil {
			t.Fatalf("list -team %s: %v\n%s", team, err, errOut)
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0]["title"] != title || list[0]["id"] != "W1" {
			t.Errorf("list -team %s: %s (%v)", team, out, err)
		}
		js, _, err := runApp(t, env, "", "export", "-workshop", "W1", "-format", "json", "-team", team)
		if err != nil || !strings.Contains(js, title) {
			t.Errorf("export -team %s: %v\n%.300s", team, err, js)
		}
	}
	if _, _, err := runApp(t, env, "", "list", "-team", "TZZZZ9"); err == nil || !strings.Contains(err.Error(), "TAAAA1") {
		t.Errorf("list -team of a team not installed: %v", err)
	}

	// Nothing secret in a line of the whole run, at debug level: tokens,
	// the client secret, the codes, the states.
	logs := s.logs.String()
	if env["LOG_LEVEL"] != "debug" || !strings.Contains(logs, "oauth: installed") || !strings.Contains(logs, "serving team") {
		t.Fatalf("the run was not logged at debug level, install included: the scan would prove nothing\n%s", logs)
	}
	for _, secret := range []string{tokA, tokB, testClientSecret, testSecret, "code-taaaa1-secret", "xoxb-"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
	for _, st := range s.states {
		if strings.Contains(logs, st) {
			t.Errorf("the logs hold an OAuth state")
		}
	}
}

func TestInstallRefusesBadStates(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	clock := &rvClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	s := startServe(t, fake, env, withClock(clock.Now, time.Hour))
	fake.AddInstall("code-a", teamGrant("TAAAA1"))
	redirect := func(c *http.Client, state string) int {
		q := url.Values{"code": {"code-a"}}
		if state != "" {
			q.Set("state", state)
		}
		code, _ := s.get(c, "/slack/oauth_redirect?"+q.Encode())
		return code
	}
	installs := func() int { return len(fake.Calls("oauth.v2.access")) }

	c := s.browser()
	good := s.installState(c)
	if code := redirect(c, ""); code != http.StatusBadRequest {
		t.Errorf("no state: %d, want 400", code)
	}
	if code := redirect(c, good+"x"); code != http.StatusBadRequest {
		t.Errorf("wrong state: %d, want 400", code)
	}
	other := s.browser() // the state is bound to the browser that asked for it
	if code := redirect(other, good); code != http.StatusBadRequest {
		t.Errorf("state from another browser: %d, want 400", code)
	}
	old := s.installState(c)
	clock.Set(clock.Now().Add(11 * time.Minute))
	if code := redirect(c, old); code != http.StatusBadRequest {
		t.Errorf("expired state: %d, want 400", code)
	}
	if n := installs(); n != 0 {
		t.Fatalf("a refused redirect exchanged its code (%d oauth.v2.access calls)", n)
	}
	stored := func() []string {
		var out []string
		for _, k := range redisKeys(t, env["REDIS_PREFIX"]) {
			if strings.Contains(k, ":install") {
				out = append(out, k)
			}
		}
		return out
	}
	if keys := stored(); len(keys) != 0 {
		t.Fatalf("refused redirects stored installations: %v", keys)
	}
	fresh := s.installState(c)
	if code := redirect(c, fresh); code != http.StatusOK {
		t.Fatalf("good state: %d", code)
	}
	if code := redirect(c, fresh); code != http.StatusBadRequest {
		t.Errorf("replayed state: %d, want 400", code)
	}
	if n := installs(); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
	if keys := stored(); len(keys) != 2 { // the installation and the index
		t.Errorf("after one install, keys %v", keys)
	}
}

// redisKeys lists every key of the test's Redis prefix.
func redisKeys(t *testing.T, prefix string) []string {
	t.Helper()
	client, _ := redistest.Client(t)
	keys, err := client.Keys(context.Background(), prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

func TestUninstalledTeamStopsAndPurges(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	prefix := env["REDIS_PREFIX"]
	s := startServe(t, fake, env, withClock(time.Now, 10*time.Millisecond))
	// A second replica, which serves team A too, and is not told of the
	// uninstall.
	s2 := startServe(t, fake, env, withClock(time.Now, 10*time.Millisecond))
	s.install("TAAAA1")
	s.install("TBBBB2")
	tokA, tokB := teamGrant("TAAAA1").BotToken, teamGrant("TBBBB2").BotToken
	s.teamCommand("TAAAA1", "U1", "start Workshop of TAAAA1")
	s2.teamCommand("TBBBB2", "U1", "start Workshop of TBBBB2")
	s.waitFor("both workshops posted", func() bool {
		return strings.Contains(said(fake, tokA), "Workshop of TAAAA1") && strings.Contains(said(fake, tokB), "Workshop of TBBBB2")
	})
	s2.teamCommand("TAAAA1", "U1", "status")
	s2.waitFor("team A's status from the second replica", func() bool { return len(callsWith(fake, "chat.postEphemeral", tokA)) > 0 })
	settle(s, s2)

	s.teamEvent("TAAAA1", map[string]any{"type": "app_uninstalled", "event_ts": "1764579990.000100"})
	fake.RevokeTeam("TAAAA1") // as Slack does: the token dies with the install
	before := len(fake.AllCalls())
	callsA := len(callsWith(fake, "chat.postMessage", tokA)) + len(callsWith(fake, "chat.postEphemeral", tokA))
	s.teamCommand("TAAAA1", "U1", "status")
	s2.teamCommand("TAAAA1", "U1", "status")
	s2.teamCommand("TBBBB2", "U1", "status")
	s.waitFor("team B's status", func() bool { return len(fake.AllCalls()) > before })
	settle(s, s2)
	for _, c := range fake.AllCalls()[before:] {
		if c.Token != tokB {
			t.Errorf("after the uninstall, %s was called with %q", c.Method, c.Token)
		}
	}
	if n := len(callsWith(fake, "chat.postMessage", tokA)) + len(callsWith(fake, "chat.postEphemeral", tokA)); n != callsA {
		t.Errorf("team A's token was used %d more times after the uninstall", n-callsA)
	}
	for _, r := range []*server{s, s2} {
		if strings.Contains(r.logs.String(), tokA) {
			t.Error("the logs hold team A's token")
		}
	}

	// Its data is kept until the retention ends, then purged at once on demand.
	all := redisKeys(t, prefix)
	teamA := prefix + ":t:TAAAA1:"
	if !slices.ContainsFunc(all, func(k string) bool { return strings.HasPrefix(k, teamA) }) {
		t.Fatalf("team A's data is gone before its retention ended: %v", all)
	}
	out, errOut, err := runApp(t, env, "", "purge", "-team", "TAAAA1")
	if err != nil {
		t.Fatalf("purge: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "TAAAA1") {
		t.Errorf("purge said %q", out)
	}
	after := redisKeys(t, prefix)
	var want []string
	for _, k := range all {
		if !strings.HasPrefix(k, teamA) && !strings.Contains(k, "{TAAAA1}") {
			want = append(want, k)
		}
	}
	if !slices.Equal(after, want) {
		t.Errorf("after the purge, keys\n%v\nwant every key but team A's\n%v", after, want)
	}
	if !slices.ContainsFunc(after, func(k string) bool { return strings.HasPrefix(k, prefix+":t:TBBBB2:") }) {
		t.Error("team B's data went with team A's")
	}
	// Team B works on.
	n := len(callsWith(fake, "chat.postEphemeral", tokB))
	s.teamCommand("TBBBB2", "U1", "status")
	s.waitFor("team B's status after the purge", func() bool { return len(callsWith(fake, "chat.postEphemeral", tokB)) > n })

	// Team A comes back: a new install, a new token, a workshop from nothing.
	again := teamGrant("TAAAA1")
	again.BotToken = "xoxb-taaaa1-again-secret"
	fake.AddInstall("code-again", again)
	s2.redirect("code-again")
	s.teamCommand("TAAAA1", "U1", "start Second life")
	s.waitFor("team A's new workshop", func() bool { return strings.Contains(said(fake, again.BotToken), "Second life") })
	out, _, err = runApp(t, env, "", "list", "-format", "json", "-team", "TAAAA1")
	if err != nil || !strings.Contains(out, `"W1"`) || strings.Contains(out, "Workshop of") {
		t.Errorf("team A's list after it came back: %v\n%s", err, out)
	}
}

func TestRotatingTokenRefreshedOnceByThreeReplicas(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	g := teamGrant("TAAAA1")
	g.RefreshToken, g.ExpiresIn = "xoxe-1-refresh-secret", 60
	fake.AddInstall("code-a", g)
	var replicas []*server
	for range 3 {
		replicas = append(replicas, startServe(t, fake, env, withTeamSync(20*time.Millisecond), withClock(time.Now, 10*time.Millisecond)))
	}
	replicas[0].redirect("code-a")
	replicas[0].waitFor("the token refreshed", func() bool { return fake.Refreshes("TAAAA1") >= 1 })
	fresh := g.BotToken + "-r1"
	// Every replica posts with the new token once it has read it.
	for i, r := range replicas {
		n := len(callsWith(fake, "chat.postMessage", fresh))
		r.teamCommand("TAAAA1", "U1", fmt.Sprintf("start Replica %d", i))
		r.waitFor("a post with the refreshed token", func() bool { return len(callsWith(fake, "chat.postMessage", fresh)) > n })
	}
	settle(replicas...)
	if n := fake.Refreshes("TAAAA1"); n != 1 {
		t.Errorf("%d refreshes, want exactly 1", n)
	}
	for _, r := range replicas {
		for _, secret := range []string{g.BotToken, fresh, g.RefreshToken, testClientSecret} {
			if strings.Contains(r.logs.String(), secret) {
				t.Errorf("a replica's logs hold %q", secret)
			}
		}
	}
}

// An uninstalled team's data is purged by itself once UNINSTALL_RETENTION
// has passed, and not before.
func TestRetentionPurgesUninstalledTeam(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	env["UNINSTALL_RETENTION"] = "7d"
	prefix := env["REDIS_PREFIX"]
	clock := &rvClock{t: time.Now()}
	synced := make(chan struct{}, 1)
	s := startServe(t, fake, env, withClock(clock.Now, 10*time.Millisecond), withTeamSync(10*time.Millisecond),
		func(e *Env) {
			e.teamSynced = func() {
				select {
				case synced <- struct{}{}:
				default:
				}
			}
		})
	syncs := func(n int) {
		for range n {
			select {
			case <-synced:
			case <-time.After(serveWait):
				t.Fatal("no sync of the installations")
			}
		}
	}
	s.install("TAAAA1")
	s.install("TBBBB2")
	for _, team := range []string{"TAAAA1", "TBBBB2"} {
		s.teamCommand(team, "U1", "start Workshop of "+team)
	}
	s.waitFor("both workshops posted", func() bool {
		return strings.Contains(said(fake, teamGrant("TAAAA1").BotToken), "Workshop of TAAAA1") &&
			strings.Contains(said(fake, teamGrant("TBBBB2").BotToken), "Workshop of TBBBB2")
	})
	s.teamEvent("TAAAA1", map[string]any{"type": "app_uninstalled"})
	hasA := func() bool {
		return slices.ContainsFunc(redisKeys(t, prefix), func(k string) bool { return strings.HasPrefix(k, prefix+":t:TAAAA1:") })
	}
	clock.Set(clock.Now().Add(6 * 24 * time.Hour))
	syncs(2)
	if !hasA() {
		t.Fatal("team A's data purged before its retention ended")
	}
	clock.Set(clock.Now().Add(2 * 24 * time.Hour))
	syncs(2)
	if hasA() {
		t.Error("team A's data still there a day after its retention ended")
	}
	if !slices.ContainsFunc(redisKeys(t, prefix), func(k string) bool { return strings.HasPrefix(k, prefix+":t:TBBBB2:") }) {
		t.Error("team B's data went with team A's")
	}
	if !strings.Contains(s.logs.String(), "purged") {
		t.Error("the purge is not logged")
	}
}

// A token Slack refuses for good (the tokens_revoked event missed) is
// treated as an uninstall: the one refused call, and none after it.
func TestRevokedTokenWithoutEventStopsTheTeam(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	s := startServe(t, fake, env)
	s.install("TAAAA1")
	tok := teamGrant("TAAAA1").BotToken
	s.teamCommand("TAAAA1", "U1", "start Alpha")
	s.waitFor("the workshop posted", func() bool { return strings.Contains(said(fake, tok), "Alpha") })

	fake.RevokeTeam("TAAAA1")
	refused := func() int {
		n := 0
		for _, c := range fake.AllCalls() {
			if c.Token == tok && c.Error == "token_revoked" {
				n++
			}
		}
		return n
	}
	s.teamCommand("TAAAA1", "U1", "status")
	s.waitFor("a call refused", func() bool { return refused() > 0 })
	s.waitFor("the team marked uninstalled", func() bool { return strings.Contains(s.logs.String(), "treated as uninstalled") })
	first := len(callsWith(fake, "chat.postEphemeral", tok)) + len(callsWith(fake, "chat.postMessage", tok)) + refused()
	for range 3 {
		s.teamCommand("TAAAA1", "U1", "status")
	}
	s.waitFor("the requests ignored", func() bool {
		return strings.Count(s.logs.String(), "request for a team with no installation") >= 3
	})
	if n := len(callsWith(fake, "chat.postEphemeral", tok)) + len(callsWith(fake, "chat.postMessage", tok)) + refused(); n != first {
		t.Errorf("%d more calls with the revoked token", n-first)
	}
}

// An org-wide install (Enterprise Grid) is kept under its organisation and
// serves every workspace of it: a command from one of them, flagged
// is_enterprise_install, is answered with the organisation's token.
func TestOrgWideInstallServesItsWorkspaces(t *testing.T) {
	fake := newFake(t)
	env := multiEnv(t, fake)
	s := startServe(t, fake, env)
	g := fakeslack.Grant{EnterpriseID: "EORG1", EnterpriseName: "Org", EnterpriseInstall: true, AppID: "A0JOURNEY1",
		BotUserID: "UBOTORG", BotToken: "xoxb-org-wide-secret", Scope: "chat:write,commands", InstallerID: "U1"}
	fake.AddInstall("code-org", g)
	s.redirect("code-org")
	for _, team := range []string{"TWS0001", "TWS0002"} {
		form := url.Values{"command": {"/journey"}, "text": {"start Org workshop " + team}, "user_id": {"U1"}, "channel_id": {"C" + team[1:]},
			"trigger_id": {"TR"}, "team_id": {team}, "enterprise_id": {"EORG1"}, "is_enterprise_install": {"true"}}
		if code := s.signed("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded", nil); code != http.StatusOK {
			t.Fatalf("command from %s: %d", team, code)
		}
	}
	s.waitFor("both workspaces' workshops", func() bool {
		return strings.Contains(said(fake, g.BotToken), "Org workshop TWS0001") && strings.Contains(said(fake, g.BotToken), "Org workshop TWS0002")
	})
	out, _, err := runApp(t, env, "", "list", "-format", "json", "-team", "EORG1")
	if err != nil || strings.Count(out, `"id"`) != 2 {
		t.Errorf("the organisation's workshops: %v\n%s", err, out)
	}
}
