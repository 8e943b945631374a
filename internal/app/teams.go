package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/config"
	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/metrics"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// teamStore is a store that can keep many teams apart: the Redis and the
// embedded stores both are.
type teamStore interface {
	workshop.Store
	install.Store
	install.Teams
}

// Multi-workspace timings.
const (
	// defaultTeamSync is how often each replica reads the installations:
	// tokens refreshed elsewhere, teams gone, retentions ended.
	defaultTeamSync = 30 * time.Second
	// refreshMargin: a rotating token is refreshed when it expires within
	// this (Slack's last 12 hours).
	refreshMargin = 10 * time.Minute
	// refreshClaim bounds one replica's refresh; another tries after it.
	refreshClaim = 2 * time.Minute
)

// teamSet runs one engine and one bot per installed team (multi-workspace
// mode), each on the team's part of the store and with the team's token,
// built at the team's first request or sync and dropped when it is gone.
type teamSet struct {
	cfg     *config.Config
	env     Env
	base    teamStore
	m       *metrics.Metrics
	log     *slog.Logger
	http    *http.Client
	refresh func(ctx context.Context, inst install.Installation) (install.Installation, error)

	// bg is work started outside a request (a refresh after an install, a
	// dropped team's drain), waited for at shutdown; none starts once
	// draining is set.
	bg sync.WaitGroup

	mu       sync.Mutex
	stacks   map[string]*teamStack
	draining bool
}

// teamStack is what serves one team.
type teamStack struct {
	key         string
	api         *slack.TeamAPI
	store       workshop.Store
	bot         *slack.Bot
	stopReviews func()
}

var _ slack.Teams = (*teamSet)(nil)

func (t *teamSet) now() time.Time {
	if t.env.now != nil {
		return t.env.now()
	}
	return time.Now()
}

// lookup finds q's installation: the first of q's keys that has one.
func (t *teamSet) lookup(ctx context.Context, q slack.TeamQuery) (install.Installation, bool, error) {
	for _, k := range q.Keys() {
		if !install.ValidKey(k) {
			continue
		}
		inst, err := t.base.Installation(ctx, k)
		if errors.Is(err, install.ErrNotFound) {
			continue
		}
		return inst, err == nil, err
	}
	return install.Installation{}, false, nil
}

// Bot returns the bot of q's installation, built on first use. The
// installation is read on every request (one read): a team uninstalled
// through another replica is not served here either.
func (t *teamSet) Bot(ctx context.Context, q slack.TeamQuery) (*slack.Bot, error) {
	inst, found, err := t.lookup(ctx, q)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, slack.ErrNoTeam
	case !inst.Active():
		t.drop(inst.Key())
		return nil, slack.ErrNoTeam
	}
	s, err := t.ensure(ctx, inst)
	if err != nil {
		return nil, err
	}
	return s.bot, nil
}

// ensure returns the stack of inst's team, building it (and starting its
// reminders) when there is none; an existing one takes inst's token.
func (t *teamSet) ensure(ctx context.Context, inst install.Installation) (*teamStack, error) {
	key := inst.Key()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return nil, errors.New("shutting down")
	}
	if s, ok := t.stacks[key]; ok {
		s.api.SetToken(inst.BotToken)
		return s, nil
	}
	api := slack.NewTeamAPI(slack.ClientConfig{APIURL: t.cfg.APIURL, HTTP: t.http}, inst.BotToken)
	api.Gone = func(token, slackError string) { t.refused(key, token, slackError) }
	api.Live = func(ctx context.Context) (string, error) {
		inst, err := t.base.Installation(ctx, key)
		if errors.Is(err, install.ErrNotFound) || (err == nil && !inst.Active()) {
			t.drop(key)
			return "", slack.ErrTeamGone
		}
		return inst.BotToken, err
	}
	var store workshop.Store = t.base.ForTeam(key)
	if t.env.wrapStore != nil {
		store = t.env.wrapStore(store)
	}
	store = t.m.Store(store)
	log := t.log.With("team", key)
	eng, bot := newBot(t.cfg, t.env, api, inst.BotUserID, store, t.m, log)
	s := &teamStack{key: key, api: api, store: store, bot: bot}
	s.stopReviews = runReviews(context.WithoutCancel(ctx), t.env, store, eng, t.m, log)
	t.stacks[key] = s
	log.Info("serving team", "installation", inst)
	return s, nil
}

// drop stops posting for key's team on this replica: its API refuses every
// call, and its reminders and bot stop in the background (the bot's last
// updates fail at once, without calling Slack).
func (t *teamSet) drop(key string) {
	t.mu.Lock()
	s, ok := t.stacks[key]
	if ok && t.draining {
		// Shutdown drains it with the others.
		t.mu.Unlock()
		s.api.Stop()
		return
	}
	delete(t.stacks, key)
	t.mu.Unlock()
	if !ok {
		return
	}
	s.api.Stop()
	t.bg.Go(func() {
		s.stopReviews()
		ctx, cancel := context.WithTimeout(context.Background(), drainShutdown)
		defer cancel()
		if err := s.bot.Shutdown(ctx); err != nil {
			t.log.Warn("dropped team's bot not drained", "team", key, "err", err)
		}
	})
}

