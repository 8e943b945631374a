package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/oauth"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/prompts"
)

const (
	clientID     = "1234.5678"
	clientSecret = "client-secret-value"
	goodCode     = "code-4724469134-good"
)

var scopes = []string{"chat:write", "commands", "channels:history"}

// grant is the team the fake Slack installs for goodCode; its name needs
// escaping.
var grant = fakeslack.Grant{
	TeamID: "T0ACME", TeamName: "Acme <&> Co", AppID: "A0JOURNEY", BotUserID: "U0JBOT",
	BotToken: "xoxb-acme-secret-token", Scope: "chat:write,commands,channels:history", InstallerID: "U0ADA",
	RefreshToken: "xoxe-1-acme-refresh", ExpiresIn: 43200,
}

// catalog is loaded once: parsing it takes a while under -race.
var catalog = sync.OnceValue(prompts.MustLoad)

// memStore is an in-memory install.Store on the test's clock.
type memStore struct {
	mu     sync.Mutex
	now    func() time.Time
	insts  map[string]install.Installation
	states map[string]time.Time
	saves  int
	// failStates makes PutState and TakeState fail.
	failStates bool
}

var errStore = errors.New("store down")

func newMemStore(now func() time.Time) *memStore {
	return &memStore{now: now, insts: map[string]install.Installation{}, states: map[string]time.Time{}}
}

func (s *memStore) SaveInstallation(_ context.Context, inst install.Installation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insts[inst.Key()] = inst
	s.saves++
	return nil
}

func (s *memStore) Installation(_ context.Context, key string) (install.Installation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, ok := s.insts[key]
	if !ok {
		return install.Installation{}, install.ErrNotFound
	}
	return inst, nil
}

func (s *memStore) Installations(_ context.Context) ([]install.Installation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []install.Installation
	for _, k := range slices.Sorted(maps.Keys(s.insts)) {
		out = append(out, s.insts[k])
	}
	return out, nil
}

func (s *memStore) DeleteInstallation(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.insts, key)
	return nil
}

func (s *memStore) PutState(_ context.Context, state string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failStates {
		return errStore
	}
	s.states[state] = s.now().Add(ttl)
	return nil
}

func (s *memStore) TakeState(_ context.Context, state string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failStates {
		return false, errStore
	}
	exp, ok := s.states[state]
	delete(s.states, state)
	return ok && s.now().Before(exp), nil
}

func (s *memStore) count() (insts, saves, states int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.insts), s.saves, len(s.states)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink the handler may write from several requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	t     *testing.T
	cfg   oauth.Config
	app   *httptest.Server
	slack *fakeslack.Server
	store *memStore
	clock *clock
	logs  *syncBuffer

	mu        sync.Mutex
	installed []install.Installation
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	e.store = newMemStore(e.clock.Now)
	e.slack = fakeslack.New()
	t.Cleanup(e.slack.Close)
	e.slack.SetClient(clientID, clientSecret)
	e.slack.AddInstall(goodCode, grant)
	e.cfg = oauth.Config{
		ClientID: clientID, ClientSecret: clientSecret, Scopes: scopes,
		APIURL: e.slack.APIURL(), Store: e.store, Now: e.clock.Now,
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Catalog: catalog(),
		Installed: func(_ context.Context, inst install.Installation) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.installed = append(e.installed, inst)
		},
	}
	mux := http.NewServeMux()
	oauth.New(e.cfg).Routes(mux)
	e.app = httptest.NewServer(mux)
	t.Cleanup(e.app.Close)
	return e
}

type page struct {
	status int
	header http.Header
	body   string
	cookie *http.Cookie
}

func (e *env) get(path string, cookie *http.Cookie, header ...string) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(body)}
	for _, c := range resp.Cookies() {
		if c.Name == oauth.CookieName {
			p.cookie = c
		}
	}
	return p
}

var buttonHref = regexp.MustCompile(`<a class="button" href="([^"]+)"`)

// start opens the install page and returns the state its button carries
// and the cookie it set.
func (e *env) start(header ...string) (string, *http.Cookie, page) {
	e.t.Helper()
	p := e.get(oauth.InstallPath, nil, header...)
	if p.status != http.StatusOK {
		e.t.Fatalf("install page: status %d\n%s", p.status, p.body)
	}
	m := buttonHref.FindStringSubmatch(p.body)
	if m == nil {
		e.t.Fatalf("install page has no button:\n%s", p.body)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		e.t.Fatal(err)
	}
	if p.cookie == nil {
		e.t.Fatalf("install page set no %s cookie", oauth.CookieName)
	}
	return u.Query().Get("state"), p.cookie, p
}

