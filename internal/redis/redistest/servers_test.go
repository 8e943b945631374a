package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// variants runs body once without and once with a password, in parallel
// subtests.
func variants(t *testing.T, body func(t *testing.T, password string, opts ...Option)) {
	for _, v := range []struct{ name, password string }{
		{"NoPassword", ""},
		{"WithPassword", `s3cret "pw" with spaces`},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if v.password != "" {
				opts = append(opts, WithPassword(v.password))
			}
			body(t, v.password, opts...)
		})
	}
}

// requireNoAuth checks that a client without the password is refused.
func requireNoAuth(t *testing.T, ping func(ctx context.Context) error, addr string) {
	t.Helper()
	err := ping(t.Context())
	if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING %s without a password: got %v, want a NOAUTH error", addr, err)
	}
}

func TestStartCluster(t *testing.T) {
	variants(t, func(t *testing.T, password string, opts ...Option) {
		start := time.Now()
		c := StartCluster(t, opts...)
		t.Logf("StartCluster took %v", time.Since(start).Round(time.Millisecond))

		if got := len(c.Addrs()); got != 6 {
			t.Fatalf("Addrs() has %d nodes, want 6: %v", got, c.Addrs())
		}
		masters := c.Masters()
		if len(masters) != 3 {
			t.Fatalf("Masters() = %v, want 3 masters", masters)
		}
		if password != "" {
			plain := goredis.NewClient(&goredis.Options{Addr: masters[0]})
			defer plain.Close()
			requireNoAuth(t, func(ctx context.Context) error { return plain.Ping(ctx).Err() }, masters[0])
		}

		ctx := t.Context()
		cc := goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs:    c.Addrs(),
			Password: password,
			// The default of 60 s leaves the client sending a dead master's
			// slots to it for up to a minute: a refused dial does not make
			// it reload the slot map (see TestClusterClientFailoverLatency).
			ClusterStateReloadInterval: 2 * time.Second,
		})
		defer cc.Close()

		const key = "jbtest:cluster:key"
		if err := cc.Set(ctx, key, "before", 0).Err(); err != nil {
			t.Fatalf("SET through the cluster client: %v", err)
		}
		if got, err := cc.Get(ctx, key).Result(); err != nil || got != "before" {
			t.Fatalf("GET through the cluster client = %q, %v; want before", got, err)
		}
		owner, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatalf("MasterForKey: %v", err)
		}
		old := owner.Options().Addr
		if !slices.Contains(masters, old) {
			t.Fatalf("the key's master %s is not among Masters() %v", old, masters)
		}
		// WAIT counts the replicas that have this connection's writes, so
		// the write and the WAIT share one connection of the key's master.
		// Then the replica surely has the key when its master dies.
		cmds, err := owner.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Set(ctx, key, "before", 0)
			p.Do(ctx, "WAIT", 1, 5000)
			return nil
		})
		if err != nil {
			t.Fatalf("SET+WAIT on %s: %v", old, err)
		}
		if n, err := cmds[1].(*goredis.Cmd).Int64(); err != nil || n < 1 {
			t.Fatalf("WAIT 1 on %s = %d, %v; want its replica to acknowledge", old, n, err)
		}

		c.Kill(old)
		killed := time.Now()
		c.WaitHealthy(t, 20*time.Second)
		promoted := time.Since(killed)

		masters = c.Masters()
		if len(masters) != 3 || slices.Contains(masters, old) {
			t.Fatalf("after killing %s, Masters() = %v; want 3 others", old, masters)
		}
		err = poll("the key readable through the cluster client", 20*time.Second, func(ctx context.Context) error {
			got, err := cc.Get(ctx, key).Result()
			if err != nil {
				return err
			}
			if got != "before" {
				return fmt.Errorf("GET %s = %q, want before", key, got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the key's slot does not serve after the failover: %v", err)
		}
		served := time.Since(killed)
		if err := cc.Set(ctx, key, "after", 0).Err(); err != nil {
			t.Fatalf("SET after the failover: %v", err)
		}
		now, err := cc.MasterForKey(ctx, key)
		if err != nil || now.Options().Addr == old {
			t.Fatalf("after the failover the key's master is %v (%v), want a node other than %s", now, err, old)
		}
		t.Logf("killed master %s: replica %s took over after %v; the cluster client served the key again after %v",
			old, now.Options().Addr, promoted.Round(time.Millisecond), served.Round(time.Millisecond))
	})
}

