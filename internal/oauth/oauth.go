// Package oauth is the "Add to Slack" flow of multi-workspace mode (OAuth
// v2): the install page, the redirect Slack sends the installer back to,
// the exchange of its code for a bot token, and the refresh of rotating
// tokens. Installations are kept in an install.Store; the pages speak the
// installer's language (English or French, from the catalog's [oauth]
// sentences).
//
// The flow's state guards against cross-site request forgery and replays:
// it is random, carries its issue time, is bound to the browser by a
// cookie and is remembered by the store, which gives it up once, whichever
// replica takes the redirect. Nothing secret is ever logged: not the code,
// the state, a token, nor the client secret.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/prompts"
)

// Routes of the flow: the install page and the redirect URL, which the app
// manifest's oauth_config.redirect_urls must name.
const (
	InstallPath  = "/slack/install"
	RedirectPath = "/slack/oauth_redirect"
)

// CookieName is the cookie that binds a state to the browser that asked
// for it.
const CookieName = "journeybot_oauth_state"

// Defaults for the Config fields left empty.
const (
	DefaultAuthorizeURL = "https://slack.com/oauth/v2/authorize"
	DefaultAPIURL       = goslack.APIURL
	DefaultStateTTL     = 10 * time.Minute
)

// exchangeTimeout bounds a call to oauth.v2.access.
const exchangeTimeout = 15 * time.Second

// clockSkew is how far in the future a state's issue time may be (another
// replica's clock may run a little ahead).
const clockSkew = time.Minute

// Config is what the flow needs. ClientID, ClientSecret and Store are
// required; the rest have defaults.
type Config struct {
	ClientID, ClientSecret string
	// Scopes are the bot scopes to ask for. The caller passes them (the
	// app passes internal/slack's Scopes, the list the app manifests in
	// deploy/ are tested against).
	Scopes []string
	// APIURL is the Web API base, with its trailing slash
	// (DefaultAPIURL, https://slack.com/api/): oauth.v2.access is
	// APIURL+"oauth.v2.access".
	APIURL string
	// AuthorizeURL is Slack's authorization page (DefaultAuthorizeURL).
	AuthorizeURL string
	// HTTPClient calls Slack (a client with a 15-second timeout).
	HTTPClient *http.Client
	Store      install.Store
	// Now is the clock (time.Now).
	Now func() time.Time
	// StateTTL is how long an install page's button works
	// (DefaultStateTTL). Every replica must use the same.
	StateTTL time.Duration
	// Logger receives one line per outcome (a discarding logger).
	Logger *slog.Logger
	// Catalog holds the pages' sentences (the embedded catalog).
	Catalog *prompts.Catalog
	// Installed, when not nil, is called after an installation was saved,
	// before the success page is written: keep it short.
	Installed func(ctx context.Context, inst install.Installation)
}

func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.AuthorizeURL == "" {
		c.AuthorizeURL = DefaultAuthorizeURL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: exchangeTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.StateTTL <= 0 {
		c.StateTTL = DefaultStateTTL
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Catalog == nil {
		c.Catalog = prompts.MustLoad()
	}
	return c
}

// Handler serves the install page and the redirect.
type Handler struct {
	cfg Config
	log *slog.Logger
}

// New returns the flow's handler. It panics without a Store: that is a
// wiring mistake, not a condition to handle.
func New(cfg Config) *Handler {
	if cfg.Store == nil {
		panic("oauth: Config.Store is nil")
	}
	cfg = cfg.withDefaults()
	return &Handler{cfg: cfg, log: cfg.Logger}
}

// Routes registers GET /slack/install and GET /slack/oauth_redirect.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+InstallPath, h.serveInstall)
	mux.HandleFunc("GET "+RedirectPath, h.serveRedirect)
}

// newState returns a fresh state: its issue time in Unix seconds, a dot,
// and 32 random bytes in base64url, so that any replica can tell its age
// from the state alone.
func newState(now time.Time) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random state: %w", err)
	}
	return strconv.FormatInt(now.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(b), nil
}

