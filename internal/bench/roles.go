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
	"strings"
	"sync"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/app"
	"github.com/journeybot/journeybot/internal/workshop"
)

// RoleEnv names the variable that turns a bench (or bench test) binary
// into one of the processes the bench measures: RoleBaseline,
// RoleFairBaseline, or RoleBot
// (the bot itself, for the smoke test, which must not spend half a minute
// building cmd/journeybot).
const RoleEnv = "JOURNEYBOT_BENCH_ROLE"

// ProfileEnv, set to a folder, makes a role write a CPU profile there, in
// <role>-<pid>.pprof, until it stops (journeybot-bench -bot self -profile
// DIR sets it; the progress lines give each process's pid).
const ProfileEnv = "JOURNEYBOT_BENCH_CPUPROFILE"

// Roles.
const (
	RoleBaseline     = "baseline"
	RoleFairBaseline = "fair-baseline"
	RoleBot          = "bot"
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
	case RoleFairBaseline:
		return runFairBaseline(ctx, os.Getenv)
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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) {
		body, ok := verifiedBody(w, r, secret)
		if !ok {
			return
		}
		var env baselineEnvelope
		var msg baselineMessage
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
	return serveUntil(ctx, getenv("ADDR"), mux, nil)
}

// serveUntil serves mux on addr with the bot's server timeouts until ctx
// ends, then shuts down as the bot does: stop taking requests, finish those
// in flight, then wait for drain (work started after a 200) within the
// same 10 s.
func serveUntil(ctx context.Context, addr string, mux http.Handler, drain func()) error {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", addr)
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
	if drain != nil {
		done := make(chan struct{})
		go func() { drain(); close(done) }()
		select {
		case <-done:
		case <-shut.Done():
			return errors.New("work after the 200 still running 10 s after shutdown began")
		}
	}
	return nil
}

// baselineMessage and baselineEnvelope are the fields of an Events API
// delivery both baselines read (the bot decodes the same ones).
type baselineMessage struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	Channel  string `json:"channel"`
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
}

type baselineEnvelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// verifiedBody reads the body (1 MiB cap, as the bot) and checks Slack's
// signature with slack-go; on failure it has answered already.
func verifiedBody(w http.ResponseWriter, r *http.Request, secret string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	sv, err := goslack.NewSecretsVerifier(r.Header, secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// fairAckTimeout bounds the fair baseline's work before the 200, as
// slack.AckTimeout bounds the bot's.
const fairAckTimeout = 2 * time.Second

// runFairBaseline does what the bot must do for a thread reply, and
// nothing more, written as plainly as it can be with the bot's libraries:
// read the body, verify the signature with slack-go, parse the envelope and
// the message, claim the event id (SET NX with a TTL), store the reply (one
// HSET keyed by the message ts in a hash per workshop thread: the bot's one
// write), answer 200, then add the ✅ with one reactions.add through a
// slack-go client on a keep-alive transport (the bot's). It does not look
// up which workshop and step a thread belongs to (the thread is the key),
// parse the reply's lines, keep step totals, cache names or update the
// workshop's header: what the bot does beyond this is what the ratio
// prices. Its Redis client honours deadlines and its server has the bot's
// timeouts; it reads the bot's variables (ADDR, SLACK_SIGNING_SECRET,
// SLACK_BOT_TOKEN, SLACK_API_URL, REDIS_URL, REDIS_PREFIX).
//
// Claim then store has a window the bot's single idempotent write has not:
// a crash between the two loses the reply, its redelivery being taken for
// a duplicate. The bench never kills a baseline.
func runFairBaseline(ctx context.Context, getenv func(string) string) error {
	secret := getenv("SLACK_SIGNING_SECRET")
	prefix := getenv("REDIS_PREFIX")
	opt, err := goredis.ParseURL(getenv("REDIS_URL"))
	if err != nil {
		return err
	}
	opt.ContextTimeoutEnabled = true
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	api := goslack.New(getenv("SLACK_BOT_TOKEN"), goslack.OptionAPIURL(getenv("SLACK_API_URL")), goslack.OptionRetry(3),
		goslack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: tr}))
	var after sync.WaitGroup
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) {
		body, ok := verifiedBody(w, r, secret)
		if !ok {
			return
		}
		var env baselineEnvelope
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		if env.Type == "url_verification" {
			_, _ = io.WriteString(w, env.Challenge)
			return
		}
		var msg baselineMessage
		if env.Type != "event_callback" || json.Unmarshal(env.Event, &msg) != nil ||
			msg.Type != "message" || msg.Subtype != "" || msg.BotID != "" || msg.ThreadTS == "" || msg.ThreadTS == msg.TS {
			w.WriteHeader(http.StatusOK) // not a thread reply: nothing to do
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), fairAckTimeout)
		defer cancel()
		claim := prefix + ":claim:event:" + env.EventID
		first, err := rdb.SetNX(ctx, claim, "1", time.Hour).Result()
		if err != nil {
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		if !first {
			w.WriteHeader(http.StatusOK) // a redelivery of a stored reply
			return
		}
		in, _ := json.Marshal(workshop.Input{ID: msg.TS, Step: workshop.Goals, Author: msg.User, Text: strings.TrimSpace(msg.Text),
			TS: msg.TS, Version: msg.TS, Source: workshop.SourceThread, Items: 1})
		if err := rdb.HSet(ctx, prefix+":fair:{"+msg.Channel+"/"+msg.ThreadTS+"}:inputs", msg.TS, in).Err(); err != nil {
			// Free the claim, so Slack's retry stores the reply.
			rdb.Del(context.WithoutCancel(ctx), claim)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		after.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := api.AddReactionContext(ctx, "white_check_mark", goslack.NewRefToMessage(msg.Channel, msg.TS)); err != nil {
				fmt.Fprintln(os.Stderr, "fair baseline: reactions.add:", err)
			}
		})
	})
	return serveUntil(ctx, getenv("ADDR"), mux, after.Wait)
}