// Gone records that the app left q's team: its tokens are deleted at once
// (the installation is kept, marked, for the retention), and this replica
// stops posting for it; the others do at their next sync, or at their
// first call Slack refuses.
func (t *teamSet) Gone(ctx context.Context, q slack.TeamQuery, why string) error {
	inst, found, err := t.lookup(ctx, q)
	if err != nil {
		return err
	}
	if !found {
		t.log.WarnContext(ctx, "uninstall for a team with no installation: ignored", "why", why, "team", q.TeamID, "enterprise", q.EnterpriseID)
		return nil
	}
	t.drop(inst.Key())
	if !inst.UninstalledAt.IsZero() && inst.BotToken == "" {
		return nil // told twice (both events, or a retry)
	}
	gone := inst.Forget(t.now())
	if err := t.base.SaveInstallation(ctx, gone); err != nil {
		return err
	}
	t.log.InfoContext(ctx, "team uninstalled: tokens deleted", "why", why, "installation", gone,
		"purge_at", gone.UninstalledAt.Add(t.cfg.UninstallRetention))
	t.changed()
	return nil
}

// refused is told that Slack answered a call for key's team with an error
// that says its token is dead for good (token_revoked, account_inactive…):
// the tokens_revoked event may have been missed, so the team is treated as
// uninstalled, unless its installation has a new token by now.
func (t *teamSet) refused(key, token, slackError string) {
	t.drop(key)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inst, err := t.base.Installation(ctx, key)
	if err != nil || !inst.Active() || inst.BotToken != token {
		return
	}
	gone := inst.Forget(t.now())
	if err := t.base.SaveInstallation(ctx, gone); err != nil {
		t.log.ErrorContext(ctx, "dead token not forgotten", "installation", inst, "err", err)
		return
	}
	t.log.WarnContext(ctx, "Slack refused the team's token for good: treated as uninstalled, its tokens deleted", "installation", gone, "slack_error", slackError)
	t.changed()
}

// changed follows a change this replica made to the installations: the
// gauge counts them again, and the tests are told.
func (t *teamSet) changed() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if list, err := t.base.Installations(ctx); err == nil {
		t.gauge(list)
	}
	if t.env.installsChanged != nil {
		t.env.installsChanged()
	}
}

// gauge sets the installations gauge from list.
func (t *teamSet) gauge(list []install.Installation) {
	active := 0
	for _, inst := range list {
		if inst.Active() {
			active++
		}
	}
	t.m.Installations(active, len(list)-active)
}

// installed is told of an installation just saved by this replica.
func (t *teamSet) installed(ctx context.Context, inst install.Installation) {
	if _, err := t.ensure(ctx, inst); err != nil {
		t.log.WarnContext(ctx, "new team not started", "installation", inst, "err", err)
	}
	t.changed()
	if !inst.ExpiresAt.IsZero() && inst.ExpiresAt.Sub(t.now()) < refreshMargin {
		// A token that expires before the next sync could come: refreshed
		// now, after the success page (the same claim keeps it to one).
		t.bg.Go(func() { t.refreshOnce(context.WithoutCancel(ctx), inst) })
	}
}

// runSync reads the installations every tick until ctx ends.
func (t *teamSet) runSync(ctx context.Context, every time.Duration) {
	t.sync(ctx)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.sync(ctx)
		}
	}
}

// sync brings this replica in line with the stored installations: every
// active team served with its latest token (refreshed here when it is
// about to expire and no other replica is at it), every team gone
// dropped, and a team whose retention ended purged, once.
func (t *teamSet) sync(ctx context.Context) {
	if t.env.teamSynced != nil {
		defer t.env.teamSynced()
	}
	list, err := t.base.Installations(ctx)
	if err != nil {
		t.log.WarnContext(ctx, "installations not read", "err", err)
		return
	}
	now := t.now()
	seen := map[string]bool{}
	t.gauge(list)
	for _, inst := range list {
		key := inst.Key()
		seen[key] = true
		if !inst.Active() {
			t.drop(key)
			if !inst.UninstalledAt.IsZero() && !now.Before(inst.UninstalledAt.Add(t.cfg.UninstallRetention)) {
				t.purgeOnce(ctx, inst)
			}
			continue
		}
		if !inst.ExpiresAt.IsZero() && inst.ExpiresAt.Sub(now) < refreshMargin {
			inst = t.refreshOnce(ctx, inst)
		}
		if _, err := t.ensure(ctx, inst); err != nil {
			t.log.WarnContext(ctx, "team not started", "installation", inst, "err", err)
		}
	}
	t.mu.Lock()
	var gone []string
	for k := range t.stacks {
		if !seen[k] {
			gone = append(gone, k)
		}
	}
	t.mu.Unlock()
	for _, k := range gone {
		t.drop(k)
	}
}