// stateIssued reads a state's issue time; false when it is not a state of
// ours.
func stateIssued(state string) (time.Time, bool) {
	secs, random, found := strings.Cut(state, ".")
	if !found || len(random) != base64.RawURLEncoding.EncodedLen(32) {
		return time.Time{}, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(random); err != nil {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// secure reports whether the browser reached us over HTTPS (directly or
// through a proxy that says so), for the cookie's Secure flag.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, state string) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: state, Path: "/slack/", MaxAge: int(h.cfg.StateTTL / time.Second),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/slack/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// authorizeURL is the "Add to Slack" link for state.
func (h *Handler) authorizeURL(state string) string {
	u, err := url.Parse(h.cfg.AuthorizeURL)
	if err != nil {
		u = &url.URL{Scheme: "https", Host: "slack.com", Path: "/oauth/v2/authorize"}
	}
	q := u.Query()
	q.Set("client_id", h.cfg.ClientID)
	q.Set("scope", strings.Join(h.cfg.Scopes, ","))
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *Handler) serveInstall(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	state, err := newState(h.cfg.Now())
	if err == nil {
		err = h.cfg.Store.PutState(r.Context(), state, h.cfg.StateTTL)
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "oauth: cannot start an installation", "err", err)
		h.write(w, http.StatusServiceUnavailable, h.unavailablePage(lang))
		return
	}
	h.setCookie(w, r, state)
	h.write(w, http.StatusOK, h.installPage(lang, h.authorizeURL(state)))
}

// Refusal reasons, logged and shown.
const (
	reasonMissing  = "missing"
	reasonNoCookie = "no_cookie"
	reasonMismatch = "mismatch"
	reasonExpired  = "expired"
	reasonUsed     = "used"
	reasonNoCode   = "no_code"
)

// checkState applies the state checks to a redirect, cheapest first: the
// state is there, matches this browser's cookie, is ours and young enough,
// and the store still had it (which forgets it). It returns a refusal
// reason, or an error when the store could not answer.
func (h *Handler) checkState(r *http.Request, state string) (string, error) {
	if state == "" {
		return reasonMissing, nil
	}
	cookie, err := r.Cookie(CookieName)
	if err != nil || cookie.Value == "" {
		return reasonNoCookie, nil
	}
	if subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		return reasonMismatch, nil
	}
	issued, ok := stateIssued(state)
	if !ok {
		return reasonMismatch, nil
	}
	age := h.cfg.Now().Sub(issued)
	if age > h.cfg.StateTTL || age < -clockSkew {
		return reasonExpired, nil
	}
	took, err := h.cfg.Store.TakeState(r.Context(), state)
	if err != nil {
		return "", err
	}
	if !took {
		return reasonUsed, nil
	}
	return "", nil
}

func (h *Handler) serveRedirect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := langOf(r)
	q := r.URL.Query()
	if q.Has("error") {
		// The installer pressed Cancel (access_denied), or Slack could
		// not go on; nothing to exchange, nothing to store.
		h.clearCookie(w, r)
		code := slackCode(q.Get("error"))
		h.log.InfoContext(ctx, "oauth: installation not completed", "slack_error", code)
		status := http.StatusOK
		if code != "access_denied" {
			status = http.StatusBadRequest
		}
		h.write(w, status, h.cancelledPage(lang, code))
		return
	}
	reason, err := h.checkState(r, q.Get("state"))
	if err != nil {
		h.log.ErrorContext(ctx, "oauth: cannot check the state", "err", err)
		h.write(w, http.StatusServiceUnavailable, h.unavailablePage(lang))
		return
	}
	if reason == "" && q.Get("code") == "" {
		reason = reasonNoCode
	}
	if reason != "" {
		h.clearCookie(w, r)
		h.log.InfoContext(ctx, "oauth: redirect refused", "reason", reason)
		h.write(w, http.StatusBadRequest, h.refusedPage(lang, reason))
		return
	}
	h.clearCookie(w, r)

	inst, err := h.exchange(ctx, q.Get("code"))
	if err != nil {
		code := errorCode(err)
		h.log.WarnContext(ctx, "oauth: code exchange failed", "slack_error", code, "err", redact(err, h.cfg.ClientSecret, q.Get("code"), q.Get("state")))
		key := "failed_exchange"
		if code == "" {
			key = "failed_unreachable"
		}
		h.write(w, http.StatusBadGateway, h.failedPage(lang, key, code))
		return
	}
	if err := h.cfg.Store.SaveInstallation(ctx, inst); err != nil {
		h.log.ErrorContext(ctx, "oauth: cannot save the installation", "installation", inst, "err", err)
		h.write(w, http.StatusInternalServerError, h.failedPage(lang, "failed_store", ""))
		return
	}
	h.log.InfoContext(ctx, "oauth: installed", "installation", inst, "app", inst.AppID, "installer", inst.InstallerID)
	if h.cfg.Installed != nil {
		h.cfg.Installed(ctx, inst)
	}
	h.write(w, http.StatusOK, h.donePage(lang, inst))
}

// errIncomplete is an oauth.v2.access answer that is ok but lacks what an
// installation needs.
var errIncomplete = errors.New("oauth: Slack's answer has no bot token, bot user or team")

