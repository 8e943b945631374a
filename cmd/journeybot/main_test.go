package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/testwait"
)

// TestSIGTERMDrainsAndExitsZero runs the real binary, sends SIGTERM while
// replies are streaming in, and checks that it exits 0 within its deadline
// with every acknowledged reply stored.
func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	client, prefix := redistest.Client(t)
	bin := filepath.Join(t.TempDir(), "journeybot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fake := fakeslack.New()
	defer fake.Close()
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = redistest.DefaultURL
	}
	const secret = "sigterm-secret"
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "SLACK_BOT_TOKEN=xoxb-sigterm", "SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL="+fake.APIURL(),
		"REDIS_URL="+redisURL, "REDIS_PREFIX="+prefix, "ADDR=127.0.0.1:0", "LOG_FORMAT=text")
	// It listens on a port of its own choosing and says which in its log.
	logs := &logWatch{addr: make(chan string, 1)}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var addr string
	select {
	case addr = <-logs.addr:
	case err := <-done:
		t.Fatalf("serve exited before it listened: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not listen within 10s:\n%s", logs)
	}
	post := func(path string, body []byte, ct string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
		req.Header = fakeslack.Sign(secret, body, time.Now())
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	post("/slack/commands", []byte("command=%2Fjourney&text=start+Drill&user_id=U1&channel_id=C1"), "application/x-www-form-urlencoded")
	store := redis.New(client, prefix)
	// The binary records the step's message and binds its thread in Redis,
	// from another process: ask Redis until it has.
	var step string
	testwait.For(t, "the step's thread bound in Redis", 10*time.Second, func() bool {
		m, err := store.LoadMeta(context.Background(), "W1")
		if err != nil || len(m.Messages) == 0 {
			return false
		}
		_, err = store.Thread(context.Background(), "C1", m.Messages[0].TS)
		step = m.Messages[0].TS
		return err == nil
	})

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	var once sync.Once
	next := make(chan int)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ts := fmt.Sprintf("1960000000.%06d", i)
				body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "Ev" + ts, "event": map[string]any{
					"type": "message", "channel": "C1", "user": "U2", "text": fmt.Sprintf("Goal %d?", i), "ts": ts, "thread_ts": step}})
				if post("/slack/events", body, "application/json") == 200 {
					mu.Lock()
					acked[ts] = true
					if len(acked) == 20 {
						once.Do(func() { cmd.Process.Signal(syscall.SIGTERM) })
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 50 {
		next <- i
	}
	close(next)
	wg.Wait()

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs)
		}
	case <-time.After(35 * time.Second):
		t.Fatalf("did not exit within its deadline\n%s", logs.String())
	}
	w, err := store.Load(context.Background(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, in := range w.Inputs {
		stored[in.ID] = true
	}
	for ts := range acked {
		if !stored[ts] {
			t.Errorf("acknowledged reply %s lost", ts)
		}
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no orderly stop in the logs:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "xoxb-sigterm") || strings.Contains(logs.String(), secret) {
		t.Error("a secret was logged")
	}
	t.Logf("%d of 50 replies acknowledged before the process went away; all stored", len(acked))
}

// listening is the line serve logs once it listens (LOG_FORMAT=text).
var listening = regexp.MustCompile(`msg=listening addr=(\S+)\n`)

// logWatch is the child's stderr: kept for the test's messages, and
// watched for the address serve says it listens on, sent once on addr.
type logWatch struct {
	mu   sync.Mutex
	b    bytes.Buffer
	addr chan string
	sent bool
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if !w.sent {
		if m := listening.FindSubmatch(w.b.Bytes()); m != nil {
			w.sent = true
			w.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
