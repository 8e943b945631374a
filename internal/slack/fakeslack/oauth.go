package fakeslack

import (
	"fmt"
	"net/http"
	"strings"
)

// Grant is what oauth.v2.access answers for one install code (AddInstall):
// the team that installed the app and the bot token Slack issues it.
type Grant struct {
	// TeamID and TeamName are the workspace; TeamID may be empty for an
	// org-wide install, which Slack answers with "team": null.
	TeamID, TeamName string
	// EnterpriseID and EnterpriseName are the Enterprise Grid
	// organisation, if any ("enterprise": null otherwise).
	EnterpriseID, EnterpriseName string
	// EnterpriseInstall is an org-wide install (is_enterprise_install).
	EnterpriseInstall bool
	AppID             string
	BotUserID         string
	// BotToken is the access_token; empty gets one made up from the team.
	BotToken string
	// Scope is the bot scopes, comma-separated, as Slack writes them.
	Scope string
	// InstallerID is authed_user.id, the person who installed the app.
	InstallerID string
	// RefreshToken and ExpiresIn (seconds) are answered when token
	// rotation is on; ExpiresIn > 0 with no RefreshToken gets one made up.
	RefreshToken string
	ExpiresIn    int
}

// key is where the fake files a grant's tokens: the organisation for an
// org-wide install, the team otherwise (as install.Installation.Key does).
func (g Grant) key() string {
	if g.EnterpriseInstall && g.EnterpriseID != "" {
		return g.EnterpriseID
	}
	return g.TeamID
}

// rotation is a live refresh token's grant, with the tokens first issued,
// which each refresh numbers: the Nth refresh of xoxb-a answers xoxb-a-rN.
type rotation struct {
	grant                  Grant
	firstBot, firstRefresh string
}

// issued is a token the fake handed out, and whose it is.
type issued struct {
	grant   Grant
	revoked bool
}

// oauthState is the fake's OAuth side: the app's credentials, the codes
// waiting to be exchanged, the refresh tokens and the tokens issued.
type oauthState struct {
	clientID, clientSecret string
	// codes are the codes not yet exchanged; spent are the used ones.
	codes map[string]Grant
	spent map[string]bool
	// refresh maps a live refresh token to its grant (the latest one).
	refresh map[string]rotation
	// tokens are the bot tokens issued, by token.
	tokens map[string]*issued
	// refreshes counts refresh grants by team (or organisation).
	refreshes map[string]int
	// registry is on once AddInstall was called: from then on every Web
	// API call must carry a token the fake issued.
	registry bool
}

func (o *oauthState) initLocked() {
	if o.codes == nil {
		o.codes = map[string]Grant{}
		o.spent = map[string]bool{}
		o.refresh = map[string]rotation{}
		o.tokens = map[string]*issued{}
		o.refreshes = map[string]int{}
	}
}

// SetClient sets the app's client id and secret, which every
// oauth.v2.access call must then present (as form values or with HTTP
// Basic authentication), or be refused with invalid_client_id or
// bad_client_secret, as Slack refuses them. Without SetClient any
// non-empty client id is accepted.
func (s *Server) SetClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.clientID, s.oauth.clientSecret = id, secret
}

// AddInstall makes code exchangeable, once, for g with oauth.v2.access,
// as the code Slack hands the redirect URL after a team adds the app.
//
// It also turns the token registry on: from then on every other Web API
// call must carry a token the fake issued (answered invalid_auth
// otherwise, not_authed with none), and auth.test answers the team and
// bot user of the token it is called with. Tests that never call
// AddInstall keep the single-team fake: any token works and auth.test
// answers TeamID and BotUserID. apps.connections.open (an app-level
// token) is not checked.
func (s *Server) AddInstall(code string, g Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.initLocked()
	s.oauth.registry = true
	s.oauth.codes[code] = g
	delete(s.oauth.spent, code)
}

// RevokeTeam revokes every token issued so far to team (a team or an
// organisation id), as uninstalling the app does: they answer
// token_revoked on every method, and the team's refresh token answers
// invalid_refresh_token. A later install (a new code) issues working
// tokens again.
func (s *Server) RevokeTeam(team string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.initLocked()
	for _, tok := range s.oauth.tokens {
		if tok.grant.key() == team || tok.grant.TeamID == team {
			tok.revoked = true
		}
	}
	for rt, rot := range s.oauth.refresh {
		if rot.grant.key() == team || rot.grant.TeamID == team {
			delete(s.oauth.refresh, rt)
		}
	}
}

// Refreshes counts the refresh grants (grant_type=refresh_token) the fake
// answered for team (a team or, for an org-wide install, an organisation
// id).
func (s *Server) Refreshes(team string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.refreshes[team]
}

// clientCredentials reads the client id and secret of an oauth call: HTTP
// Basic authentication, which Slack's docs prefer, or the form values
// slack-go sends.
func clientCredentials(c *Call) (id, secret string) {
	r := http.Request{Header: c.Header}
	if id, secret, ok := r.BasicAuth(); ok {
		return id, secret
	}
	return c.Param("client_id"), c.Param("client_secret")
}

