// Package redistest connects tests to a real Redis server, because the
// properties worth testing (atomic scripts, WATCH, key expiry) are the
// server's, and a fake would only test itself.
package redistest

import (
	"cmp"
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultURL is the server tests use when REDIS_URL is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Client returns a client for the server at REDIS_URL (DefaultURL when
// unset) and a key prefix no other test uses, so tests can run in parallel
// on one server. When tb ends, every key under the prefix is deleted and the
// client closed.
//
// When the server does not answer, the test is skipped, so `go test ./...`
// works on a laptop without Redis; on CI (CI=true) it fails instead, so a
// broken service container cannot turn the suite green by skipping it.
func Client(tb testing.TB) (client goredis.UniversalClient, prefix string) {
	tb.Helper()
	raw := cmp.Or(os.Getenv("REDIS_URL"), DefaultURL)
	opt, err := goredis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("REDIS_URL is not a redis:// URL: %v", err)
	}
	addr := raw
	if u, err := url.Parse(raw); err == nil {
		addr = u.Redacted()
	}
	c := goredis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Redis must answer at %s (set REDIS_URL to point elsewhere): %v", addr, err)
		}
		tb.Skipf("no Redis at %s (set REDIS_URL, or start redis-server): %v", addr, err)
	}

	prefix = "jbtest-" + strings.ToLower(rand.Text())
	tb.Cleanup(func() {
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("scan test keys %s:*: %v", prefix, err)
			return
		}
		for batch := range slices.Chunk(keys, 500) {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				tb.Errorf("delete test keys %s:*: %v", prefix, err)
				return
			}
		}
	})
	return c, prefix
}
