package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/testwait"
	"github.com/journeybot/journeybot/internal/workshop"
)

// dockerUp makes sure a Docker daemon answers, through the project's own
// script (which installs and starts it when missing), and stops a daemon
// the script started when tb ends. Outside CI a machine where Docker cannot
// be had skips the test; on CI it fails.
func dockerUp(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command("bash", "../.ci/docker.sh")
	cmd.Env = append(os.Environ(), "DOCKERD_PIDFILE="+tb.TempDir()+"/dockerd.pid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Docker is needed for the image test and .ci/docker.sh could not start it: %v\n%s", err, out)
		}
		tb.Skipf("no Docker here (.ci/docker.sh: %v)", err)
	}
	if m := regexp.MustCompile(`started dockerd pid=(\d+)`).FindSubmatch(out); m != nil {
		pid, _ := strconv.Atoi(string(m[1]))
		tb.Cleanup(func() {
			// Not our child (the script's), so wait by asking whether it
			// is still there.
			_ = syscall.Kill(pid, syscall.SIGTERM)
			if !testwait.Poll("the dockerd the script started to exit", 20*time.Second, 50*time.Millisecond, func() bool { return syscall.Kill(pid, 0) != nil }) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
	}
}

func docker(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestImage builds the image with `make image` (FROM scratch, no registry)
// and runs it against a real redis-server and a fake Slack on loopback:
// /healthz, /readyz, a signed slash command, signed replies, and SIGTERM,
// after which the process exits 0 with every acknowledged reply stored.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a container")
	}
	dockerUp(t)
	client, prefix := redistest.Client(t)
	store := redis.New(client, prefix)

	build := exec.Command("make", "image", "IMAGE=journeybot:dev")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	if size := docker(t, "image", "inspect", "-f", "{{.Size}}", "journeybot:dev"); size == "" {
		t.Fatal("no journeybot:dev image")
	}
	if user := docker(t, "image", "inspect", "-f", "{{.Config.User}}", "journeybot:dev"); user != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", user)
	}

	fake := fakeslack.New()
	defer fake.Close()
	const secret = "image-test-secret"
	name := "journeybot-test-" + strings.TrimPrefix(prefix, "jbtest-")
	docker(t, "run", "-d", "--name", name, "--network", "host",
		"-e", "SLACK_BOT_TOKEN=xoxb-test", "-e", "SLACK_SIGNING_SECRET="+secret,
		"-e", "SLACK_API_URL="+fake.APIURL(), "-e", "REDIS_URL="+redistest.DefaultURL,
		"-e", "REDIS_PREFIX="+prefix, "-e", "ADDR=127.0.0.1:0", "journeybot:dev")
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	logs := func() string {
		out, _ := exec.Command("docker", "logs", name).CombinedOutput()
		return string(out)
	}

	// The address it listens on, from its log: the container is another
	// process, so ask Docker for the log until it says.
	var base string
	listening := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	if !testwait.Poll("the container's listening line", 30*time.Second, 50*time.Millisecond, func() bool {
		if m := listening.FindStringSubmatch(logs()); m != nil {
			base = "http://" + m[1]
		}
		return base != ""
	}) {
		t.Fatalf("the container did not listen within 30s; its log:\n%s", logs())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	post := func(path, contentType string, body []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header = fakeslack.Sign(secret, body, time.Now())
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d\n%s", path, resp.StatusCode, logs())
		}
	}
	form := url.Values{"command": {"/journey"}, "text": {"start Container &amp; co"}, "user_id": {"U1"}, "channel_id": {"C1"}, "trigger_id": {"T1"}}
	post("/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()))
	ctx := context.Background()
	// The container binds the step's thread in Redis: ask Redis until it
	// has.
	var thread string
	if !testwait.Poll("the step's thread bound in Redis", 10*time.Second, testwait.Interval, func() bool {
		if m, err := store.LoadMeta(ctx, "W1"); err == nil && m.StepTS(workshop.Goals) != "" {
			if _, err := store.Thread(ctx, "C1", m.StepTS(workshop.Goals)); err == nil {
				thread = m.StepTS(workshop.Goals)
			}
		}
		return thread != ""
	}) {
		t.Fatalf("no workshop after /journey start; log:\n%s", logs())
	}
	const replies = 5
	for i := range replies {
		ts := fmt.Sprintf("1800000000.%06d", i+1)
		body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": fmt.Sprintf("Ev%d", i), "event": map[string]any{
			"type": "message", "channel": "C1", "user": "U2", "text": fmt.Sprintf("Goal %d?", i), "ts": ts, "thread_ts": thread}})
		post("/slack/events", "application/json", body)
	}
	docker(t, "kill", "--signal", "TERM", name)
	if code := docker(t, "wait", name); code != "0" {
		t.Errorf("exit code %s after SIGTERM, want 0; log:\n%s", code, logs())
	}
	w, err := store.Load(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	if w.Title != "Container & co" || len(w.Inputs) != replies {
		t.Errorf("title %q, %d inputs; want %q and the %d acknowledged replies", w.Title, len(w.Inputs), "Container & co", replies)
	}
	if strings.Contains(logs(), secret) {
		t.Error("the log holds the signing secret")
	}
}