func redirectPath(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return oauth.RedirectPath + "?" + q.Encode()
}

func (e *env) exchanges() int { return len(e.slack.Calls("oauth.v2.access")) }

func TestInstallHappyPath(t *testing.T) {
	e := newEnv(t)
	state, cookie, p := e.start()

	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := p.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none' and the style by hash", csp)
	}
	if p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", p.header.Get("Referrer-Policy"))
	}
	m := buttonHref.FindStringSubmatch(p.body)
	u, _ := url.Parse(html.UnescapeString(m[1]))
	if u.Scheme != "https" || u.Host != "slack.com" || u.Path != "/oauth/v2/authorize" {
		t.Errorf("button links to %s, want https://slack.com/oauth/v2/authorize", u)
	}
	if got := u.Query().Get("client_id"); got != clientID {
		t.Errorf("client_id = %q, want %q", got, clientID)
	}
	if got := u.Query().Get("scope"); got != strings.Join(scopes, ",") {
		t.Errorf("scope = %q, want %q", got, strings.Join(scopes, ","))
	}
	if !regexp.MustCompile(`^[0-9]+\.[A-Za-z0-9_-]{43}$`).MatchString(state) || !strings.HasPrefix(state, strconv.FormatInt(e.clock.Now().Unix(), 10)+".") {
		t.Errorf("state %q, want <issue time>.<32 random bytes, base64url>", state)
	}
	if !strings.Contains(p.body, ">Add to Slack<") || !strings.Contains(p.body, `<html lang="en">`) {
		t.Errorf("install page lacks its English button:\n%s", p.body)
	}
	for _, sc := range scopes {
		if !strings.Contains(p.body, "<code>"+sc+"</code>") {
			t.Errorf("install page does not list scope %s", sc)
		}
	}
	if cookie.Value != state || !cookie.HttpOnly || cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/slack/" || cookie.MaxAge != 600 {
		t.Errorf("cookie = %+v, want the state, HttpOnly, not Secure over http, SameSite=Lax, Path=/slack/, MaxAge=600", cookie)
	}
	if _, _, states := e.store.count(); states != 1 {
		t.Errorf("%d states remembered, want 1", states)
	}
	// Behind a TLS-terminating proxy the cookie is Secure.
	if _, c, _ := e.start("X-Forwarded-Proto", "https"); !c.Secure {
		t.Errorf("cookie behind https proxy = %+v, want Secure", c)
	}

	e.clock.Advance(2 * time.Minute)
	done := e.get(redirectPath("code", goodCode, "state", state), cookie)
	if done.status != http.StatusOK {
		t.Fatalf("redirect: status %d\n%s", done.status, done.body)
	}
	now := e.clock.Now()
	want := install.Installation{
		TeamID: "T0ACME", TeamName: "Acme <&> Co", AppID: "A0JOURNEY", BotToken: "xoxb-acme-secret-token",
		BotUserID: "U0JBOT", Scopes: []string{"chat:write", "commands", "channels:history"}, InstallerID: "U0ADA",
		InstalledAt: now, RefreshToken: "xoxe-1-acme-refresh", ExpiresAt: now.Add(12 * time.Hour),
	}
	got, err := e.store.Installation(context.Background(), "T0ACME")
	if err != nil {
		t.Fatalf("installation not stored: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored installation\n got %+v\nwant %+v", got, want)
	}
	e.mu.Lock()
	if len(e.installed) != 1 || !reflect.DeepEqual(e.installed[0], want) {
		t.Errorf("Installed called with %+v, want once with the installation", e.installed)
	}
	e.mu.Unlock()
	if done.cookie == nil || done.cookie.MaxAge >= 0 {
		t.Errorf("cookie after install = %+v, want it cleared", done.cookie)
	}
	for _, s := range []string{
		"journeybot is in Acme &lt;&amp;&gt; Co",
		"<code>/invite @journeybot</code>",
		"<code>/journey start &lt;title&gt;</code>",
		`href="https://slack.com/app_redirect?app=A0JOURNEY&amp;team=T0ACME"`,
	} {
		if !strings.Contains(done.body, s) {
			t.Errorf("success page lacks %s:\n%s", s, done.body)
		}
	}
	if strings.Contains(done.body, "Acme <&>") {
		t.Error("success page has the team name unescaped")
	}
	if done.header.Get("Cache-Control") != "no-store" {
		t.Errorf("success page Cache-Control = %q", done.header.Get("Cache-Control"))
	}
}