// TestClusterClientFailoverLatency measures how long a go-redis
// ClusterClient keeps failing on a killed master's slots, with the default
// options and with ClusterStateReloadInterval 2 s. The default case takes
// up to a minute, so it only runs with REDISTEST_MEASURE=1.
func TestClusterClientFailoverLatency(t *testing.T) {
	if os.Getenv("REDISTEST_MEASURE") != "1" {
		t.Skip("set REDISTEST_MEASURE=1 to measure (takes about a minute)")
	}
	c := StartCluster(t)
	ctx := t.Context()
	clients := map[string]*goredis.ClusterClient{
		"default options": goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()}),
		"ClusterStateReloadInterval 2s": goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs: c.Addrs(), ClusterStateReloadInterval: 2 * time.Second,
		}),
	}
	const key = "jbtest:cluster:latency"
	var old string
	for name, cc := range clients {
		defer cc.Close()
		if err := cc.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatalf("%s: SET: %v", name, err)
		}
		owner, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		old = owner.Options().Addr
	}

	c.Kill(old)
	killed := time.Now()
	var wg sync.WaitGroup
	for name, cc := range clients {
		wg.Go(func() {
			failures := 0
			err := poll("a write to succeed after the kill", 90*time.Second, func(ctx context.Context) error {
				err := cc.Set(ctx, key, "v", 0).Err()
				if err != nil {
					failures++
				}
				return err
			})
			t.Logf("%s: SET works again %v after the kill (%d failed SETs before; err %v)",
				name, time.Since(killed).Round(time.Millisecond), failures, err)
		})
	}
	c.WaitHealthy(t, 20*time.Second)
	t.Logf("cluster healthy again %v after the kill", time.Since(killed).Round(time.Millisecond))
	wg.Wait()
}

func TestStartSentinel(t *testing.T) {
	variants(t, func(t *testing.T, password string, opts ...Option) {
		start := time.Now()
		s := StartSentinel(t, opts...)
		t.Logf("StartSentinel took %v", time.Since(start).Round(time.Millisecond))

		if len(s.SentinelAddrs()) != 3 || len(s.DataAddrs()) != 3 {
			t.Fatalf("SentinelAddrs() = %v, DataAddrs() = %v; want 3 of each", s.SentinelAddrs(), s.DataAddrs())
		}
		old := s.Master(t)
		if old != s.DataAddrs()[0] {
			t.Fatalf("Master() = %s, want the first data node %s", old, s.DataAddrs()[0])
		}
		if password != "" {
			plain := goredis.NewSentinelClient(&goredis.Options{Addr: s.SentinelAddrs()[0]})
			defer plain.Close()
			requireNoAuth(t, func(ctx context.Context) error { return plain.Ping(ctx).Err() }, s.SentinelAddrs()[0])
			data := goredis.NewClient(&goredis.Options{Addr: old})
			defer data.Close()
			requireNoAuth(t, func(ctx context.Context) error { return data.Ping(ctx).Err() }, old)
		}

		ctx := t.Context()
		fc := goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName:       SentinelMaster,
			SentinelAddrs:    s.SentinelAddrs(),
			Password:         password,
			SentinelPassword: password,
		})
		defer fc.Close()

		const key = "jbtest:sentinel:key"
		// One connection for SET and WAIT, so WAIT counts the replicas that
		// have this write.
		cmds, err := fc.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Set(ctx, key, "before", 0)
			p.Do(ctx, "WAIT", 2, 5000)
			return nil
		})
		if err != nil {
			t.Fatalf("SET+WAIT through the failover client: %v", err)
		}
		if n, err := cmds[1].(*goredis.Cmd).Int64(); err != nil || n != 2 {
			t.Fatalf("WAIT 2 = %d, %v; want both replicas to acknowledge", n, err)
		}

		s.Kill(old)
		killed := time.Now()
		now := s.WaitMaster(t, old, 30*time.Second)
		failover := time.Since(killed)
		if now == old || !slices.Contains(s.DataAddrs(), now) {
			t.Fatalf("WaitMaster = %s, want another data node than %s of %v", now, old, s.DataAddrs())
		}
		if got := s.Master(t); got != now {
			t.Fatalf("Master() = %s after WaitMaster returned %s", got, now)
		}

		err = poll("the key readable through the failover client", 20*time.Second, func(ctx context.Context) error {
			got, err := fc.Get(ctx, key).Result()
			if err != nil {
				return err
			}
			if got != "before" {
				return fmt.Errorf("GET %s = %q, want before", key, got)
			}
			return fc.Set(ctx, key, "after", 0).Err()
		})
		if err != nil {
			t.Fatalf("the failover client does not write after the failover: %v", err)
		}
		served := time.Since(killed)
		if got, err := fc.Get(ctx, key).Result(); err != nil || got != "after" {
			t.Fatalf("GET after the failover = %q, %v; want after", got, err)
		}
		t.Logf("killed master %s: sentinels reported %s after %v; the failover client wrote again after %v",
			old, now, failover.Round(time.Millisecond), served.Round(time.Millisecond))
	})
}

