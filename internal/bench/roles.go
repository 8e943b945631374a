package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/app"
)

// RoleEnv names the variable that turns a bench (or bench test) binary
// into one of the processes the bench measures: RoleBaseline, or RoleBot
// (the bot itself, for the smoke test, which must not spend half a minute
// building cmd/journeybot).
const RoleEnv = "JOURNEYBOT_BENCH_ROLE"

// ProfileEnv, set to a folder, makes a role write a CPU profile there, in
// <role>-<pid>.pprof, until it stops (journeybot-bench -bot self -profile
// DIR sets it; the progress lines give each process's pid).
const ProfileEnv = "JOURNEYBOT_BENCH_CPUPROFILE"

// Roles.
const (
	RoleBaseline = "baseline"
	RoleBot      = "bot"
)

// MaybeRunRole runs the role RoleEnv names and exits; without it, it
// returns at once. Call it first in main and in TestMain.
func MaybeRunRole() {
	role := os.Getenv(RoleEnv)
	if role == "" {
		return
	}
	if err := runRole(role); err != nil {
		fmt.Fprintln(os.Stderr, "bench role:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runRole(role string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if dir := os.Getenv(ProfileEnv); dir != "" {
		// A CPU profile of the role, to see where an event's time goes.
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", role, os.Getpid())))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch role {
	case RoleBaseline:
		return runBaseline(ctx, os.Getenv)
	case RoleBot:
		return app.Run(ctx, app.Env{Args: []string{"journeybot", "serve"}, Getenv: os.Getenv,
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	}
	return fmt.Errorf("unknown %s %q", RoleEnv, role)
}

// runBaseline is the least an Events API endpoint can do with the bot's
// libraries and still be correct: read the body (1 MiB cap), verify the
// signature with slack-go, parse the envelope and the message, claim the
// event id with one Redis SET NX, answer 200. It reads the bot's variables
// (ADDR, SLACK_SIGNING_SECRET, REDIS_URL, REDIS_PREFIX), so the bench
// starts both the same way, and its server has the bot's timeouts.
func runBaseline(ctx context.Context, getenv func(string) string) error {
	secret := getenv("SLACK_SIGNING_SECRET")
	prefix := getenv("REDIS_PREFIX")
	opt, err := goredis.ParseURL(getenv("REDIS_URL"))
	if err != nil {
		return err
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return err
	}
	type message struct {
		Type     string `json:"type"`
		Subtype  string `json:"subtype"`
		Channel  string `json:"channel"`
		User     string `json:"user"`
		BotID    string `json:"bot_id"`
		Text     string `json:"text"`
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
	}
	type envelope struct {
		Type    string          `json:"type"`
		EventID string          `json:"event_id"`
		Event   json.RawMessage `json:"event"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		sv, err := goslack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		var env envelope
		var msg message
		if err := json.Unmarshal(body, &env); err != nil || json.Unmarshal(env.Event, &msg) != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		if err := rdb.SetNX(r.Context(), prefix+":claim:event:"+env.EventID, "1", time.Hour).Err(); err != nil {
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", getenv("ADDR"))
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
