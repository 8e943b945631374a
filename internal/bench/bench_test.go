package bench

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// drills runs the kill -9 drills in the smoke test: they start, kill and
// restart the bot a dozen times, so `go test ./...` leaves them to `make
// drills` (and `make bench`, which runs them at real sizes).
var drills = flag.Bool("drills", false, "also run the kill -9 fault drills at toy sizes")

// TestMain lets the test binary double as the bot and the baseline, which
// the smoke test starts as child processes: no `go build` inside a test.
func TestMain(m *testing.M) {
	MaybeRunRole()
	os.Exit(m.Run())
}

// TestSmoke runs every part of the bench but the failover one at tiny
// sizes, so `make test` keeps the harness working without paying for (or
// judging) a real run: the numbers mean nothing here, but the drills must
// still lose and duplicate nothing. The failover part starts a Redis
// Cluster and a Sentinel group and streams for seconds whatever the
// sizes; internal/app's TestFailoverCluster and TestFailoverSentinel test
// the same behaviour, and `journeybot-bench -small -parts failover` runs
// the part in under a minute.
func TestSmoke(t *testing.T) {
	self, gorace := needRedisServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	parts := []string{"events", "charts", "scale", "nudges"}
	if *drills {
		parts = append(parts, "drills")
	}
	var out bytes.Buffer
	rep, err := Run(ctx, Options{
		Out: &out, Log: t.Output(), Dir: t.TempDir(), Small: true,
		Parts:   parts,
		BotArgv: []string{self}, BotEnv: []string{RoleEnv + "=" + RoleBot, "GORACE=" + gorace},
		SelfArgv: []string{self}, BaselineEnv: []string{"GORACE=" + gorace},
	})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"1. Event path", "1b. Redis round trips", "1c. Ack of a test-step reply", "2a. Chart rendering", "2b. Ack latency while charts render",
		"3a. Open workshops", "3b. Cost of one workshop", "6. Nudge planning"} {
		found := false
		for _, tb := range rep.Tables {
			found = found || strings.HasPrefix(tb.Title, title)
		}
		if !found {
			t.Errorf("no table %q", title)
		}
	}
	// Table 1 measures the fair baseline beside the bot, with its ✅.
	fair := false
	for _, tb := range rep.Tables {
		if !strings.HasPrefix(tb.Title, "1. Event path") {
			continue
		}
		for _, row := range tb.Rows {
			if row[2] == "fair" {
				fair = true
				if row[7] != "0" || row[9] != "1.00" {
					t.Errorf("fair baseline row: %s failed, %s Slack calls per event; want 0 and 1.00: %v", row[7], row[9], row)
				}
			}
		}
	}
	if !fair {
		t.Error("table 1 has no fair baseline row")
	}
	if want := map[bool]int{true: 5, false: 0}[*drills]; len(rep.Drills) != want {
		t.Errorf("%d drills ran, want %d", len(rep.Drills), want)
	}
	for _, d := range rep.Drills {
		if d.Sent == 0 || d.Stored != d.Sent || d.AckedButLost+d.Lost+d.Duplicated > 0 {
			t.Errorf("drill %s: sent %d, stored %d, acked but lost %d, lost %d, duplicated %d", d.Name, d.Sent, d.Stored, d.AckedButLost, d.Lost, d.Duplicated)
		}
	}
	if len(rep.Verdicts) != 0 {
		t.Errorf("the smoke run judged targets: %+v", rep.Verdicts)
	}
}