// An org-wide install has no team; it is kept under the organisation.
func TestEnterpriseInstall(t *testing.T) {
	e := newEnv(t)
	e.slack.AddInstall("org-code", fakeslack.Grant{
		EnterpriseID: "E0ORG", EnterpriseName: "Org", EnterpriseInstall: true, AppID: "A0JOURNEY",
		BotUserID: "U0OBOT", BotToken: "xoxb-org", Scope: "chat:write", InstallerID: "U0ADMIN",
	})
	state, cookie, _ := e.start()
	p := e.get(redirectPath("code", "org-code", "state", state), cookie)
	if p.status != http.StatusOK {
		t.Fatalf("status %d\n%s", p.status, p.body)
	}
	got, err := e.store.Installation(context.Background(), "E0ORG")
	if err != nil {
		t.Fatal(err)
	}
	if got.TeamID != "" || got.EnterpriseID != "E0ORG" || !got.EnterpriseInstall || got.BotToken != "xoxb-org" || !got.ExpiresAt.IsZero() || got.RefreshToken != "" {
		t.Errorf("org install = %+v", got)
	}
	if !strings.Contains(p.body, "journeybot is in E0ORG") || !strings.Contains(p.body, `app_redirect?app=A0JOURNEY"`) {
		t.Errorf("success page:\n%s", p.body)
	}
}

func TestRedirectRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		// run returns the redirect's page, after whatever it needs.
		run  func(e *env) page
		want string
	}{
		{"missing state", func(e *env) page {
			_, cookie, _ := e.start()
			return e.get(redirectPath("code", goodCode), cookie)
		}, "has no state"},
		{"no cookie", func(e *env) page {
			state, _, _ := e.start()
			return e.get(redirectPath("code", goodCode, "state", state), nil)
		}, "did not start this installation"},
		{"wrong state", func(e *env) page {
			_, cookie, _ := e.start()
			other, _, _ := e.start()
			return e.get(redirectPath("code", goodCode, "state", other), cookie)
		}, "belongs to another installation"},
		{"forged state", func(e *env) page {
			c := &http.Cookie{Name: oauth.CookieName, Value: "123.abc"}
			return e.get(redirectPath("code", goodCode, "state", "123.abc"), c)
		}, "belongs to another installation"},
		{"expired", func(e *env) page {
			state, cookie, _ := e.start()
			e.clock.Advance(10*time.Minute + time.Second)
			return e.get(redirectPath("code", goodCode, "state", state), cookie)
		}, "has expired: it works for 10 minutes"},
		{"never remembered", func(e *env) page {
			state, cookie, _ := e.start()
			e.store.mu.Lock()
			clear(e.store.states)
			e.store.mu.Unlock()
			return e.get(redirectPath("code", goodCode, "state", state), cookie)
		}, "already used"},
		{"no code", func(e *env) page {
			state, cookie, _ := e.start()
			return e.get(redirectPath("state", state), cookie)
		}, "no authorization code"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			p := tt.run(e)
			if p.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", p.status)
			}
			if !strings.Contains(p.body, tt.want) || !strings.Contains(p.body, `href="/slack/install"`) {
				t.Errorf("page lacks %q or the link back to /slack/install:\n%s", tt.want, p.body)
			}
			if insts, saves, _ := e.store.count(); insts != 0 || saves != 0 {
				t.Errorf("%d installations stored (%d saves), want none", insts, saves)
			}
			if n := e.exchanges(); n != 0 {
				t.Errorf("code exchanged %d times, want never", n)
			}
		})
	}
}

