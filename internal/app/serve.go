package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

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
	m := metrics.New(func(ctx context.Context) (int, error) { return countOpen(ctx, raw) })
	store := m.Store(raw)

	opts := []goslack.Option{
		goslack.OptionAPIURL(cfg.APIURL),
		// Honour 429 Retry-After rather than failing a post.
		goslack.OptionRetry(3),
		goslack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: m.Transport(slackTransport())}),
	}
	if cfg.SocketMode() {
		opts = append(opts, goslack.OptionAppLevelToken(cfg.AppToken))
	}
	client := goslack.New(cfg.BotToken, opts...)
	authCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	auth, err := client.AuthTestContext(authCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("SLACK_BOT_TOKEN: Slack refused it (auth.test): %w", err)
	}
	log.Info("connected to Slack", "team", auth.Team, "bot_user", auth.UserID, "socket_mode", cfg.SocketMode())

	eng := engine.New(engine.Config{
		Store: store, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad(), Now: env.now,
		DefaultLang: cfg.DefaultLang, Logger: log.With("component", "engine"), Charts: newCharts(),
		DefaultTZ: cfg.DefaultTZ, ReviewMinInterval: cfg.ReviewMinInterval,
	})
	bot := slack.New(slack.Config{
		Engine: eng, API: client, SigningSecret: cfg.SigningSecret, BotUserID: auth.UserID,
		Logger: log.With("component", "slack"), Observe: m.Request, Panicked: m.Panic,
	})

	mux := http.NewServeMux()
	routes(mux, store, log)
	mux.Handle("GET /metrics", m.Handler())
	if !cfg.SocketMode() {
		bot.Routes(mux, m.Time)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	if env.Listening != nil {
		env.Listening(ln.Addr().String())
	}
	// Review reminders: every replica runs a scheduler; the store's claims
	// make each reminder go out once. It is stopped, and its reminder under
	// way finished, before the store closes.
	sched := &review.Scheduler{
		Store: store, Reminder: eng, Now: env.now, Tick: env.reviewTick, Logger: log.With("component", "review"),
		Match:   func(m *workshop.Meta) bool { return m.Channel != console.Channel },
		Observe: m.Reminder, Panicked: m.Panic,
	}
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		sched.Run(schedCtx)
	}()
	defer func() { stopSched(); <-schedDone }()

	errc := make(chan error, 2)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	// The Socket Mode loop is stopped, and the envelopes it holds handled,
	// before the bot drains and the store closes.
	sockCtx, stopSock := context.WithCancel(ctx)
	sockDone := make(chan struct{})
	if cfg.SocketMode() {
		sm := socketmode.New(client)
		go func() {
			defer close(sockDone)
			if err := bot.RunSocket(sockCtx, sm); err != nil {
				errc <- fmt.Errorf("socket mode: %w", err)
			}
		}()
	} else {
		close(sockDone)
	}

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
	stopSock()
	<-sockDone
	drainCtx, cancelDrain := context.WithTimeout(context.WithoutCancel(ctx), drainShutdown)
	defer cancelDrain()
	if err := bot.Shutdown(drainCtx); err != nil {
		return err
	}
	log.Info("stopped")
	return runErr
}

// slackTransport keeps enough idle connections to Slack for a busy bot:
// the default two per host made it dial (a TLS handshake) for half the
// events under load.
func slackTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
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
