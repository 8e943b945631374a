package redis_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/testwait"
	"github.com/journeybot/journeybot/internal/workshop"
)

func uniquePrefix() string { return "jbha-" + strings.ToLower(rand.Text()[:10]) }

// The store contract holds on a real 3+3 Cluster and a real Sentinel
// group, as on a single server.
func TestContractCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	open := func(t *testing.T) *redis.Store {
		s, err := redis.Open(t.Context(), redis.Options{Addrs: c.Addrs()[:1], Prefix: uniquePrefix()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if s.Mode() != redis.ModeCluster {
			t.Fatalf("one seed of a Cluster opened as %s", s.Mode())
		}
		return s
	}
	storetest.Run(t, func(t *testing.T) workshop.Store { return open(t) })
	storetest.Installs(t, func(t *testing.T) storetest.InstallStore { return open(t) })
	t.Run("PurgeTeamKeys", func(t *testing.T) {
		t.Parallel()
		cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()})
		t.Cleanup(func() { cc.Close() })
		prefix := uniquePrefix()
		s, err := redis.Open(t.Context(), redis.Options{Addrs: c.Addrs()[:1], Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testPurgeTeamKeys(t, s, cc, prefix)
	})
}

func TestContractSentinel(t *testing.T) {
	g := redistest.StartSentinel(t)
	open := func(t *testing.T) *redis.Store {
		s, err := redis.Open(t.Context(), redis.Options{Addrs: g.SentinelAddrs(), MasterName: redistest.SentinelMaster, Prefix: uniquePrefix(), WaitReplicas: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.Run(t, func(t *testing.T) workshop.Store { return open(t) })
	storetest.Installs(t, func(t *testing.T) storetest.InstallStore { return open(t) })
}

// blackhole accepts connections and never answers, like an address behind
// a firewall that drops nothing but says nothing.
func blackhole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return ln.Addr().String()
}

// Each set-up that does not match what the addresses are is refused at
// Open, within 10 s, by an error that names the variable to change and
// holds no password.
func TestOpenRefusesWrongSetups(t *testing.T) {
	const pw = "s3cret-pw"
	c := redistest.StartCluster(t)
	g := redistest.StartSentinel(t)
	gp := redistest.StartSentinel(t, redistest.WithPassword(pw))
	cp := redistest.StartCluster(t, redistest.WithPassword(pw))
	single := strings.TrimPrefix(redistest.DefaultURL, "redis://")
	single = strings.TrimSuffix(single, "/0")
	tests := []struct {
		name string
		opts redis.Options
		want []string // in the error; the first is the variable
	}{
		{"cluster node as URL", redis.Options{URL: "redis://" + c.Addrs()[0]}, []string{"REDIS_URL:", "Cluster node", "REDIS_ADDRS"}},
		{"sentinel as URL", redis.Options{URL: "redis://" + g.SentinelAddrs()[0]}, []string{"REDIS_URL:", "Sentinel", "REDIS_MASTER_NAME", redistest.SentinelMaster}},
		{"sentinels without a master name", redis.Options{Addrs: g.SentinelAddrs()}, []string{"REDIS_MASTER_NAME:", "required", redistest.SentinelMaster}},
		{"wrong master name", redis.Options{Addrs: g.SentinelAddrs(), MasterName: "mymaster"}, []string{"REDIS_MASTER_NAME:", `"mymaster"`, redistest.SentinelMaster}},
		{"master name with cluster nodes", redis.Options{Addrs: c.Addrs(), MasterName: "mymaster"}, []string{"REDIS_MASTER_NAME:", "Cluster"}},
		{"master name with a server", redis.Options{Addrs: []string{single}, MasterName: "mymaster"}, []string{"REDIS_MASTER_NAME:", "not a Sentinel"}},
		{"several standalone servers", redis.Options{Addrs: []string{single, redistest.RefusedAddr(t)}}, []string{"REDIS_ADDRS:", "standalone", "REDIS_URL"}},
		{"unreachable sentinels", redis.Options{Addrs: []string{redistest.RefusedAddr(t), redistest.RefusedAddr(t), redistest.RefusedAddr(t)}, MasterName: "m"}, []string{"REDIS_ADDRS:", "connection refused"}},
		{"an address that never answers", redis.Options{Addrs: []string{blackhole(t)}}, []string{"REDIS_ADDRS:", "no answer from 127.0.0.1:"}},
		{"cluster password missing", redis.Options{Addrs: cp.Addrs()}, []string{"REDIS_PASSWORD:", "requires a password"}},
		{"cluster password wrong", redis.Options{Addrs: cp.Addrs(), Password: "nope-" + pw}, []string{"REDIS_PASSWORD:", "refused"}},
		{"sentinel password missing", redis.Options{Addrs: gp.SentinelAddrs(), MasterName: redistest.SentinelMaster}, []string{"REDIS_SENTINEL_PASSWORD:", "requires a password"}},
		{"master password missing", redis.Options{Addrs: gp.SentinelAddrs(), MasterName: redistest.SentinelMaster, SentinelPassword: pw}, []string{"REDIS_PASSWORD:", "requires a password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s, err := redis.Open(context.Background(), tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("refused after %s, want within 10s", took)
			}
			var se *redis.SetupError
			if !errors.As(err, &se) {
				t.Errorf("%v is not a SetupError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), tt.want[0]) {
				t.Errorf("error %q does not start with the variable %s", err, tt.want[0])
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}

	// With the password, both groups work.
	for name, opts := range map[string]redis.Options{
		"cluster":                {Addrs: cp.Addrs(), Password: pw},
		"sentinel":               {Addrs: gp.SentinelAddrs(), MasterName: redistest.SentinelMaster, Password: pw, SentinelPassword: pw},
		"sentinel, one password": {Addrs: gp.SentinelAddrs(), MasterName: redistest.SentinelMaster, Password: pw},
	} {
		opts.Prefix = uniquePrefix()
		s, err := redis.Open(context.Background(), opts)
		if err != nil {
			t.Fatalf("%s with its password: %v", name, err)
		}
		if err := s.Create(context.Background(), &workshop.Meta{ID: "W1", Channel: "C1", Step: workshop.Goals}); err != nil {
			t.Errorf("%s: create: %v", name, err)
		}
		s.Close()
	}
}

// A workshop created while the master of the workshop index is down is not
// created at all: no meta is left behind that no listing would show.
func TestCreateIsWholeDuringFailover(t *testing.T) {
	c := redistest.StartCluster(t)
	prefix := uniquePrefix()
	s, err := redis.Open(context.Background(), redis.Options{Addrs: c.Addrs(), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()
	ctx := context.Background()
	index, err := cc.MasterForKey(ctx, prefix+":workshops")
	if err != nil {
		t.Fatal(err)
	}
	// A workshop whose meta lives on another master than the index.
	id := ""
	for i := 1; id == ""; i++ {
		m, err := cc.MasterForKey(ctx, prefix+":{W"+strconv.Itoa(i)+"}:meta")
		if err != nil {
			t.Fatal(err)
		}
		if m.Options().Addr != index.Options().Addr {
			id = "W" + strconv.Itoa(i)
		}
	}
	c.Kill(index.Options().Addr)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.Create(short, &workshop.Meta{ID: id, Channel: "C1", Step: workshop.Goals, CreatedAt: time.Now()}); err == nil {
		t.Fatal("created with the index's master down")
	}
	c.WaitHealthy(t, 20*time.Second)
	// After the promotion: nothing of it, and the id can be created whole.
	// The client may still be finding the new master: ask again until it
	// answers.
	var got error
	if !testwait.Poll("the client to reach the promoted master", 10*time.Second, 100*time.Millisecond, func() bool {
		_, got = s.LoadMeta(ctx, id)
		return errors.Is(got, workshop.ErrNotFound)
	}) {
		t.Fatalf("after a failed create, LoadMeta = %v, want ErrNotFound", got)
	}
	if err := s.Create(ctx, &workshop.Meta{ID: id, Channel: "C1", Step: workshop.Goals, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "")
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("List = %v, %v; want the one workshop", list, err)
	}
}
