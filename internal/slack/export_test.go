package slack

import (
	"path/filepath"
	"testing"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/workshop"
)

// WaitIdle waits until no background work is in flight (header timers
// included), for tests that look at the store between requests.
func (b *Bot) WaitIdle() { b.tasks.Wait() }

// OpenTestStore opens an embedded store in a temporary folder, closed when
// tb ends.
func OpenTestStore(tb testing.TB) workshop.Store {
	tb.Helper()
	s, err := bolt.Open(filepath.Join(tb.TempDir(), "state.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
