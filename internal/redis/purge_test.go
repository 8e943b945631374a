package redis_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/workshop"
)

// scanAll returns every key matching pattern, on every master of a
// Cluster.
func scanAll(t *testing.T, c goredis.UniversalClient, pattern string) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c goredis.UniversalClient) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(t.Context(), func(ctx context.Context, n *goredis.Client) error { return scan(ctx, n) })
	} else {
		err = scan(t.Context(), c)
	}
	if err != nil {
		t.Fatalf("scan %s: %v", pattern, err)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// fill writes one of each kind of key in s.
func fill(t *testing.T, s workshop.Store) {
	t.Helper()
	ctx := t.Context()
	id, err := s.NewID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := &workshop.Meta{ID: id, Channel: "C1", Step: workshop.Goals, CreatedAt: time.Now()}
	m.Review = workshop.Review{Cadence: workshop.CadenceCustom, Spec: "0 9 * * *", TZ: "UTC", NextDue: time.Now().Add(time.Hour)}
	steps := []error{
		s.Create(ctx, m),
		s.BindThread(ctx, "C1", "1.000100", workshop.ThreadRef{Workshop: id, Step: workshop.Goals}),
		s.PutScore(ctx, id, workshop.Score{Touchpoint: "1.000100#1", User: "U1", Value: 2}),
		s.PutName(ctx, "U1", "Ada", time.Hour),
		s.PutHome(ctx, "U1", []string{"C1"}, time.Hour),
	}
	_, err = s.PutInput(ctx, id, workshop.Input{ID: "1.000100", Step: workshop.Goals, Author: "U1", Text: "a goal", TS: "1.000100"})
	steps = append(steps, err)
	_, err = s.Claim(ctx, "x", time.Hour)
	steps = append(steps, err)
	for i, err := range steps {
		if err != nil {
			t.Fatalf("fill step %d: %v", i, err)
		}
	}
}

// testPurgeTeamKeys checks, key by key, that PurgeTeam(T1) removes exactly
// the keys under prefix:t:T1: and T1's installation.
func testPurgeTeamKeys(t *testing.T, s *redis.Store, c goredis.UniversalClient, prefix string) {
	ctx := t.Context()
	for _, team := range []string{"T1", "T2", "T10", "T1A"} {
		fill(t, s.ForTeam(team))
		if err := s.SaveInstallation(ctx, install.Installation{TeamID: team, BotToken: "xoxb-1", BotUserID: "U0BOT"}); err != nil {
			t.Fatal(err)
		}
	}
	fill(t, s)
	if err := s.PutState(ctx, "state", time.Hour); err != nil {
		t.Fatal(err)
	}

	before := scanAll(t, c, prefix+":*")
	var gone, kept []string
	for _, k := range before {
		if strings.HasPrefix(k, prefix+":t:T1:") || k == prefix+":install:{T1}" {
			gone = append(gone, k)
		} else {
			kept = append(kept, k)
		}
	}
	// Every kind of key is there: the workshop's, the thread, the indexes,
	// the claim, the name, the home.
	if len(gone) < 12 {
		t.Fatalf("T1 has %d keys before the purge, want at least 12: %q", len(gone), gone)
	}
	n, err := s.PurgeTeam(ctx, "T1")
	if err != nil {
		t.Fatalf("PurgeTeam(T1): %v", err)
	}
	if n != len(gone) {
		t.Errorf("PurgeTeam(T1) = %d, want %d (the keys %q)", n, len(gone), gone)
	}
	after := scanAll(t, c, prefix+":*")
	if !slices.Equal(after, kept) {
		var lost, extra []string
		for _, k := range kept {
			if !slices.Contains(after, k) {
				lost = append(lost, k)
			}
		}
		for _, k := range after {
			if !slices.Contains(kept, k) {
				extra = append(extra, k)
			}
		}
		t.Errorf("after PurgeTeam(T1): lost %q, left %q", lost, extra)
	}
}

func TestPurgeTeamKeys(t *testing.T) {
	c, prefix := redistest.Client(t)
	testPurgeTeamKeys(t, redis.New(c, prefix), c, prefix)
}

// A prefix holding glob characters matches only itself.
func TestPurgeTeamGlobPrefix(t *testing.T) {
	c, prefix := redistest.Client(t)
	s, other := redis.New(c, prefix+":a*"), redis.New(c, prefix+":ab")
	fill(t, s.ForTeam("T1"))
	fill(t, other.ForTeam("T1"))
	want := scanAll(t, c, prefix+":ab:*")
	if _, err := s.PurgeTeam(t.Context(), "T1"); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, c, prefix+":ab:*"); !slices.Equal(got, want) {
		t.Errorf("purging prefix a* removed keys of prefix ab: had %d, have %d", len(want), len(got))
	}
	if got := scanAll(t, c, prefix+`:a\*:t:*`); len(got) != 0 {
		t.Errorf("keys left after the purge: %q", got)
	}
}