// A state works once: the same redirect again (a replay, or a second
// replica taking it) is refused and stores nothing new.
func TestRedirectReplayed(t *testing.T) {
	e := newEnv(t)
	state, cookie, _ := e.start()
	path := redirectPath("code", goodCode, "state", state)
	if p := e.get(path, cookie); p.status != http.StatusOK {
		t.Fatalf("first redirect: %d\n%s", p.status, p.body)
	}
	p := e.get(path, cookie)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "already used") {
		t.Errorf("replay: status %d\n%s", p.status, p.body)
	}
	if _, saves, _ := e.store.count(); saves != 1 {
		t.Errorf("%d saves, want 1", saves)
	}
	if n := e.exchanges(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

func TestRedirectCancelled(t *testing.T) {
	for _, tt := range []struct {
		slackError string
		status     int
		want       string
	}{
		{"access_denied", http.StatusOK, "You cancelled the installation"},
		{"invalid_scope", http.StatusBadRequest, "Slack did not complete the installation (invalid_scope)"},
		{"<script>", http.StatusBadRequest, "(unknown)"},
	} {
		t.Run(tt.slackError, func(t *testing.T) {
			e := newEnv(t)
			state, cookie, _ := e.start()
			p := e.get(redirectPath("error", tt.slackError, "state", state), cookie)
			if p.status != tt.status || !strings.Contains(p.body, tt.want) || !strings.Contains(p.body, `href="/slack/install"`) {
				t.Errorf("status %d, want %d with %q:\n%s", p.status, tt.status, tt.want, p.body)
			}
			if strings.Contains(p.body, "<script>") {
				t.Error("the error parameter reached the page unescaped")
			}
			if insts, _, _ := e.store.count(); insts != 0 || e.exchanges() != 0 {
				t.Error("a cancelled installation stored or exchanged something")
			}
		})
	}
}

func TestExchangeFails(t *testing.T) {
	for _, tt := range []struct {
		name, code, secret, want string
	}{
		{"invalid code", "code-nobody-issued", clientSecret, "invalid_code"},
		{"bad secret", goodCode, "not-the-secret", "bad_client_secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.slack.SetClient(clientID, tt.secret)
			state, cookie, _ := e.start()
			p := e.get(redirectPath("code", tt.code, "state", state), cookie)
			if p.status != http.StatusBadGateway {
				t.Errorf("status %d, want 502", p.status)
			}
			if !strings.Contains(p.body, "Slack refused to complete the installation ("+tt.want+")") || !strings.Contains(p.body, `href="/slack/install"`) {
				t.Errorf("page:\n%s", p.body)
			}
			if insts, _, _ := e.store.count(); insts != 0 {
				t.Errorf("%d installations stored, want none", insts)
			}
			if !strings.Contains(e.logs.String(), `"slack_error":"`+tt.want+`"`) {
				t.Errorf("log does not name %s:\n%s", tt.want, e.logs)
			}
		})
	}
	t.Run("Slack unreachable", func(t *testing.T) {
		e := newEnv(t)
		state, cookie, _ := e.start()
		e.slack.Close()
		p := e.get(redirectPath("code", goodCode, "state", state), cookie)
		if p.status != http.StatusBadGateway || !strings.Contains(p.body, "could not reach Slack") {
			t.Errorf("status %d:\n%s", p.status, p.body)
		}
	})
}

func TestStoreDown(t *testing.T) {
	e := newEnv(t)
	state, cookie, _ := e.start()
	e.store.mu.Lock()
	e.store.failStates = true
	e.store.mu.Unlock()
	if p := e.get(oauth.InstallPath, nil); p.status != http.StatusServiceUnavailable || p.cookie != nil {
		t.Errorf("install page with the store down: %d, cookie %v", p.status, p.cookie)
	}
	if p := e.get(redirectPath("code", goodCode, "state", state), cookie); p.status != http.StatusServiceUnavailable || e.exchanges() != 0 {
		t.Errorf("redirect with the store down: %d, %d exchanges", p.status, e.exchanges())
	}
}