// exchange trades the redirect's code for the team's installation.
func (h *Handler) exchange(ctx context.Context, code string) (install.Installation, error) {
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	resp, err := goslack.GetOAuthV2ResponseContext(ctx, h.cfg.HTTPClient, h.cfg.ClientID, h.cfg.ClientSecret, code, "", goslack.OAuthOptionAPIURL(h.cfg.APIURL))
	if err != nil {
		return install.Installation{}, fmt.Errorf("oauth.v2.access: %w", err)
	}
	now := h.cfg.Now()
	inst := install.Installation{
		TeamID:            resp.Team.ID,
		TeamName:          resp.Team.Name,
		EnterpriseID:      resp.Enterprise.ID,
		EnterpriseInstall: resp.IsEnterpriseInstall,
		AppID:             resp.AppID,
		BotToken:          resp.AccessToken,
		BotUserID:         resp.BotUserID,
		Scopes:            splitScopes(resp.Scope),
		InstallerID:       resp.AuthedUser.ID,
		InstalledAt:       now,
	}
	if resp.ExpiresIn > 0 {
		inst.RefreshToken = resp.RefreshToken
		inst.ExpiresAt = now.Add(time.Duration(resp.ExpiresIn) * time.Second)
	}
	if inst.BotToken == "" || (resp.TokenType != "" && resp.TokenType != "bot") || inst.BotUserID == "" || !install.ValidKey(inst.Key()) {
		return install.Installation{}, errIncomplete
	}
	return inst, nil
}

func splitScopes(s string) []string {
	var out []string
	for sc := range strings.SplitSeq(s, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out = append(out, sc)
		}
	}
	return out
}

// Refresh trades inst's refresh token for a new bot token (the refresh
// grant of token rotation) and returns inst with the new BotToken,
// RefreshToken and ExpiresAt; the caller saves it. The error names the
// team and Slack's error code (a goslack.SlackErrorResponse in the chain,
// e.g. invalid_refresh_token once the app was uninstalled), never a token
// or the client secret.
func Refresh(ctx context.Context, cfg Config, inst install.Installation) (install.Installation, error) {
	cfg = cfg.withDefaults()
	if inst.RefreshToken == "" {
		return install.Installation{}, fmt.Errorf("oauth: refresh %s: no refresh token (token rotation is off)", inst.Key())
	}
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	resp, err := goslack.RefreshOAuthV2TokenContext(ctx, cfg.HTTPClient, cfg.ClientID, cfg.ClientSecret, inst.RefreshToken, goslack.OAuthOptionAPIURL(cfg.APIURL))
	if err != nil {
		return install.Installation{}, fmt.Errorf("oauth: refresh %s: %w", inst.Key(), redact(err, cfg.ClientSecret, inst.RefreshToken, inst.BotToken))
	}
	if resp.AccessToken == "" {
		return install.Installation{}, fmt.Errorf("oauth: refresh %s: Slack's answer has no token", inst.Key())
	}
	now := cfg.Now()
	inst.BotToken = resp.AccessToken
	if resp.RefreshToken != "" {
		inst.RefreshToken = resp.RefreshToken
	}
	inst.ExpiresAt = time.Time{}
	if resp.ExpiresIn > 0 {
		inst.ExpiresAt = now.Add(time.Duration(resp.ExpiresIn) * time.Second)
	}
	return inst, nil
}

// errorCode is the Slack error code in err's chain ("" for a failure to
// reach Slack; "invalid_response" for an answer we cannot use).
func errorCode(err error) string {
	var se goslack.SlackErrorResponse
	switch {
	case errors.As(err, &se):
		return slackCode(se.Err)
	case errors.Is(err, errIncomplete):
		return "invalid_response"
	}
	var sc goslack.StatusCodeError
	if errors.As(err, &sc) {
		return "http_" + strconv.Itoa(sc.Code)
	}
	return ""
}

// slackCode keeps an error code fit to log and show: Slack's codes are
// short snake_case words; anything else (the error parameter is whatever
// the address says) becomes "unknown".
func slackCode(s string) string {
	if s == "" || len(s) > 64 {
		return "unknown"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "unknown"
		}
	}
	return s
}

// redacted is an error whose text had a secret in it.
type redacted struct{ msg string }

func (e redacted) Error() string { return e.msg }

// redact returns err, or, should its text hold one of the secrets (slack-go's
// errors do not, but a transport's might quote more than it should), an
// error with them cut out. A Slack error response is kept as it is: it
// holds only Slack's code.
func redact(err error, secrets ...string) error {
	msg := err.Error()
	found := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			found = true
		}
	}
	if !found {
		return err
	}
	return redacted{msg: msg}
}
