package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/config"
	"github.com/journeybot/journeybot/internal/console"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/metrics"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// Shutdown deadlines: stop taking requests, then finish acknowledged work.
const (
	httpShutdown  = 10 * time.Second
	drainShutdown = 20 * time.Second
)

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlags("serve", env)
	state := fs.String("state", DefaultState, "embedded store file (ignored when REDIS_URL is set)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(env.Getenv)
	if err := config.Merge(err, cfg.ForServe()); err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr, cfg.LogLevel)
	raw, err := openStore(ctx, cfg, *state, log)
	if err != nil {
		return err
	}
	defer raw.Close()
	if cfg.MultiWorkspace() {
		// Each team's part of the store is wrapped (env.wrapStore) instead.
		return serveTeams(ctx, env, cfg, raw, log)
	}
	if env.wrapStore != nil {
		raw = env.wrapStore(raw)
	}
	m := metrics.New(func(ctx context.Context) (int, error) { return countOpen(ctx, raw) })
	store := m.Store(raw)

	conn, err := slack.Connect(ctx, slack.ClientConfig{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: cfg.APIURL, Wrap: m.Transport})
	if err != nil {
		return err
	}
	log.Info("connected to Slack", "team", conn.Team, "bot_user", conn.BotUserID, "socket_mode", cfg.SocketMode())
	eng, bot := newBot(cfg, env, conn.API, conn.BotUserID, store, m, log)

	srv, ln, err := listen(cfg, env, store, bot, m, log)
	if err != nil {
		return err
	}
	stopReviews := runReviews(ctx, env, store, eng, m, log)
	defer stopReviews()

	errc := make(chan error, 2)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	stopSocket := runSocket(ctx, cfg, conn, bot, errc)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("stopping", "err", runErr)
	}
	if err := drain(ctx, srv, stopSocket, bot, log); err != nil {
		return err
	}
	log.Info("stopped")
	return runErr
}

// newBot wires the engine and the Slack adapter. The engine tells the bot
// of each workshop that changed, so the homes that show it are published
// again; the bot exists before anything can change.
func newBot(cfg *config.Config, env Env, api slack.API, botUser string, store workshop.Store, m *metrics.Metrics, log *slog.Logger) (*engine.Engine, *slack.Bot) {
	var bot *slack.Bot
	eng := engine.New(engine.Config{Schedules: review.Schedules{},
		Store: store, Notifier: &slack.Notifier{API: api}, Catalog: catalog(), Now: env.now,
		DefaultLang: cfg.DefaultLang, Logger: log.With("component", "engine"), Charts: newCharts(), PDFs: pdfs{},
		DefaultTZ: cfg.DefaultTZ, ReviewMinInterval: cfg.ReviewMinInterval,
		Directory: &slack.Directory{API: api, BotUser: botUser, Now: env.now},
		Changed:   func(id string) { bot.WorkshopChanged(id) },
	})
	bot = slack.New(slack.Config{
		Engine: eng, Store: store, API: api, SigningSecret: cfg.SigningSecret, BotUserID: botUser,
		Homes: store, HomeDelay: env.homeDelay,
		// Every workshop keeps its map in a canvas of its channel unless
		// its facilitator turns it off (/journey canvas off).
		Canvases: true, CanvasDelay: env.canvasDelay,
		Logger: log.With("component", "slack"), Observe: m.Request, Panicked: m.Panic,
	})
	return eng, bot
}

// catalog is every sentence, loaded once for every team's engine.
var catalog = sync.OnceValue(prompts.MustLoad)

// listen lists every route (health, readiness, metrics, and Slack's in HTTP
// mode) and opens ADDR.
func listen(cfg *config.Config, env Env, store workshop.Store, bot *slack.Bot, m *metrics.Metrics, log *slog.Logger) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	routes(mux, store, log)
	mux.Handle("GET /metrics", m.Handler())
	if !cfg.SocketMode() {
		bot.Routes(mux, m.Time)
	}
	return serveOn(cfg, env, mux, log)
}

// serveOn opens ADDR for mux.
func serveOn(cfg *config.Config, env Env, mux *http.ServeMux, log *slog.Logger) (*http.Server, net.Listener, error) {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("ADDR: listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	if env.Listening != nil {
		env.Listening(ln.Addr().String())
	}
	return srv, ln, nil
}

// runReviews runs the review reminders: every replica runs a scheduler;
// the store's claims make each reminder go out once. The function it
// returns stops it, the reminder under way finished, before the store
// closes.
func runReviews(ctx context.Context, env Env, store workshop.Store, eng *engine.Engine, m *metrics.Metrics, log *slog.Logger) (stop func()) {
	sched := &review.Scheduler{
		Store: store, Reminder: eng, Now: env.now, Tick: env.reviewTick, Ran: env.reviewRan, Logger: log.With("component", "review"),
		Match:   func(m *workshop.Meta) bool { return m.Channel != console.Channel },
		Observe: m.Reminder, Panicked: m.Panic,
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sched.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// runSocket serves Socket Mode when it is configured. The function it
// returns stops the loop and waits until the envelopes it holds are
// handled, so the bot drains after it and the store closes after that.
func runSocket(ctx context.Context, cfg *config.Config, conn *slack.Connection, bot *slack.Bot, errc chan<- error) (stop func()) {
	if !cfg.SocketMode() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := conn.RunSocket(ctx, bot); err != nil {
			errc <- fmt.Errorf("socket mode: %w", err)
		}
	}()
	return func() { cancel(); <-done }
}

// drain stops taking requests (HTTP, then Socket Mode), then finishes the
// work already acknowledged to Slack.
func drain(ctx context.Context, srv *http.Server, stopSocket func(), bot *slack.Bot, log *slog.Logger) error {
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpShutdown)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopSocket()
	drainCtx, cancelDrain := context.WithTimeout(context.WithoutCancel(ctx), drainShutdown)
	defer cancelDrain()
	return bot.Shutdown(drainCtx)
}

// countOpen counts the workshops not closed, for the open-workshops gauge.
func countOpen(ctx context.Context, store workshop.Store) (int, error) {
	list, err := store.List(ctx, "")
	n := 0
	for _, s := range list {
		if !s.Closed {
			n++
		}
	}
	return n, err
}

// routes registers the routes every mode serves: liveness and readiness.
func routes(mux *http.ServeMux, store workshop.Store, log *slog.Logger) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			log.WarnContext(ctx, "not ready", "err", err)
			http.Error(w, "store unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
}