func TestFrenchPages(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ accept, lang string }{
		{"fr-FR,fr;q=0.9,en;q=0.5", "fr"},
		{"de-DE, fr;q=0.8, en;q=0.5", "fr"},
		{"en-GB,fr;q=0.5", "en"},
		{"", "en"},
		{"xx;;=", "en"},
	} {
		_, _, p := e.start("Accept-Language", tt.accept)
		if !strings.Contains(p.body, `<html lang="`+tt.lang+`">`) {
			t.Errorf("Accept-Language %q: page not in %s", tt.accept, tt.lang)
		}
	}
	state, cookie, p := e.start("Accept-Language", "fr-CA,fr;q=0.9")
	for _, s := range []string{">Ajouter à Slack<", "pendant 10 minutes", "autorisations suivantes\u00a0:"} {
		if !strings.Contains(p.body, s) {
			t.Errorf("French install page lacks %q:\n%s", s, p.body)
		}
	}
	done := e.get(redirectPath("code", goodCode, "state", state), cookie, "Accept-Language", "fr")
	for _, s := range []string{"journeybot a rejoint Acme &lt;&amp;&gt; Co", "Invitez journeybot dans un canal\u00a0: <code>/invite @journeybot</code>", "<code>/journey start &lt;titre&gt;</code>", ">Ouvrir Slack<"} {
		if !strings.Contains(done.body, s) {
			t.Errorf("French success page lacks %q:\n%s", s, done.body)
		}
	}
	refused := e.get(redirectPath("code", goodCode, "state", state), cookie, "Accept-Language", "fr")
	if !strings.Contains(refused.body, "déjà servi") || !strings.Contains(refused.body, ">Recommencer l&#39;installation<") {
		t.Errorf("French refusal:\n%s", refused.body)
	}
}

// The flows log what happened, at debug level too, and never a secret:
// not the client secret, a token, a code or a state.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	var secrets []string
	state, cookie, _ := e.start()
	secrets = append(secrets, state)
	e.get(redirectPath("code", goodCode, "state", state), cookie)
	e.get(redirectPath("code", goodCode, "state", state), cookie) // replayed
	state2, cookie2, _ := e.start()
	secrets = append(secrets, state2)
	e.get(redirectPath("code", "code-unknown-1234", "state", state2), cookie2) // exchange fails
	state3, _, _ := e.start()
	secrets = append(secrets, state3)
	e.get(redirectPath("code", "code-no-cookie-5678", "state", state3), nil)
	state4, cookie4, _ := e.start()
	secrets = append(secrets, state4)
	e.get(redirectPath("error", "access_denied", "state", state4), cookie4)

	inst, err := e.store.Installation(context.Background(), "T0ACME")
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := oauth.Refresh(context.Background(), e.cfg, inst)
	if err != nil {
		t.Fatal(err)
	}
	_, err = oauth.Refresh(context.Background(), e.cfg, inst) // spent refresh token
	if err == nil {
		t.Fatal("a spent refresh token refreshed")
	}
	e.cfg.Logger.Debug("refresh failed", "err", err, "installation", inst)

	logs := e.logs.String()
	if strings.Count(logs, "\n") < 5 {
		t.Fatalf("too few log lines to check:\n%s", logs)
	}
	secrets = append(secrets, clientSecret, goodCode, "code-unknown-1234", "code-no-cookie-5678",
		grant.BotToken, grant.RefreshToken, refreshed.BotToken, refreshed.RefreshToken)
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret %q:\n%s", s, logs)
		}
		if strings.Contains(err.Error(), s) {
			t.Errorf("the refresh error holds a secret %q: %v", s, err)
		}
	}
}

func TestRefresh(t *testing.T) {
	e := newEnv(t)
	state, cookie, _ := e.start()
	e.get(redirectPath("code", goodCode, "state", state), cookie)
	inst, err := e.store.Installation(context.Background(), "T0ACME")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Hour)
	got, err := oauth.Refresh(context.Background(), e.cfg, inst)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	want := inst
	want.BotToken, want.RefreshToken, want.ExpiresAt = "xoxb-acme-secret-token-r1", "xoxe-1-acme-refresh-r1", e.clock.Now().Add(12*time.Hour)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Refresh\n got %+v\nwant %+v", got, want)
	}
	if n := e.slack.Refreshes("T0ACME"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	_, err = oauth.Refresh(context.Background(), e.cfg, inst)
	if err == nil || !strings.Contains(err.Error(), "invalid_refresh_token") || !strings.Contains(err.Error(), "T0ACME") {
		t.Errorf("refresh with a spent token: %v, want invalid_refresh_token naming the team", err)
	}
	e.slack.RevokeTeam("T0ACME")
	if _, err := oauth.Refresh(context.Background(), e.cfg, got); err == nil {
		t.Error("refresh after the team revoked the app worked")
	}
	norot := inst
	norot.RefreshToken = ""
	if _, err := oauth.Refresh(context.Background(), e.cfg, norot); err == nil {
		t.Error("refresh without a refresh token worked")
	}
}
