package app

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/testwait"
)

// ownRedis starts a redis-server of the test's own on the Unix socket
// sock, so the test can stop it without disturbing anyone and start it
// again at the same address, which no other process can take meanwhile
// (a TCP port let go could be).
func ownRedis(t *testing.T, sock string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed; .ci/redis.sh installs it")
		}
		t.Skip("redis-server is not installed")
	}
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testwait.For(t, "redis-server to listen on "+sock, 5*time.Second, func() bool {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return cmd
}

// waitStatus waits until url answers want: what it answers follows
// another process (redis-server going away or coming back), so it is
// asked again until it does.
func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	got := 0
	ok := testwait.Poll(url+" to answer the status wanted", within, 50*time.Millisecond, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		got = resp.StatusCode
		return got == want
	})
	if !ok {
		t.Fatalf("%s answered %d, want %d within %s", url, got, want, within)
	}
}

// /readyz follows the store: it fails while Redis is down and recovers when
// Redis is back, without a restart; /healthz stays up throughout.
func TestReadyzFollowsRedis(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "redis.sock")
	redis := ownRedis(t, sock)
	fake := newFake(t)
	env := serveEnv(t, fake)
	env["REDIS_URL"] = "unix://" + sock
	s := startServe(t, fake, env)
	ready, health := "http://"+s.addr+"/readyz", "http://"+s.addr+"/healthz"

	waitStatus(t, ready, 200, 5*time.Second)
	redis.Process.Kill()
	redis.Wait()
	waitStatus(t, ready, http.StatusServiceUnavailable, 10*time.Second)
	waitStatus(t, health, 200, time.Second)

	ownRedis(t, sock)
	waitStatus(t, ready, 200, 15*time.Second)
	s.command("U1", "start After the outage")
	s.waitTopLevel(2)
}