// needRedisServer skips a test that starts redis-server and children of
// the test binary under -short or without redis-server (a failure in CI).
// It returns the test binary and the GORACE its children should run with.
func needRedisServer(t *testing.T) (self, gorace string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts redis-server and child processes; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (.ci/redis.sh installs it)")
		}
		t.Skip("redis-server is not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Under -race, a process sleeps 1 s at exit to let reports through;
	// the children are started and stopped a dozen times.
	return self, strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

// TestFairBaseline checks the fair baseline does what the bot must: refuse
// a bad signature, store a reply once however often it is delivered, and
// add one ✅ per stored reply.
func TestFairBaseline(t *testing.T) {
	self, gorace := needRedisServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := StartRedis(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	fake := fakeslack.New()
	defer fake.Close()
	r := &Runner{opt: Options{Log: t.Output(), Dir: t.TempDir(), SelfArgv: []string{self}, BaselineEnv: []string{"GORACE=" + gorace}},
		sz: smallSizes(), redis: rs, rdb: rdb, run: "fairtest"}
	svc, err := r.startBaseline(ctx, RoleFairBaseline, "fairtest", fake)
	if err != nil {
		t.Fatal(err)
	}
	w := Workshop{ID: "W1", Channel: "C1", Thread: r.ts.next()}
	first, second := r.replyEvent(w, 0), r.replyEvent(w, 1)
	for _, c := range []struct {
		target  *Target
		e       *Event
		attempt int
		want    int
	}{
		{svc.Target, first, 0, 200},
		{svc.Target, first, 1, 200}, // Slack's redelivery: acknowledged, not stored again
		{svc.Target, second, 0, 200},
		{NewTarget(svc.Addr, "not-the-secret", 1), r.replyEvent(w, 2), 0, 401},
	} {
		if st, err := c.target.Send(ctx, c.e, c.attempt, "http_timeout"); err != nil || st != c.want {
			t.Errorf("event %s, attempt %d: %d %v, want %d", c.e.ID, c.attempt, st, err, c.want)
		}
	}
	awaitReactions(fake, 0, 2)
	if err := svc.Stop(); err != nil {
		t.Error(err)
	}
	var reacted []string
	for _, re := range fake.Reactions() {
		if re.Name != "white_check_mark" || re.Channel != "C1" {
			t.Errorf("reaction %+v", re)
		}
		reacted = append(reacted, re.Timestamp)
	}
	slices.Sort(reacted)
	if want := []string{first.TS, second.TS}; !slices.Equal(reacted, want) {
		t.Errorf("reactions on %v, want %v", reacted, want)
	}
	stored, err := rdb.HGetAll(ctx, "fairtest:fair:{C1/"+w.Thread+"}:inputs").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || !strings.Contains(stored[first.TS], first.Text) || !strings.Contains(stored[second.TS], second.Text) {
		t.Errorf("stored %v, want the two replies by ts", stored)
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_get:calls=10,usec=5,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_config|resetstat:calls=1,usec=1\r\ncmdstat_info:calls=3,usec=1\r\ncmdstat_evalsha:calls=4,usec=9\r\n"
	calls, total := parseCommandStats(info)
	if total != 14 || calls["get"] != 10 || calls["evalsha"] != 4 || len(calls) != 2 {
		t.Errorf("got %v total %d", calls, total)
	}
}

func TestFirstCommand(t *testing.T) {
	for in, want := range map[string]string{
		"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n":                    "GET",
		"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n": "MULTI",
		"garbage": "?",
	} {
		if got := firstCommand([]byte(in)); got != want {
			t.Errorf("firstCommand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	now := time.Now()
	var outs []Outcome
	for i := range 100 {
		outs = append(outs, Outcome{Status: 200, Sent: now.Add(time.Duration(i) * time.Millisecond), Latency: time.Duration(i+1) * time.Millisecond})
	}
	outs = append(outs, Outcome{Status: 503, Sent: now, Latency: time.Millisecond})
	s := Summarize(outs)
	if s.Acked != 100 || s.Failed != 1 || s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("%+v", s)
	}
	if s.Elapsed != 199*time.Millisecond {
		t.Errorf("elapsed %v", s.Elapsed)
	}
}

func TestParts(t *testing.T) {
	if !slices.Contains(PartNames, "failover") {
		t.Errorf("PartNames = %v, want failover among them", PartNames)
	}
	_, err := Run(context.Background(), Options{Parts: []string{"drills", "failvoer"}, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `unknown part "failvoer"`) {
		t.Errorf("Run with a misspelt part: %v, want an error naming it", err)
	}
}

func TestFailoverJudge(t *testing.T) {
	for _, c := range []struct {
		d    failoverDrill
		pass bool
		why  string
	}{
		{failoverDrill{promotion: 2 * time.Second, outage: 4 * time.Second}, true, ""},
		{failoverDrill{promotion: 2 * time.Second}, true, ""}, // no refusal at all
		{failoverDrill{promotion: 2 * time.Second, outage: 5100 * time.Millisecond}, false, "outage 5.1 s > promotion 2.0 s + 3s"},
		{failoverDrill{promotion: time.Second, outage: time.Second, lost: 1, dup: 2}, false, "1 lost, 2 duplicated"},
		{failoverDrill{promotion: time.Second, unacked: 3}, false, "3 never acknowledged"},
	} {
		pass, why := c.d.judge()
		if pass != c.pass || why != c.why {
			t.Errorf("%+v: judge() = %v, %q; want %v, %q", c.d, pass, why, c.pass, c.why)
		}
	}
}