// oauthAccessLocked answers oauth.v2.access: the code exchange and the
// refresh grant, with Slack's errors (https://docs.slack.dev/reference/
// methods/oauth.v2.access) and its answer's shape (testdata/README.md).
func (s *Server) oauthAccessLocked(c *Call) reply {
	s.oauth.initLocked()
	id, secret := clientCredentials(c)
	switch {
	case id == "" || (s.oauth.clientID != "" && id != s.oauth.clientID):
		return fail("invalid_client_id")
	case s.oauth.clientID != "" && secret != s.oauth.clientSecret:
		return fail("bad_client_secret")
	}
	switch c.Param("grant_type") {
	case "", "authorization_code":
		return s.exchangeCodeLocked(c.Param("code"))
	case "refresh_token":
		return s.refreshLocked(c.Param("refresh_token"))
	}
	return fail("invalid_grant_type")
}

func (s *Server) exchangeCodeLocked(code string) reply {
	g, found := s.oauth.codes[code]
	if code == "" || !found {
		return fail("invalid_code")
	}
	delete(s.oauth.codes, code)
	s.oauth.spent[code] = true
	if g.BotToken == "" {
		g.BotToken = s.nextIDLocked("xoxb-" + strings.ToLower(g.key()) + "-")
	}
	if g.ExpiresIn > 0 && g.RefreshToken == "" {
		g.RefreshToken = s.nextIDLocked("xoxe-1-" + strings.ToLower(g.key()) + "-")
	}
	s.oauth.tokens[g.BotToken] = &issued{grant: g}
	if g.ExpiresIn > 0 {
		s.oauth.refresh[g.RefreshToken] = rotation{grant: g, firstBot: g.BotToken, firstRefresh: g.RefreshToken}
	}
	body := grantJSON(g)
	body["authed_user"] = map[string]any{"id": g.InstallerID}
	return ok(body)
}

// refreshLocked answers the refresh grant: a new bot token and a new
// refresh token; the old refresh token is spent. The old bot token keeps
// working (Slack lets it run to its expiry, which the fake does not
// model).
func (s *Server) refreshLocked(rt string) reply {
	rot, found := s.oauth.refresh[rt]
	if rt == "" || !found {
		return fail("invalid_refresh_token")
	}
	delete(s.oauth.refresh, rt)
	g := rot.grant
	s.oauth.refreshes[g.key()]++
	n := s.oauth.refreshes[g.key()]
	// A refreshed token lasts Slack's 12 hours, whatever the first did.
	g.ExpiresIn = 12 * 60 * 60
	g.BotToken = fmt.Sprintf("%s-r%d", rot.firstBot, n)
	g.RefreshToken = fmt.Sprintf("%s-r%d", rot.firstRefresh, n)
	s.oauth.tokens[g.BotToken] = &issued{grant: g}
	rot.grant = g
	s.oauth.refresh[g.RefreshToken] = rot
	return ok(grantJSON(g))
}

// grantJSON is the part of oauth.v2.access's answer that the code exchange
// and the refresh grant share.
func grantJSON(g Grant) map[string]any {
	out := map[string]any{
		"app_id":                g.AppID,
		"access_token":          g.BotToken,
		"token_type":            "bot",
		"scope":                 g.Scope,
		"bot_user_id":           g.BotUserID,
		"team":                  nil,
		"enterprise":            nil,
		"is_enterprise_install": g.EnterpriseInstall,
	}
	if g.TeamID != "" {
		out["team"] = map[string]any{"id": g.TeamID, "name": g.TeamName}
	}
	if g.EnterpriseID != "" {
		out["enterprise"] = map[string]any{"id": g.EnterpriseID, "name": g.EnterpriseName}
	}
	if g.ExpiresIn > 0 {
		out["refresh_token"] = g.RefreshToken
		out["expires_in"] = g.ExpiresIn
	}
	return out
}

// tokenRefusedLocked checks the token of a Web API call once the token
// registry is on (AddInstall): a revoked token answers token_revoked, an
// unknown one invalid_auth, a missing one not_authed.
func (s *Server) tokenRefusedLocked(c *Call) (reply, bool) {
	if !s.oauth.registry || c.Method == "oauth.v2.access" || c.Method == "apps.connections.open" {
		return reply{}, false
	}
	if c.Token == "" {
		return fail("not_authed"), true
	}
	tok, found := s.oauth.tokens[c.Token]
	switch {
	case !found:
		return fail("invalid_auth"), true
	case tok.revoked:
		return fail("token_revoked"), true
	}
	return reply{}, false
}

// authTestLocked answers auth.test: the team and bot user of an issued
// token, or the single-team identity when no token was registered.
func (s *Server) authTestLocked(c *Call) reply {
	tok, found := s.oauth.tokens[c.Token]
	if !found {
		return ok(map[string]any{
			"url":     "https://journeybot-test.slack.com/",
			"team":    "Test Team",
			"user":    "journeybot",
			"team_id": TeamID,
			"user_id": BotUserID,
			"bot_id":  BotID,
		})
	}
	g := tok.grant
	out := map[string]any{
		"url":                   "https://" + strings.ToLower(g.key()) + ".slack.com/",
		"team":                  g.TeamName,
		"user":                  "journeybot",
		"team_id":               g.TeamID,
		"user_id":               g.BotUserID,
		"bot_id":                "B" + strings.TrimPrefix(g.BotUserID, "U"),
		"is_enterprise_install": g.EnterpriseInstall,
	}
	if g.EnterpriseID != "" {
		out["enterprise_id"] = g.EnterpriseID
	}
	return ok(out)
}
