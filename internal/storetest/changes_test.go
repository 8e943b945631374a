package storetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/workshop"
)

// A watched store announces its writes, and reads nothing.
func TestChangesWatch(t *testing.T) {
	raw, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var changes storetest.Changes
	s := changes.Watch(raw)
	ctx := context.Background()

	before := changes.C()
	if err := s.Create(ctx, &workshop.Meta{ID: "W1", Channel: "C1", Step: workshop.Goals}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-before:
	default:
		t.Error("Create was not announced")
	}
	quiet := changes.C()
	if _, err := s.LoadMeta(ctx, "W1"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-quiet:
		t.Error("a read was announced")
	default:
	}
	if err := s.BindThread(ctx, "C1", "1.1", workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-quiet:
	default:
		t.Error("BindThread was not announced")
	}
}
