package redis

import (
	"slices"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The due index lives in another slot than the metas, so it is written apart
// from them. These tests play the orders of writes that a crash or two racing
// processes can leave, and check the index is early at worst, never late.
func TestDueIndexRepairs(t *testing.T) {
	c, prefix := redistest.Client(t)
	s := New(c, prefix)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if err := s.Create(ctx, &workshop.Meta{ID: "W1", Channel: "C1", Step: workshop.Goals, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	set := func(due time.Time) *workshop.Meta {
		t.Helper()
		m, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
			m.Review = workshop.Review{Cadence: workshop.CadenceMonthly, TZ: "UTC", NextDue: due}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	dueAt := func(until time.Time) bool {
		t.Helper()
		ids, err := s.Due(ctx, until, 10)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Equal(ids, []string{"W1"})
	}

	// Two updates whose index writes land in the wrong order: the older one
	// is refused, so the entry stays where the newest meta says.
	older := set(t0.Add(time.Hour))
	newer := set(t0.Add(2 * time.Hour))
	if err := s.syncDue(ctx, older); err != nil {
		t.Fatal(err)
	}
	if dueAt(t0.Add(time.Hour)) || !dueAt(t0.Add(2*time.Hour)) {
		t.Errorf("a late index write of rev %d moved the entry of rev %d", older.Rev, newer.Rev)
	}

	// A crash after the entry was lowered and before the meta committed
	// leaves an early entry; saving the meta again puts it back.
	if err := c.ZAdd(ctx, s.dueKeys()[0], goredis.Z{Score: float64(t0.UnixMilli()), Member: "W1"}).Err(); err != nil {
		t.Fatal(err)
	}
	if !dueAt(t0) {
		t.Fatal("the early entry is not due")
	}
	if _, err := s.UpdateMeta(ctx, "W1", func(*workshop.Meta) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if dueAt(t0.Add(time.Hour)) || !dueAt(t0.Add(2*time.Hour)) {
		t.Error("saving the meta again did not repair the early entry")
	}

	// Moving the due date earlier lowers the entry before the meta commits,
	// outside the transaction, so fn runs once more.
	calls := 0
	_, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
		calls++
		m.Review.NextDue = t0.Add(30 * time.Minute)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 2 {
		t.Errorf("fn ran %d times; an earlier due date should leave the transaction once to lower the entry", calls)
	}
	if !dueAt(t0.Add(30*time.Minute)) || dueAt(t0.Add(29*time.Minute)) {
		t.Error("entry not at the earlier due date")
	}
}
