package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/testwait"
	"github.com/journeybot/journeybot/internal/workshop"
)

// failoverRun is what happened while a master was killed under a stream of
// replies that Slack redelivers until they are acknowledged.
type failoverRun struct {
	sent      []string // reply timestamps, each sent until acknowledged
	lastFail  time.Time
	failures  int
	readyDown int // /readyz answers other than 200 after the kill
}

// driveFailover sends 20 replies a second to the goals thread of W1 for
// before+after, calling kill in between, and redelivers every reply that
// was not answered 200 (once a second, as Slack would, faster), until all
// are acknowledged. It polls /readyz meanwhile.
func driveFailover(t *testing.T, s *server, thread string, before, after time.Duration, kill func() time.Time) (failoverRun, time.Time) {
	t.Helper()
	var (
		mu      sync.Mutex
		run     failoverRun
		pending []string
		killed  time.Time
	)
	send := func(ts string) bool {
		// From many goroutines: a request that fails counts as refused.
		code, _ := s.post("/slack/events", eventBody("U2", thread, "Goal "+ts+"?", ts), "application/json", nil)
		if code != 200 {
			mu.Lock()
			run.failures++
			run.lastFail = time.Now()
			mu.Unlock()
		}
		return code == 200
	}
	stop := make(chan struct{})
	var readyWG sync.WaitGroup
	readyWG.Add(1)
	go func() {
		defer readyWG.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			resp, err := http.Get("http://" + s.addr + "/readyz")
			ok := err == nil && resp.StatusCode == 200
			if resp != nil {
				resp.Body.Close()
			}
			mu.Lock()
			if !ok && !killed.IsZero() {
				run.readyDown++
			}
			mu.Unlock()
		}
	}()

	// Slack sends each event on its own, whatever became of the others:
	// one goroutine per delivery.
	var inflight sync.WaitGroup
	deliver := func(ts string) {
		defer inflight.Done()
		if !send(ts) {
			mu.Lock()
			pending = append(pending, ts)
			mu.Unlock()
		}
	}
	n := 0
	tick := time.NewTicker(50 * time.Millisecond)
	lastRetry := time.Now()
	start := time.Now()
	for time.Since(start) < before+after {
		<-tick.C
		if killed.IsZero() && time.Since(start) >= before {
			at := kill()
			mu.Lock()
			killed = at
			mu.Unlock()
		}
		n++
		ts := fmt.Sprintf("1950000000.%06d", n)
		run.sent = append(run.sent, ts)
		inflight.Add(1)
		go deliver(ts)
		if time.Since(lastRetry) >= time.Second {
			lastRetry = time.Now()
			mu.Lock()
			again := pending
			pending = nil
			mu.Unlock()
			for _, ts := range again {
				inflight.Add(1)
				go deliver(ts)
			}
		}
	}
	tick.Stop()
	// Redeliver what is still refused until Redis has failed over: that
	// happens in other processes, so the redeliveries are paced in real
	// time, as Slack's are.
	var refused int
	if !testwait.Poll("Redis to fail over, every reply acknowledged", 30*time.Second, 200*time.Millisecond, func() bool {
		inflight.Wait()
		mu.Lock()
		again := pending
		pending = nil
		mu.Unlock()
		refused = len(again)
		for _, ts := range again {
			inflight.Add(1)
			go deliver(ts)
		}
		return refused == 0
	}) {
		inflight.Wait()
		t.Fatalf("%d replies still refused 30s after the stream ended\n%s", refused, s.logs.String())
	}
	close(stop)
	readyWG.Wait()
	return run, killed
}