// refreshOnce refreshes inst's token if no other replica has claimed this
// refresh token, and returns the installation to serve with.
func (t *teamSet) refreshOnce(ctx context.Context, inst install.Installation) install.Installation {
	if inst.RefreshToken == "" || t.refresh == nil {
		return inst
	}
	sum := sha256.Sum256([]byte(inst.RefreshToken))
	// Claimed in the team's own part of the store, so a purge leaves no
	// key of the team behind.
	ok, err := t.base.ForTeam(inst.Key()).Claim(ctx, "refresh:"+hex.EncodeToString(sum[:8]), refreshClaim)
	if err != nil || !ok {
		return inst // another replica refreshes; its token comes with a later sync
	}
	fresh, err := t.refresh(ctx, inst)
	if err != nil {
		t.log.ErrorContext(ctx, "token not refreshed", "installation", inst, "err", err)
		return inst
	}
	// Saved only if the team is still installed with this refresh token:
	// an uninstall meanwhile stays an uninstall.
	cur, err := t.base.Installation(ctx, inst.Key())
	if err != nil || !cur.Active() || cur.RefreshToken != inst.RefreshToken {
		return cur
	}
	if err := t.base.SaveInstallation(ctx, fresh); err != nil {
		t.log.ErrorContext(ctx, "refreshed token not saved", "installation", inst, "err", err)
		return inst
	}
	t.log.InfoContext(ctx, "token refreshed", "installation", fresh, "expires_at", fresh.ExpiresAt)
	t.changed()
	return fresh
}

// purgeOnce removes a team's data once its retention has ended.
func (t *teamSet) purgeOnce(ctx context.Context, inst install.Installation) {
	// The claim is in the team's part of the store: the purge removes it.
	ok, err := t.base.ForTeam(inst.Key()).Claim(ctx, fmt.Sprintf("purge:%d", inst.UninstalledAt.Unix()), time.Hour)
	if err != nil || !ok {
		return
	}
	// Installed again since the list was read: nothing to purge.
	if cur, err := t.base.Installation(ctx, inst.Key()); err != nil || cur.Active() {
		return
	}
	n, err := t.base.PurgeTeam(ctx, inst.Key())
	if err != nil {
		t.log.ErrorContext(ctx, "uninstalled team not purged", "installation", inst, "err", err)
		return
	}
	t.log.InfoContext(ctx, "uninstalled team purged: its retention ended", "installation", inst, "keys", n)
	t.changed()
}

// openWorkshops counts the open workshops of every team served here.
func (t *teamSet) openWorkshops(ctx context.Context) (int, error) {
	t.mu.Lock()
	stores := make([]workshop.Store, 0, len(t.stacks))
	for _, s := range t.stacks {
		stores = append(stores, s.store)
	}
	t.mu.Unlock()
	total := 0
	for _, s := range stores {
		n, err := countOpen(ctx, s)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// shutdown drains every team's bot (the HTTP server is shut down first).
func (t *teamSet) shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.draining = true
	all := slices.Collect(maps.Values(t.stacks))
	t.mu.Unlock()
	t.bg.Wait()
	var errs []error
	for _, s := range all {
		s.stopReviews()
		errs = append(errs, s.bot.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// serveTeams runs serve in multi-workspace mode: HTTP only, the install
// pages, and a bot per installed team.
func serveTeams(ctx context.Context, env Env, cfg *config.Config, raw workshop.Store, log *slog.Logger) error {
	base, ok := raw.(teamStore)
	if !ok {
		return fmt.Errorf("multi-workspace mode needs a store that keeps teams apart (Redis or the embedded store)")
	}
	t := &teamSet{cfg: cfg, env: env, base: base, log: log, stacks: map[string]*teamStack{}}
	t.m = metrics.New(t.openWorkshops)
	t.http = slack.HTTPClient(t.m.Transport)
	t.refresh = refresher(cfg, env, base, t.http, log.With("component", "oauth"))
	log.Info("multi-workspace mode: teams install the app at /slack/install", "retention", cfg.UninstallRetention.String())

	mux := http.NewServeMux()
	routes(mux, base, log)
	mux.Handle("GET /metrics", t.m.Handler())
	slack.NewRouter(slack.RouterConfig{SigningSecret: cfg.SigningSecret, Teams: t, Logger: log.With("component", "slack"), Observe: t.m.Request}).
		Routes(mux, t.m.Time)
	installRoutes(mux, cfg, env, base, t, log.With("component", "oauth"))
	srv, ln, err := serveOn(cfg, env, mux, log)
	if err != nil {
		return err
	}
	syncCtx, stopSync := context.WithCancel(ctx)
	synced := make(chan struct{})
	go func() {
		defer close(synced)
		t.runSync(syncCtx, cmpDuration(env.teamSync, defaultTeamSync))
	}()

	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("stopping", "err", runErr)
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpShutdown)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopSync()
	<-synced
	drainCtx, cancelDrain := context.WithTimeout(context.WithoutCancel(ctx), drainShutdown)
	defer cancelDrain()
	if err := t.shutdown(drainCtx); err != nil {
		return err
	}
	log.Info("stopped")
	return runErr
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
