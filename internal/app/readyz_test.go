package app

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// ownRedis starts a redis-server of the test's own on a free loopback port,
// so the test can stop it without disturbing anyone.
func ownRedis(t *testing.T, port int) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed; .ci/redis.sh installs it")
		}
		t.Skip("redis-server is not installed")
	}
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("redis-server did not start on %d", port)
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	got := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			got = resp.StatusCode
			resp.Body.Close()
			if got == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s answered %d, want %d within %s", url, got, want, within)
}

// /readyz follows the store: it fails while Redis is down and recovers when
// Redis is back, without a restart; /healthz stays up throughout.
func TestReadyzFollowsRedis(t *testing.T) {
	port := freePort(t)
	redis := ownRedis(t, port)
	fake := fakeslack.New()
	defer fake.Close()
	env := serveEnv(t, fake)
	env["REDIS_URL"] = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	s := startServe(t, fake, env)
	ready, health := "http://"+s.addr+"/readyz", "http://"+s.addr+"/healthz"

	waitStatus(t, ready, 200, 5*time.Second)
	redis.Process.Kill()
	redis.Wait()
	waitStatus(t, ready, http.StatusServiceUnavailable, 10*time.Second)
	waitStatus(t, health, 200, time.Second)

	ownRedis(t, port)
	waitStatus(t, ready, 200, 15*time.Second)
	s.command("U1", "start After the outage")
	s.waitTopLevel(2)
}