// checkFailover checks that every reply is stored once and that the outage
// ended soon after the promotion.
func checkFailover(t *testing.T, s *server, store *redis.Store, run failoverRun, killed, promoted time.Time) {
	t.Helper()
	w, err := store.Load(context.Background(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, in := range w.InputsOf(workshop.Goals) {
		ids[in.ID]++
	}
	lost, dup := 0, 0
	var lostTS []string
	for _, ts := range run.sent {
		switch ids[ts] {
		case 0:
			lost++
			lostTS = append(lostTS, ts)
		case 1:
		default:
			dup++
		}
	}
	t.Logf("%d replies, %d refused (redelivered), outage %.1fs after the kill, promotion %.1fs, /readyz down %d times",
		len(run.sent), run.failures, run.lastFail.Sub(killed).Seconds(), promoted.Sub(killed).Seconds(), run.readyDown)
	if lost > 0 || dup > 0 || len(ids) != len(run.sent) {
		var redisLog []string
		for _, line := range strings.Split(s.logs.String(), "\n") {
			if strings.Contains(line, "component=redis") {
				redisLog = append(redisLog, line)
			}
		}
		t.Errorf("%d replies: %d lost (%v), %d duplicated, %d stored\nthe Redis client's log:\n%s", len(run.sent), lost, lostTS, dup, len(ids), strings.Join(redisLog, "\n"))
	}
	if !run.lastFail.IsZero() && run.lastFail.After(promoted.Add(3*time.Second)) {
		t.Errorf("replies were refused until %.1fs after the kill, the promotion took %.1fs: more than 3s past it",
			run.lastFail.Sub(killed).Seconds(), promoted.Sub(killed).Seconds())
	}
	if run.failures > 0 && run.readyDown == 0 {
		t.Error("/readyz never failed while replies were refused")
	}
	waitStatus(t, "http://"+s.addr+"/readyz", 200, 5*time.Second)
}

// failoverWorkshop runs serve on the Redis at addrs (Sentinels when master
// is set) and starts a workshop; it returns the server, a store of the
// test's own on the same data, and the goals thread.
func failoverWorkshop(t *testing.T, addrs []string, master string) (*server, *redis.Store, string) {
	t.Helper()
	fake := newFake(t)
	env := serveEnv(t, fake)
	delete(env, "REDIS_URL")
	env["REDIS_ADDRS"] = strings.Join(addrs, ",")
	if master != "" {
		env["REDIS_MASTER_NAME"] = master
	}
	s := startServe(t, fake, env)
	store, err := redis.Open(context.Background(), redis.Options{Addrs: addrs, MasterName: master, Prefix: env["REDIS_PREFIX"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s.command("U1", "start Failover")
	return s, store, s.waitTopLevel(2)
}

func TestFailoverCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a Redis Cluster master")
	}
	c := redistest.StartCluster(t)
	s, store, thread := failoverWorkshop(t, c.Addrs(), "")
	env := s.env

	key := env["REDIS_PREFIX"] + ":{W1}:inputs"
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()
	slot, err := cc.ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	promotedc := make(chan time.Time, 1)
	run, killed := driveFailover(t, s, thread, 2*time.Second, 8*time.Second, func() time.Time {
		// The master of the workshop's slot: its replies go there.
		node, err := cc.MasterForKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		dead := node.Options().Addr
		at := time.Now()
		c.Kill(dead)
		go func() { promotedc <- waitSlotMoved(c.Addrs(), dead, slot) }()
		return at
	})
	checkFailover(t, s, store, run, killed, <-promotedc)
}

// waitSlotMoved asks the live nodes until one says slot is served by
// another master than dead, and returns when (or after 30 s). It runs in
// its own goroutine, so it does not fail the test.
func waitSlotMoved(addrs []string, dead string, slot int64) time.Time {
	testwait.Poll("a live node to serve the slot", 30*time.Second, 50*time.Millisecond, func() bool {
		for _, a := range addrs {
			if a == dead {
				continue
			}
			n := goredis.NewClient(&goredis.Options{Addr: a, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
			slots, err := n.ClusterSlots(context.Background()).Result()
			n.Close()
			if err != nil {
				continue
			}
			for _, r := range slots {
				if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 && r.Nodes[0].Addr != dead {
					return true
				}
			}
		}
		return false
	})
	return time.Now()
}

// waitNewMaster asks the Sentinels until one names another master than
// old, and returns when (or after 30 s). It runs in its own goroutine, so
// it does not fail the test.
func waitNewMaster(sentinels []string, name, old string) time.Time {
	testwait.Poll("a Sentinel to name a new master", 30*time.Second, 50*time.Millisecond, func() bool {
		for _, a := range sentinels {
			sc := goredis.NewSentinelClient(&goredis.Options{Addr: a, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
			got, err := sc.GetMasterAddrByName(context.Background(), name).Result()
			sc.Close()
			if err == nil && len(got) == 2 && got[0]+":"+got[1] != old {
				return true
			}
		}
		return false
	})
	return time.Now()
}

func TestFailoverSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a Redis master watched by Sentinels")
	}
	g := redistest.StartSentinel(t)
	s, store, thread := failoverWorkshop(t, g.SentinelAddrs(), redistest.SentinelMaster)

	promotedc := make(chan time.Time, 1)
	run, killed := driveFailover(t, s, thread, 2*time.Second, 8*time.Second, func() time.Time {
		old := g.Master(t)
		at := time.Now()
		g.Kill(old)
		go func() { promotedc <- waitNewMaster(g.SentinelAddrs(), redistest.SentinelMaster, old) }()
		return at
	})
	checkFailover(t, s, store, run, killed, <-promotedc)
}
