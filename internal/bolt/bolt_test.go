package bolt

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/workshop"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) workshop.Store {
		return open(t, filepath.Join(t.TempDir(), "state", "journeybot.db"))
	})
}

func TestStateSurvivesRestart(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journeybot.db")
	s := open(t, path)
	id, err := s.NewID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	ref := workshop.ThreadRef{Workshop: id, Step: workshop.Goals}
	steps := []func() error{
		func() error {
			return s.Create(ctx, &workshop.Meta{ID: id, Title: "Checkout", Channel: "C1", Step: workshop.Goals, CreatedAt: created})
		},
		func() error {
			_, err := s.UpdateMeta(ctx, id, func(m *workshop.Meta) error { m.Step = workshop.Personas; return nil })
			return err
		},
		func() error {
			_, err := s.PutInput(ctx, id, workshop.Input{ID: "1.000001", Step: workshop.Goals, Text: "kept", TS: "1.000001"})
			return err
		},
		func() error {
			_, err := s.PutInput(ctx, id, workshop.Input{ID: "1.000002", Step: workshop.Goals, Text: "deleted", TS: "1.000002"})
			return err
		},
		func() error { _, err := s.DeleteInput(ctx, id, "1.000002"); return err },
		func() error {
			return s.PutScore(ctx, id, workshop.Score{Touchpoint: "1.000001#1", User: "U1", Value: 2})
		},
		func() error { return s.BindThread(ctx, "C1", "1.000000", ref) },
		func() error { _, err := s.Claim(ctx, "event:Ev1", time.Hour); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, path)
	w, err := s.Load(ctx, id)
	if err != nil {
		t.Fatalf("Load after reopen: %v", err)
	}
	if w.Title != "Checkout" || w.Step != workshop.Personas || w.Rev != 1 || !w.CreatedAt.Equal(created) {
		t.Errorf("meta after reopen = %+v", w.Meta)
	}
	if len(w.Inputs) != 1 || w.Inputs[0].Text != "kept" || len(w.Scores) != 1 || w.Scores[0].Value != 2 {
		t.Errorf("after reopen: inputs %+v, scores %+v; want the kept input and one score", w.Inputs, w.Scores)
	}
	if ok, err := s.PutInput(ctx, id, workshop.Input{ID: "1.000002", Step: workshop.Goals, Text: "deleted"}); ok || err != nil {
		t.Errorf("PutInput of a deleted input after reopen = %v, %v; want false, nil", ok, err)
	}
	if got, err := s.Thread(ctx, "C1", "1.000000"); got != ref || err != nil {
		t.Errorf("Thread after reopen = %+v, %v; want %+v", got, err, ref)
	}
	if ok, err := s.Claim(ctx, "event:Ev1", time.Hour); ok || err != nil {
		t.Errorf("Claim of a held key after reopen = %v, %v; want false, nil", ok, err)
	}
	if next, err := s.NewID(ctx); next != "W2" || err != nil {
		t.Errorf("NewID after reopen = %q, %v; want W2", next, err)
	}
}

func TestSecondProcessRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journeybot.db")
	open(t, path)
	// flock locks conflict between two opens even in one process, so this
	// stands in for a second journeybot.
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("second Open of a file in use succeeded")
	}
	if !strings.Contains(err.Error(), "in use by another journeybot process") {
		t.Errorf("second Open: got %q, want it to say the file is in use", err)
	}
}

func TestClaimExpiry(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "journeybot.db"))
	now := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }

	steps := []struct {
		advance time.Duration
		key     string
		ttl     time.Duration
		want    bool
	}{
		{0, "a", time.Minute, true},
		{0, "a", time.Minute, false},
		{59 * time.Second, "a", time.Minute, false},
		{time.Second, "a", time.Minute, true}, // expires exactly at ttl
		{0, "forever", 0, true},
		{0, "b", time.Minute, true},
		{0, "c", time.Minute, true},
		{24 * time.Hour, "forever", time.Minute, false},
		{0, "a", time.Minute, true},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		got, err := s.Claim(ctx, st.key, st.ttl)
		if err != nil {
			t.Fatalf("step %d: Claim(%s): %v", i, st.key, err)
		}
		if got != st.want {
			t.Errorf("step %d: Claim(%s) = %v, want %v", i, st.key, got, st.want)
		}
	}

	// The expired claims b and c were purged; forever and the fresh a remain.
	var n int
	if err := s.db.View(func(tx *bbolt.Tx) error { n = tx.Bucket(bucketClaims).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("claims stored after expiry = %d, want 2", n)
	}
}

func TestInstallsContract(t *testing.T) {
	storetest.Installs(t, func(t *testing.T) storetest.InstallStore {
		return open(t, filepath.Join(t.TempDir(), "journeybot.db"))
	})
}

// The whole contract holds for a team's store too, each subtest in its
// own file beside another team's data.
func TestContractForTeam(t *testing.T) {
	storetest.Run(t, func(t *testing.T) workshop.Store {
		s := open(t, filepath.Join(t.TempDir(), "journeybot.db"))
		if err := s.ForTeam("T2").BindThread(t.Context(), "C1", "1.000000", workshop.ThreadRef{Workshop: "W1"}); err != nil {
			t.Fatal(err)
		}
		return s.ForTeam("T1")
	})
}

func TestStateExpiry(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "journeybot.db"))
	now := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	for _, st := range []string{"a", "b", "c"} {
		if err := s.PutState(ctx, st, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	take := func(state string, want bool) {
		t.Helper()
		if got, err := s.TakeState(ctx, state); err != nil || got != want {
			t.Errorf("TakeState(%s) = %v, %v; want %v", state, got, err, want)
		}
	}
	now = now.Add(59 * time.Second)
	take("a", true)
	now = now.Add(time.Second) // expires exactly at ttl
	take("b", false)
	take("b", false)
	// The next put purges c, expired untaken.
	if err := s.PutState(ctx, "d", time.Minute); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.View(func(tx *bbolt.Tx) error { n = tx.Bucket(bucketStates).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("states stored = %d, want 1 (d)", n)
	}
	take("d", true)
}

// A team's store follows the Now of the store it came from, reads as empty
// without leaving buckets behind, and its Close leaves the file open.
func TestTeamStore(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "journeybot.db"))
	t1 := s.ForTeam("T1")
	if _, err := t1.Thread(ctx, "C1", "1.0"); err == nil {
		t.Fatal("Thread in an empty team found something")
	}
	teams := func() int {
		var n int
		err := s.db.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketTeams).ForEach(func([]byte, []byte) error { n++; return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := teams(); n != 0 {
		t.Errorf("a read left %d buckets in teams, want none", n)
	}
	now := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if ok, err := t1.Claim(ctx, "x", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if n := teams(); n != 1 {
		t.Errorf("teams holds %d buckets after a write, want 1", n)
	}
	now = now.Add(time.Minute)
	if ok, err := t1.Claim(ctx, "x", time.Minute); !ok || err != nil {
		t.Errorf("Claim after the root's clock passed the ttl = %v, %v; want true", ok, err)
	}
	if err := t1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after closing a team's store: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("ForTeam of an invalid key did not panic")
		}
	}()
	s.ForTeam("T1/x")
}
