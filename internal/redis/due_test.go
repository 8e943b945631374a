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

// The due index holds scheduled reviews only: a workshop never scheduled,
// or whose reminders stopped, leaves nothing in it.
func TestDueIndexHoldsScheduledReviewsOnly(t *testing.T) {
	c, prefix := redistest.Client(t)
	s := New(c, prefix)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	size := func() (int64, int64) {
		t.Helper()
		keys := s.dueKeys()
		return c.ZCard(ctx, keys[0]).Val(), c.HLen(ctx, keys[1]).Val()
	}
	for _, id := range []string{"W1", "W2", "W3"} {
		if err := s.Create(ctx, &workshop.Meta{ID: id, Channel: "C1", Step: workshop.Goals, CreatedAt: t0, Review: workshop.Review{Cadence: workshop.CadenceOff}}); err != nil {
			t.Fatal(err)
		}
	}
	if z, h := size(); z != 0 || h != 0 {
		t.Fatalf("three unscheduled workshops left %d entries and %d revs in the due index", z, h)
	}
	review := func(r workshop.Review) {
		t.Helper()
		if _, err := s.UpdateMeta(ctx, "W2", func(m *workshop.Meta) error { m.Review = r; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	review(workshop.Review{Cadence: workshop.CadenceMonthly, TZ: "UTC", NextDue: t0.Add(time.Hour)})
	if z, h := size(); z != 1 || h != 1 {
		t.Fatalf("one scheduled review: %d entries, %d revs", z, h)
	}
	review(workshop.Review{Cadence: workshop.CadenceOff})
	if z, h := size(); z != 0 || h != 0 {
		t.Fatalf("after the schedule stopped: %d entries, %d revs", z, h)
	}
}