func TestParseClusterNodes(t *testing.T) {
	const text = "07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host.example slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected\n" +
		"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 5461 [5462->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]\n"
	nodes := parseClusterNodes(text)
	replica := nodes["07c37dfeb235213a872192d90877d0cd55635b91"]
	if replica.addr != "127.0.0.1:30004" || replica.master != "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" ||
		!slices.Contains(replica.flags, "slave") || replica.link != "connected" || replica.slots != 0 {
		t.Errorf("replica = %+v", replica)
	}
	master := nodes["e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"]
	if master.addr != "127.0.0.1:30001" || master.master != "-" || !slices.Contains(master.flags, "master") || master.slots != 5462 {
		t.Errorf("master = %+v", master)
	}
}

// TestNewSentinel uses the API that needs no testing.TB, as the bench
// does: errors instead of failures, and Close.
func TestNewSentinel(t *testing.T) {
	t.Parallel()
	requireBinaries(t, "redis-server")
	var retries []string
	sg, err := NewSentinel(t.TempDir(), WithLogf(func(format string, args ...any) {
		retries = append(retries, fmt.Sprintf(format, args...))
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Close()
	if len(retries) > 0 {
		t.Logf("retried: %v", retries)
	}
	master, err := sg.MasterErr()
	if err != nil || master != sg.DataAddrs()[0] {
		t.Fatalf("MasterErr() = %q, %v; want %s", master, err, sg.DataAddrs()[0])
	}
	// Nothing fails over: the wait ends in an error that shows the logs.
	if _, err := sg.WaitMasterErr(master, 300*time.Millisecond); err == nil ||
		!strings.Contains(err.Error(), "no master other than "+master) || !strings.Contains(err.Error(), "server logs:") {
		t.Fatalf("WaitMasterErr(%s) without a failover = %v; want an error with the server logs", master, err)
	}
	if err := sg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sg.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for _, s := range sg.g.servers {
		if s.alive() {
			t.Errorf("%s %s still running after Close", s.role, s.addr)
		}
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := NewCluster(t.TempDir()); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "redis-server and redis-cli") {
		t.Errorf("NewCluster without redis-server on PATH: %v; want ErrNotInstalled naming both", err)
	}
	if _, err := NewSentinel(t.TempDir()); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("NewSentinel without redis-server on PATH: %v; want ErrNotInstalled", err)
	}
}
