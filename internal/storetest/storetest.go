// Package storetest is the contract every workshop.Store implementation must
// honour. Each implementation's tests call Run, so the engine can rely on the
// same behaviour from the embedded file store and from Redis alike.
package storetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/testwait"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Run runs the contract suite against stores made by open. open must return
// a new, empty store on every call and close it when t ends (t.Cleanup). The
// subtests run in parallel, so open is called concurrently.
func Run(t *testing.T, open func(t *testing.T) workshop.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s workshop.Store)
	}{
		{"NewID", testNewID},
		{"RoundTrip", testRoundTrip},
		{"CreateExisting", testCreateExisting},
		{"NotFound", testNotFound},
		{"UpdateMeta", testUpdateMeta},
		{"UpdateMetaConcurrent", testUpdateMetaConcurrent},
		{"PutInput", testPutInput},
		{"PutInputConcurrent", testPutInputConcurrent},
		{"PutScore", testPutScore},
		{"Thread", testThread},
		{"List", testList},
		{"Claim", testClaim},
		{"Due", testDue},
		{"DueConcurrent", testDueConcurrent},
		{"Counts", testCounts},
		{"CountsConcurrent", testCountsConcurrent},
		{"CountsPeople", testCountsPeople},
		{"StepContributors", testStepContributors},
		{"AnonymousContributors", testAnonymousContributors},
		{"Marks", testMarks},
		{"Batch", testBatch},
		{"SwapMetasConcurrent", testSwapMetasConcurrent},
		{"CountsOf", testCountsOf},
		{"Names", testNames},
		{"Homes", testHomes},
		{"HomesExpire", testHomesExpire},
		{"HomeVersions", testHomeVersions},
		{"Ping", testPing},
		{"Isolation", testIsolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// t0 has nanoseconds so a store that truncates times fails the round trip.
var t0 = time.Date(2025, 3, 4, 9, 30, 0, 123456789, time.UTC)

func newMeta(id, channel string, created time.Time) *workshop.Meta {
	return &workshop.Meta{
		ID: id, Title: "Workshop " + id, Lang: workshop.LangEN, Facilitator: "U1",
		Channel: channel, Step: workshop.Goals, CreatedAt: created,
	}
}

func create(t *testing.T, s workshop.Store, m *workshop.Meta) {
	t.Helper()
	if err := s.Create(t.Context(), m); err != nil {
		t.Fatalf("Create(%s): %v", m.ID, err)
	}
}

// asJSON renders v for comparison: it tells instants apart to the
// nanosecond yet ignores how a decoder represents the time zone.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func load(t *testing.T, s workshop.Store, id string) *workshop.Workshop {
	t.Helper()
	w, err := s.Load(t.Context(), id)
	if err != nil {
		t.Fatalf("Load(%s): %v", id, err)
	}
	return w
}

func sortScores(ss []workshop.Score) {
	slices.SortFunc(ss, func(a, b workshop.Score) int {
		return cmp.Or(cmp.Compare(a.Touchpoint, b.Touchpoint), cmp.Compare(a.User, b.User), cmp.Compare(a.Round, b.Round))
	})
}

func testNewID(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	for _, want := range []string{"W1", "W2"} {
		got, err := s.NewID(ctx)
		if err != nil {
			t.Fatalf("NewID: %v", err)
		}
		if got != want {
			t.Errorf("NewID = %q, want %q", got, want)
		}
	}

	const n = 100
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := s.NewID(ctx)
			if err != nil {
				t.Errorf("NewID: %v", err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("NewID returned %q twice", id)
		}
		seen[id] = true
	}
	for i := 3; i < n+3; i++ {
		if id := "W" + strconv.Itoa(i); !seen[id] {
			t.Errorf("concurrent NewID never returned %q", id)
		}
	}
}

func testRoundTrip(t *testing.T, s workshop.Store) {
	full := &workshop.Meta{
		ID: "W7", Title: "Parcours d'accueil « été »", Lang: workshop.LangFR,
		Facilitator: "U1", FacilitatorTZ: "Europe/Paris", Channel: "C1",
		Step: workshop.Touchpoints, CreatedAt: t0, ClosedAt: t0.Add(48 * time.Hour),
		HeaderTS: "1741080600.000100",
		Messages: []workshop.StepMessage{
			{Step: workshop.Goals, TS: "1741080600.000200", At: t0.Add(time.Minute)},
			{Step: workshop.Personas, TS: "1741080900.000300", At: t0.Add(5 * time.Minute)},
			{Step: workshop.Goals, TS: "1743759000.000400", Round: 1, At: t0.Add(31 * 24 * time.Hour)},
		},
		Round: 1,
		Review: workshop.Review{
			Cadence: workshop.CadenceMonthly, Spec: "first monday 10:00", TZ: "Europe/Paris",
			NextDue: t0.Add(60 * 24 * time.Hour), LastReview: t0.Add(31 * 24 * time.Hour),
		},
		Anonymous: true, AnonymousSteps: map[string]bool{"goals": false, "touchpoints": true},
		Secret: workshop.Secret("0123456789abcdef0123456789abcdef"),
		Rev:    3,
	}
	tests := []struct {
		name string
		meta *workshop.Meta
	}{
		{"minimal open workshop", newMeta("W1", "C1", t0)},
		{"every field set, closed", full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			create(t, s, tt.meta)
			want := asJSON(t, tt.meta)

			m, err := s.LoadMeta(t.Context(), tt.meta.ID)
			if err != nil {
				t.Fatalf("LoadMeta: %v", err)
			}
			if got := asJSON(t, m); got != want {
				t.Errorf("LoadMeta:\ngot  %s\nwant %s", got, want)
			}
			if got, want := m.Closed(), tt.meta.Closed(); got != want {
				t.Errorf("LoadMeta Closed() = %v, want %v", got, want)
			}

			w := load(t, s, tt.meta.ID)
			if got := asJSON(t, w.Meta); got != want {
				t.Errorf("Load meta:\ngot  %s\nwant %s", got, want)
			}
			if len(w.Inputs) != 0 || len(w.Scores) != 0 {
				t.Errorf("Load of a new workshop: got %d inputs and %d scores, want none", len(w.Inputs), len(w.Scores))
			}
		})
	}
}

func testCreateExisting(t *testing.T, s workshop.Store) {
	create(t, s, newMeta("W1", "C1", t0))
	dup := newMeta("W1", "C2", t0)
	dup.Title = "Impostor"
	if err := s.Create(t.Context(), dup); err == nil {
		t.Fatal("Create of an existing id: got nil error, want one")
	}
	m, err := s.LoadMeta(t.Context(), "W1")
	if err != nil {
		t.Fatalf("LoadMeta: %v", err)
	}
	if got, want := m.Title, "Workshop W1"; got != want {
		t.Errorf("title after a refused Create = %q, want %q", got, want)
	}
}

func testNotFound(t *testing.T, s workshop.Store) {
	create(t, s, newMeta("W1", "C1", t0))
	create(t, s, newMeta("W2", "C1", t0))
	if err := s.BindThread(t.Context(), "C1", "1.1", workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals}); err != nil {
		t.Fatalf("BindThread: %v", err)
	}
	tests := []struct {
		name string
		op   func() error
	}{
		{"Load", func() error { _, err := s.Load(t.Context(), "W9"); return err }},
		{"LoadMeta", func() error { _, err := s.LoadMeta(t.Context(), "W9"); return err }},
		{"UpdateMeta", func() error {
			_, err := s.UpdateMeta(t.Context(), "W9", func(*workshop.Meta) error { return nil })
			return err
		}},
		{"Thread other ts", func() error { _, err := s.Thread(t.Context(), "C1", "2.2"); return err }},
		{"Thread other channel", func() error { _, err := s.Thread(t.Context(), "C2", "1.1"); return err }},
		{"PutInput", func() error {
			_, err := s.PutInput(t.Context(), "W9", workshop.Input{ID: "1.1", Step: workshop.Goals, Text: "x"})
			return err
		}},
		{"DeleteInput", func() error { _, err := s.DeleteInput(t.Context(), "W9", "1.1"); return err }},
		{"PutScore", func() error {
			return s.PutScore(t.Context(), "W9", workshop.Score{Touchpoint: "1.1#1", User: "U1", Value: 1, At: t0})
		}},
	}
	for _, tt := range tests {
		if err := tt.op(); !errors.Is(err, workshop.ErrNotFound) {
			t.Errorf("%s of a missing workshop or thread: got %v, want ErrNotFound", tt.name, err)
		}
	}
	// The writes above must not have created the missing workshop.
	if ss, err := s.List(t.Context(), ""); err != nil || len(ss) != 2 {
		t.Errorf("List after writes to a missing workshop: got %d summaries (err %v), want 2", len(ss), err)
	}
}

func testUpdateMeta(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))

	msg := workshop.StepMessage{Step: workshop.Personas, TS: "1741080900.000300", At: t0.Add(time.Minute)}
	got, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
		m.Step = workshop.Personas
		m.Messages = append(m.Messages, msg)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateMeta: %v", err)
	}
	if got.Rev != 1 || got.Step != workshop.Personas || len(got.Messages) != 1 {
		t.Errorf("UpdateMeta returned rev %d, step %v, %d messages; want rev 1, step personas, 1 message", got.Rev, got.Step, len(got.Messages))
	}
	stored, err := s.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatalf("LoadMeta: %v", err)
	}
	if g, w := asJSON(t, stored), asJSON(t, got); g != w {
		t.Errorf("LoadMeta after UpdateMeta:\ngot  %s\nwant %s", g, w)
	}

	errBoom := errors.New("boom")
	if _, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
		m.Title = "lost"
		m.Step = workshop.Iterate
		return errBoom
	}); !errors.Is(err, errBoom) {
		t.Errorf("UpdateMeta with failing fn: got %v, want %v", err, errBoom)
	}
	after, err := s.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatalf("LoadMeta: %v", err)
	}
	if g, w := asJSON(t, after), asJSON(t, stored); g != w {
		t.Errorf("a failing fn changed the meta:\ngot  %s\nwant %s", g, w)
	}
}

func testUpdateMetaConcurrent(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
				m.Messages = append(m.Messages, workshop.StepMessage{
					Step: workshop.Goals, TS: fmt.Sprintf("1741080600.%06d", i), At: t0,
				})
				return nil
			})
			if err != nil {
				t.Errorf("UpdateMeta %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	m, err := s.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatalf("LoadMeta: %v", err)
	}
	if got, want := m.Rev, int64(n); got != want {
		t.Errorf("Rev after %d updates = %d, want %d", n, got, want)
	}
	seen := map[string]bool{}
	for _, msg := range m.Messages {
		seen[msg.TS] = true
	}
	if got, want := len(m.Messages), n; got != want || len(seen) != n {
		t.Errorf("after %d concurrent appends: got %d messages (%d distinct), want %d", n, got, len(seen), want)
	}
}

func testPutInput(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	in := func(id, version, text string) workshop.Input {
		return workshop.Input{
			ID: id, Step: workshop.Personas, Author: "U2", Text: text, TS: id,
			Version: version, Source: workshop.SourceThread, Round: 1,
		}
	}
	const a, b, c = "1741080600.000100", "1741080600.000200", "1741080600.000300"
	steps := []struct {
		name   string
		del    bool // DeleteInput(in.ID) rather than PutInput(in)
		in     workshop.Input
		want   bool
		stored string // text stored under in.ID afterwards; "" when absent
	}{
		{"new reply", false, in(a, "", "first"), true, "first"},
		{"same reply again", false, in(a, "", "first"), false, "first"},
		{"retry with the same version", false, in(a, "", "other"), false, "first"},
		{"edit", false, in(a, "1741080700.000000", "edited"), true, "edited"},
		{"late older edit", false, in(a, "1741080650.000000", "stale"), false, "edited"},
		{"same edit again", false, in(a, "1741080700.000000", "stale"), false, "edited"},
		{"shorter ts is older", false, in(a, "999999999.000000", "stale"), false, "edited"},
		{"delete", true, in(a, "", ""), true, ""},
		{"late retry after delete", false, in(a, "", "first"), false, ""},
		{"newer edit after delete", false, in(a, "1741080900.000000", "again"), false, ""},
		{"delete again", true, in(a, "", ""), false, ""},
		{"delete never stored", true, in(b, "", ""), false, ""},
		{"reply arriving after its deletion", false, in(b, "", "ghost"), false, ""},
		{"another reply", false, in(c, "", "third"), true, "third"},
	}
	for _, st := range steps {
		var got bool
		var err error
		if st.del {
			got, err = s.DeleteInput(ctx, "W1", st.in.ID)
		} else {
			got, err = s.PutInput(ctx, "W1", st.in)
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: got %v, want %v", st.name, got, st.want)
		}
		var texts []string
		for _, x := range load(t, s, "W1").Inputs {
			if x.ID == st.in.ID {
				texts = append(texts, x.Text)
			}
		}
		want := []string{st.stored}
		if st.stored == "" {
			want = nil
		}
		if !slices.Equal(texts, want) {
			t.Errorf("%s: stored texts %q, want %q", st.name, texts, want)
		}
	}

	w := load(t, s, "W1")
	if got, want := asJSON(t, w.Inputs), asJSON(t, []workshop.Input{in(c, "", "third")}); got != want {
		t.Errorf("final inputs:\ngot  %s\nwant %s", got, want)
	}
}

func testPutInputConcurrent(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))

	// 200 people reply in the same thread at the same instant.
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("1741080600.%06d", i)
			in := workshop.Input{ID: id, Step: workshop.Touchpoints, Author: fmt.Sprintf("U%d", i), Text: "reply " + id, TS: id}
			ok, err := s.PutInput(ctx, "W1", in)
			if err != nil || !ok {
				t.Errorf("PutInput %s = %v, %v; want true, nil", id, ok, err)
			}
		})
	}
	// Meanwhile the platform delivers one event 20 times.
	var dups sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		dups.Go(func() {
			in := workshop.Input{ID: "1741080601.000000", Step: workshop.Goals, Text: "dup", TS: "1741080601.000000"}
			ok, err := s.PutInput(ctx, "W1", in)
			if err != nil {
				t.Errorf("PutInput duplicate: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	dups.Wait()

	w := load(t, s, "W1")
	if got, want := len(w.InputsOf(workshop.Touchpoints)), n; got != want {
		t.Errorf("Load after %d concurrent replies: got %d inputs, want %d", n, got, want)
	}
	if got, want := len(w.InputsOf(workshop.Goals)), 1; got != want {
		t.Errorf("one event delivered 20 times: got %d inputs, want %d", got, want)
	}
	if wins != 1 {
		t.Errorf("one event delivered 20 times: PutInput reported true %d times, want 1", wins)
	}
}

func testPutScore(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	score := func(tp, user string, round, value int) workshop.Score {
		return workshop.Score{Touchpoint: tp, User: user, Value: value, Round: round, At: t0.Add(time.Duration(value) * time.Second)}
	}
	puts := []workshop.Score{
		score("1.1#1", "U1", 0, 1),
		score("1.1#1", "U1", 0, -2), // changes their mind
		score("1.1#1", "U2", 0, 2),
		score("1.1#1", "U1", 1, 0),
		score("1.1#2", "U1", 0, 1),
		score("1.1#2", "U1", 0, 1), // delivered twice
	}
	for _, sc := range puts {
		if err := s.PutScore(ctx, "W1", sc); err != nil {
			t.Fatalf("PutScore(%+v): %v", sc, err)
		}
	}
	// Out of range: refused, and the stored score stands.
	for _, v := range []int{3, -3, 7, math.MinInt} {
		if err := s.PutScore(ctx, "W1", score("1.1#2", "U1", 0, v)); !errors.Is(err, workshop.ErrScoreRange) {
			t.Errorf("PutScore(value %d) = %v, want ErrScoreRange", v, err)
		}
	}
	want := []workshop.Score{
		score("1.1#1", "U1", 0, -2),
		score("1.1#1", "U1", 1, 0),
		score("1.1#1", "U2", 0, 2),
		score("1.1#2", "U1", 0, 1),
	}
	got := load(t, s, "W1").Scores
	sortScores(got)
	if g, w := asJSON(t, got), asJSON(t, want); g != w {
		t.Errorf("scores:\ngot  %s\nwant %s", g, w)
	}
}

func testThread(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	binds := []struct {
		channel, ts string
		ref         workshop.ThreadRef
	}{
		{"C1", "1741080600.000100", workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals}},
		{"C1", "1741080600.000200", workshop.ThreadRef{Workshop: "W1", Step: workshop.Touchpoints, Round: 2}},
		{"C2", "1741080600.000100", workshop.ThreadRef{Workshop: "W2", Step: workshop.Iterate}},
	}
	for _, b := range binds {
		if err := s.BindThread(ctx, b.channel, b.ts, b.ref); err != nil {
			t.Fatalf("BindThread(%s, %s): %v", b.channel, b.ts, err)
		}
	}
	for _, b := range binds {
		got, err := s.Thread(ctx, b.channel, b.ts)
		if err != nil {
			t.Errorf("Thread(%s, %s): %v", b.channel, b.ts, err)
		}
		if got != b.ref {
			t.Errorf("Thread(%s, %s) = %+v, want %+v", b.channel, b.ts, got, b.ref)
		}
	}
	if _, err := s.Thread(ctx, "C3", "1741080600.000100"); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("Thread of an unbound thread: got %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	metas := []*workshop.Meta{
		newMeta("W1", "C1", t0),
		newMeta("W9", "C1", t0.Add(time.Hour)),
		newMeta("W10", "C1", t0.Add(time.Hour)), // same instant as W9: the later id comes first
		newMeta("W3", "C2", t0.Add(30*time.Minute)),
		newMeta("W4", "C1", t0.Add(-time.Hour)),
	}
	metas[4].ClosedAt = t0
	metas[4].Step = workshop.Iterate
	for _, m := range metas {
		create(t, s, m)
	}
	// Listings reflect updates, not the workshop as created.
	if _, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
		m.Step = workshop.Scope
		m.Title = "Renamed"
		return nil
	}); err != nil {
		t.Fatalf("UpdateMeta: %v", err)
	}
	line := func(s workshop.Summary) string {
		return fmt.Sprintf("%s %q %s %s closed=%v %s", s.ID, s.Title, s.Channel, s.Step, s.Closed, s.CreatedAt.UTC().Format(time.RFC3339Nano))
	}
	want := func(ids ...string) []string {
		var out []string
		for _, id := range ids {
			i := slices.IndexFunc(metas, func(m *workshop.Meta) bool { return m.ID == id })
			m := *metas[i]
			if id == "W1" {
				m.Step, m.Title = workshop.Scope, "Renamed"
			}
			out = append(out, line(workshop.SummaryOf(&m)))
		}
		return out
	}
	tests := []struct {
		channel string
		want    []string
	}{
		{"C1", want("W10", "W9", "W1", "W4")},
		{"C2", want("W3")},
		{"", want("W10", "W9", "W3", "W1", "W4")},
		{"C404", nil},
	}
	for _, tt := range tests {
		ss, err := s.List(ctx, tt.channel)
		if err != nil {
			t.Fatalf("List(%q): %v", tt.channel, err)
		}
		var got []string
		for _, sm := range ss {
			got = append(got, line(sm))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("List(%q):\ngot  %s\nwant %s", tt.channel, strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
		}
	}
}

func testClaim(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	const ttl = time.Second
	claim := func(key string, want bool) {
		t.Helper()
		got, err := s.Claim(ctx, key, ttl)
		if err != nil {
			t.Fatalf("Claim(%s): %v", key, err)
		}
		if got != want {
			t.Errorf("Claim(%s) = %v, want %v", key, got, want)
		}
	}
	claim("event:Ev1", true)
	claim("event:Ev1", false)
	claim("event:Ev2", true)
	// Claims expire in the store's own time (Redis's), not the test's.
	testwait.Sleep("the claims' TTL to run out in the store", ttl+300*time.Millisecond)
	claim("event:Ev1", true)
	claim("event:Ev1", false)
}

func counts(t *testing.T, s workshop.Store, id string) workshop.Counts {
	t.Helper()
	c, err := s.Counts(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Step totals follow every write: new inputs, edits that change how many
// items a reply gives, deletions, and writes that change nothing.
func testCounts(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	if c := counts(t, s, "W1"); !c.Known || len(c.Items) != 0 && c.Items[workshop.Goals] != 0 {
		t.Fatalf("a new workshop: %+v, want known and empty", c)
	}
	in := func(id, version string, step workshop.Step, items int) workshop.Input {
		return workshop.Input{ID: id, Step: step, Author: "U1", Text: strings.Repeat("x\n", items), TS: id, Version: version, Items: items}
	}
	const a, b, c = "1741080600.000100", "1741080600.000200", "1741080600.000300"
	ops := []struct {
		name  string
		del   string // DeleteInput this id instead
		in    workshop.Input
		goals int
		tps   int
	}{
		{"a reply of 2 goals", "", in(a, "", workshop.Goals, 2), 2, 0},
		{"the same reply again", "", in(a, "", workshop.Goals, 2), 2, 0},
		{"a touchpoint", "", in(b, "", workshop.Touchpoints, 1), 2, 1},
		{"an edit to 3 goals", "", in(a, "1741080700.000000", workshop.Goals, 3), 3, 1},
		{"an older edit, refused", "", in(a, "1741080650.000000", workshop.Goals, 9), 3, 1},
		{"a third reply", "", in(c, "", workshop.Goals, 1), 4, 1},
		{"a deletion", a, workshop.Input{}, 1, 1},
		{"the deletion again", a, workshop.Input{}, 1, 1},
		{"a retry of the deleted reply", "", in(a, "1741080900.000000", workshop.Goals, 5), 1, 1},
		{"deleting the touchpoint", b, workshop.Input{}, 1, 0},
	}
	for _, op := range ops {
		var err error
		if op.del != "" {
			_, err = s.DeleteInput(ctx, "W1", op.del)
		} else {
			_, err = s.PutInput(ctx, "W1", op.in)
		}
		if err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		got := counts(t, s, "W1")
		if !got.Known || got.Items[workshop.Goals] != op.goals || got.Items[workshop.Touchpoints] != op.tps {
			t.Errorf("%s: counts %+v, want %d goals and %d touchpoints", op.name, got, op.goals, op.tps)
		}
	}
	if c := counts(t, s, "W9"); c.Known || len(c.Items) != 0 {
		t.Errorf("an unknown workshop: %+v", c)
	}
	// The header's read gives the same, in one round trip where it can.
	m, hc, err := workshop.MetaAndCounts(ctx, s, "W1")
	if err != nil || m.ID != "W1" || m.Channel != "C1" || !hc.Known || hc.Items[workshop.Goals] != 1 {
		t.Errorf("MetaAndCounts(W1) = %+v, %+v, %v", m, hc, err)
	}
	if _, _, err := workshop.MetaAndCounts(ctx, s, "W9"); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("MetaAndCounts(W9): %v, want ErrNotFound", err)
	}
}

// Contributors and the map type follow writes too: people in the order
// they first contributed (inputs or scores), gone when their last input
// is deleted; the map type of the latest input that chose one.
func testCountsPeople(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	put := func(id, author, mapType string) {
		t.Helper()
		in := workshop.Input{ID: id, Step: workshop.Scope, Author: author, Text: "x", TS: id, Items: 1, MapType: mapType}
		if _, err := s.PutInput(ctx, "W1", in); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, people []string, mapType string) {
		t.Helper()
		c := counts(t, s, "W1")
		if !slices.Equal(c.People, people) || c.MapType != mapType {
			t.Errorf("%s: people %q, map type %q; want %q, %q", what, c.People, c.MapType, people, mapType)
		}
	}
	put("1741080600.000200", "U2", "future-state")
	put("1741080600.000100", "U1", "") // older, written later
	put("1741080600.000300", "U2", "")
	check("three inputs", []string{"U2", "U1"}, "future-state")
	if err := s.PutScore(ctx, "W1", workshop.Score{Touchpoint: "x#0", User: "U3", Value: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScore(ctx, "W1", workshop.Score{Touchpoint: "x#0", User: "U3", Value: -1}); err != nil { // a change of mind
		t.Fatal(err)
	}
	check("a scorer", []string{"U2", "U1", "U3"}, "future-state")
	put("1741080600.000400", "U1", "service-blueprint")
	check("a later map type", []string{"U2", "U1", "U3"}, "service-blueprint")
	if _, err := s.DeleteInput(ctx, "W1", "1741080600.000400"); err != nil {
		t.Fatal(err)
	}
	check("its deletion", []string{"U2", "U1", "U3"}, "future-state")
	if _, err := s.DeleteInput(ctx, "W1", "1741080600.000100"); err != nil {
		t.Fatal(err)
	}
	check("U1's last input deleted", []string{"U2", "U3"}, "future-state")
	in := workshop.Input{ID: "1741080600.000200", Step: workshop.Scope, Author: "U2", Text: "x", TS: "1741080600.000200", Version: "1741080700.000000", Items: 1}
	if _, err := s.PutInput(ctx, "W1", in); err != nil { // edited: no map type any more
		t.Fatal(err)
	}
	check("the map type edited away", []string{"U2", "U3"}, "")
}

func testCountsConcurrent(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	const n = 100
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("1741080600.%06d", i)
			in := workshop.Input{ID: id, Step: workshop.Goals, Author: "U1", Text: "a\nb", TS: id, Items: 2}
			if _, err := s.PutInput(ctx, "W1", in); err != nil {
				t.Error(err)
			}
			if i%2 == 0 { // and an edit, racing the others
				in.Version, in.Items = "1741080999.000000", 1
				if _, err := s.PutInput(ctx, "W1", in); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got, want := counts(t, s, "W1").Items[workshop.Goals], n/2*2+n/2; got != want {
		t.Errorf("goals counted %d, want %d", got, want)
	}
}

func testNames(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	if got, err := s.Names(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Names(nil) = %v, %v; want empty", got, err)
	}
	for id, name := range map[string]string{"U1": "Maria Silva", "U2": "Léo", "U3": "short-lived"} {
		ttl := time.Hour
		if id == "U3" {
			ttl = 50 * time.Millisecond
		}
		if err := s.PutName(ctx, id, name, ttl); err != nil {
			t.Fatalf("PutName(%s): %v", id, err)
		}
	}
	if err := s.PutName(ctx, "U2", "Léo Martin", 0); err != nil { // renamed, kept for good
		t.Fatal(err)
	}
	got, err := s.Names(ctx, []string{"U1", "U2", "U9"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (workshop.Names{"U1": "Maria Silva", "U2": "Léo Martin"}); asJSON(t, got) != asJSON(t, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	// The short-lived name expires in the store's own time: ask it until
	// it says so.
	var lookErr error
	testwait.For(t, "a name cached for 50ms to expire", 5*time.Second, func() bool {
		got, err := s.Names(ctx, []string{"U3"})
		if err != nil {
			lookErr = err
			return true
		}
		_, ok := got["U3"]
		return !ok
	})
	if lookErr != nil {
		t.Fatal(lookErr)
	}
}

func testPing(t *testing.T, s workshop.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testIsolation(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	create(t, s, newMeta("W2", "C1", t0))
	const id = "1741080600.000100" // the same message id in both workshops
	for _, ws := range []string{"W1", "W2"} {
		if ok, err := s.PutInput(ctx, ws, workshop.Input{ID: id, Step: workshop.Goals, Text: "in " + ws, TS: id}); err != nil || !ok {
			t.Fatalf("PutInput(%s) = %v, %v; want true, nil", ws, ok, err)
		}
	}
	if err := s.PutScore(ctx, "W1", workshop.Score{Touchpoint: id + "#1", User: "U1", Value: 2, At: t0}); err != nil {
		t.Fatalf("PutScore: %v", err)
	}
	if ok, err := s.DeleteInput(ctx, "W1", id); err != nil || !ok {
		t.Fatalf("DeleteInput(W1) = %v, %v; want true, nil", ok, err)
	}
	// W1's tombstone must not block an edit in W2.
	if ok, err := s.PutInput(ctx, "W2", workshop.Input{ID: id, Step: workshop.Goals, Text: "edited", TS: id, Version: "1741080700.000000"}); err != nil || !ok {
		t.Errorf("PutInput edit in W2 after delete in W1 = %v, %v; want true, nil", ok, err)
	}
	w1, w2 := load(t, s, "W1"), load(t, s, "W2")
	if len(w1.Inputs) != 0 || len(w1.Scores) != 1 {
		t.Errorf("W1: got %d inputs, %d scores; want 0, 1", len(w1.Inputs), len(w1.Scores))
	}
	if len(w2.Inputs) != 1 || w2.Inputs[0].Text != "edited" || len(w2.Scores) != 0 {
		t.Errorf("W2: got inputs %+v and %d scores; want the edited input and no score", w2.Inputs, len(w2.Scores))
	}
}

// schedule returns a meta update setting an active review due at due, or
// turning reviews off when due is zero.
func schedule(due time.Time) func(*workshop.Meta) error {
	return func(m *workshop.Meta) error {
		if due.IsZero() {
			m.Review = workshop.Review{Cadence: workshop.CadenceOff}
			return nil
		}
		m.Review = workshop.Review{Cadence: workshop.CadenceCustom, Spec: "0 9 * * *", TZ: "Europe/Paris", NextDue: due}
		return nil
	}
}

func testDue(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	due := func(until time.Time, limit int, want ...string) {
		t.Helper()
		got, err := s.Due(ctx, until, limit)
		if err != nil {
			t.Fatalf("Due(%s, %d): %v", until.Format(time.RFC3339), limit, err)
		}
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("Due(%s, %d) = %q, want %q", until.Format(time.RFC3339), limit, got, want)
		}
	}
	update := func(id string, fn func(*workshop.Meta) error) {
		t.Helper()
		if _, err := s.UpdateMeta(ctx, id, fn); err != nil {
			t.Fatalf("UpdateMeta(%s): %v", id, err)
		}
	}
	far := t0.Add(10 * 365 * 24 * time.Hour)
	for _, id := range []string{"W1", "W2", "W3"} {
		create(t, s, newMeta(id, "C1", t0))
	}
	due(far, 10)

	update("W1", schedule(t0.Add(time.Hour)))
	update("W2", schedule(t0.Add(30*time.Minute)))
	update("W3", schedule(t0.Add(2*time.Hour)))
	due(t0, 10)
	due(t0.Add(time.Hour), 10, "W2", "W1")
	due(t0.Add(time.Hour), 1, "W2")
	due(far, 10, "W2", "W1", "W3")

	// A meta update that leaves the review alone keeps the entry.
	update("W1", func(m *workshop.Meta) error { m.Title = "renamed"; return nil })
	due(t0.Add(time.Hour), 10, "W2", "W1")
	// Moving the due date later, or turning reviews off, moves the entry.
	update("W1", schedule(t0.Add(3*time.Hour)))
	update("W2", schedule(time.Time{}))
	due(t0.Add(2*time.Hour), 10, "W3")
	due(far, 10, "W3", "W1")
	// A failed update changes nothing.
	if _, err := s.UpdateMeta(ctx, "W3", func(m *workshop.Meta) error {
		m.Review.NextDue = t0
		return errors.New("refused")
	}); err == nil {
		t.Fatal("UpdateMeta with a failing function succeeded")
	}
	due(t0.Add(time.Hour), 10)

	// A workshop created with an active review is indexed at once.
	m := newMeta("W4", "C2", t0)
	_ = schedule(t0.Add(time.Minute))(m)
	create(t, s, m)
	due(t0.Add(time.Minute), 10, "W4")

	// The stored NextDue keeps its precision.
	if got := load(t, s, "W4").Review.NextDue; !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("NextDue = %s, want %s", got, t0.Add(time.Minute))
	}

	// A step deadline is due too, before a later review; once handled, the
	// entry moves to the review; a workshop with only a deadline leaves the
	// index when it is handled.
	update("W4", func(m *workshop.Meta) error { m.Deadline = t0.Add(30 * time.Second); return nil })
	due(t0.Add(30*time.Second), 10, "W4")
	update("W4", func(m *workshop.Meta) error { m.DeadlineDone = true; return nil })
	due(t0.Add(30*time.Second), 10)
	due(t0.Add(time.Minute), 10, "W4")
	create(t, s, newMeta("W5", "C2", t0))
	update("W5", func(m *workshop.Meta) error { m.Deadline = t0.Add(4 * time.Hour); return nil })
	due(t0.Add(4*time.Hour), 10, "W4", "W3", "W1", "W5")
	update("W5", func(m *workshop.Meta) error { m.DeadlineDone = true; return nil })
	due(far, 10, "W4", "W3", "W1")
}

// testDueConcurrent moves one workshop's due date from many goroutines at
// once: the index must end up where the meta says, whatever order the
// writes land in.
func testDueConcurrent(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			when := t0.Add(time.Duration(i+1) * time.Hour)
			if i%7 == 3 {
				when = time.Time{} // some writers turn reviews off
			}
			if _, err := s.UpdateMeta(ctx, "W1", schedule(when)); err != nil {
				t.Errorf("UpdateMeta: %v", err)
			}
		})
	}
	wg.Wait()
	m := load(t, s, "W1")
	got, err := s.Due(ctx, t0.Add(1000*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Review.Active() {
		if len(got) != 0 {
			t.Errorf("reviews off, yet Due = %q", got)
		}
		return
	}
	if !slices.Equal(got, []string{"W1"}) {
		t.Fatalf("Due = %q, want [W1] (NextDue %s)", got, m.Review.NextDue)
	}
	// Exactly at NextDue: not a second earlier.
	if early, _ := s.Due(ctx, m.Review.NextDue.Add(-time.Second), 10); len(early) != 0 {
		t.Errorf("Due before NextDue %s = %q, want none", m.Review.NextDue, early)
	}
}

// testStepContributors: Counts keeps each step's authors per review round
// through edits, moves between steps and deletions, as
// Workshop.StepContributors derives them from the whole workshop.
func testStepContributors(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	put := func(in workshop.Input) {
		t.Helper()
		if in.Text == "" {
			in.Text = "x"
		}
		in.TS, in.Items = cmp.Or(in.TS, in.ID), 1
		if _, err := s.PutInput(ctx, "W1", in); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, step workshop.Step, round int) {
		t.Helper()
		w, err := s.Load(ctx, "W1")
		if err != nil {
			t.Fatal(err)
		}
		w.Round = round
		want := w.StepContributors(step)
		got, ok := counts(t, s, "W1").StepContributors(step, round)
		if !ok {
			t.Fatalf("%s: StepsKnown false for a workshop created now", what)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %s round %d contributors %q, want %q", what, step.Key(), round, got, want)
		}
	}
	put(workshop.Input{ID: "1741080600.000100", Step: workshop.Goals, Author: "U1"})
	put(workshop.Input{ID: "1741080600.000200", Step: workshop.Goals, Author: "U1"})
	put(workshop.Input{ID: "1741080600.000300", Step: workshop.Goals, Author: "U2"})
	put(workshop.Input{ID: "1741080600.000400", Step: workshop.Personas, Author: "U3"})
	put(workshop.Input{ID: "1741080600.000500", Step: workshop.Goals, Author: "U4", Round: 1})
	put(workshop.Input{ID: "1741080600.000600", Step: workshop.Goals}) // no author (an import)
	check("inputs", workshop.Goals, 0)
	check("another step", workshop.Personas, 0)
	check("a review round", workshop.Goals, 1)
	if _, err := s.DeleteInput(ctx, "W1", "1741080600.000300"); err != nil {
		t.Fatal(err)
	}
	check("U2's only goal deleted", workshop.Goals, 0)
	if _, err := s.DeleteInput(ctx, "W1", "1741080600.000100"); err != nil {
		t.Fatal(err)
	}
	check("one of U1's two deleted", workshop.Goals, 0)
	// An edit that moves the input to another step.
	put(workshop.Input{ID: "1741080600.000200", Step: workshop.Personas, Author: "U1", Version: "1741080700.000000"})
	check("U1's input moved out", workshop.Goals, 0)
	check("U1's input moved in", workshop.Personas, 0)
	if got, _ := counts(t, s, "W1").StepContributors(workshop.Goals, 0); len(got) != 0 {
		t.Errorf("goals contributors %q after every authored input left, want none", got)
	}
}

// testBatch: the batch role reads and writes many workshops as the single
// calls do.
func testBatch(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	b, ok := s.(workshop.Batch)
	if !ok {
		t.Fatalf("%T does not implement workshop.Batch", s)
	}
	create(t, s, newMeta("W1", "C1", t0))
	create(t, s, newMeta("W2", "C2", t0))
	if _, err := s.PutInput(ctx, "W2", workshop.Input{ID: "1741080600.000100", Step: workshop.Goals, Author: "U7", Text: "a\nb", TS: "1741080600.000100", Items: 2}); err != nil {
		t.Fatal(err)
	}
	metas, err := b.LoadMetas(ctx, []string{"W2", "W9", "W1"})
	if err != nil || len(metas) != 3 || metas[0] == nil || metas[0].ID != "W2" || metas[1] != nil || metas[2] == nil || metas[2].ID != "W1" {
		t.Fatalf("LoadMetas(W2, W9, W1) = %v, %v; want W2, nil, W1", metas, err)
	}
	cs, err := b.CountsOf(ctx, []string{"W1", "W2"})
	if err != nil || len(cs) != 2 {
		t.Fatalf("CountsOf = %v, %v", cs, err)
	}
	if one := counts(t, s, "W2"); asJSON(t, sortedCounts(cs[1])) != asJSON(t, sortedCounts(one)) || cs[1].Items[workshop.Goals] != 2 {
		t.Errorf("CountsOf(W2) = %+v, Counts(W2) = %+v", cs[1], one)
	}
	if got, _ := cs[1].StepContributors(workshop.Goals, 0); !slices.Equal(got, []string{"U7"}) {
		t.Errorf("CountsOf(W2) goals contributors %q, want U7", got)
	}

	// Both have a step deadline and a nudge pass due; a pass reads them and
	// plans the next pass an hour later. W1 is changed elsewhere after it
	// was read: its swap is refused; W2's goes through, bumps Rev and moves
	// its due entry exactly (a due date moving later needs no lowering).
	due := t0.Add(time.Hour)
	for _, id := range []string{"W1", "W2"} {
		if _, err := s.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
			m.Deadline, m.NudgeAt = due.Add(2*time.Hour), due
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	metas, err = b.LoadMetas(ctx, []string{"W1", "W2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error { m.Title = "renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	swap := func(read *workshop.Meta, nudge, deadline time.Time) workshop.MetaSwap {
		next := *read
		next.NudgeAt, next.Deadline = nudge, deadline
		return workshop.MetaSwap{Read: read, Next: &next}
	}
	later := due.Add(time.Hour)
	s1, s2 := swap(metas[0], later, metas[0].Deadline), swap(metas[1], later, metas[1].Deadline)
	gone := &workshop.Meta{ID: "W9", Deadline: due.Add(2 * time.Hour), NudgeAt: due}
	rev := metas[1].Rev
	saved, err := b.SwapMetas(ctx, []workshop.MetaSwap{s1, s2, swap(gone, later, gone.Deadline)})
	if err != nil || !slices.Equal(saved, []bool{false, true, false}) {
		t.Fatalf("SwapMetas = %v, %v; want false, true, false", saved, err)
	}
	if s2.Next.Rev != rev+1 {
		t.Errorf("swapped meta Rev %d, want %d", s2.Next.Rev, rev+1)
	}
	got, err := s.LoadMeta(ctx, "W2")
	if err != nil || !got.NudgeAt.Equal(later) || got.Rev != rev+1 {
		t.Errorf("W2 after the swap: %+v, %v", got, err)
	}
	if got, err := s.LoadMeta(ctx, "W1"); err != nil || got.Title != "renamed" || !got.NudgeAt.Equal(due) {
		t.Errorf("W1 after a refused swap: %+v, %v; want the other change kept", got, err)
	}
	if ids, err := s.Due(ctx, due, 10); err != nil || !slices.Equal(ids, []string{"W1"}) {
		t.Errorf("Due(the pass) after the swap = %v, %v; want W1 alone", ids, err)
	}
	if ids, err := s.Due(ctx, later, 10); err != nil || !slices.Equal(ids, []string{"W1", "W2"}) {
		t.Errorf("Due(the next pass) after the swap = %v, %v; want W1, W2", ids, err)
	}
	// Swapping the due dates away takes the workshop out of the index.
	if saved, err := b.SwapMetas(ctx, []workshop.MetaSwap{swap(s2.Next, time.Time{}, time.Time{})}); err != nil || !saved[0] {
		t.Fatalf("second swap = %v, %v", saved, err)
	}
	if ids, err := s.Due(ctx, due.Add(24*time.Hour), 10); err != nil || !slices.Equal(ids, []string{"W1"}) {
		t.Errorf("Due after swapping W2's deadline away = %v, %v; want W1", ids, err)
	}
	if _, err := s.LoadMeta(ctx, "W9"); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("a swap of a missing workshop created it: %v", err)
	}

	got2, err := b.ClaimAll(ctx, []string{"k1", "k2"}, time.Hour)
	if err != nil || !slices.Equal(got2, []bool{true, true}) {
		t.Fatalf("ClaimAll(k1, k2) = %v, %v", got2, err)
	}
	got3, err := b.ClaimAll(ctx, []string{"k2", "k3"}, time.Hour)
	if err != nil || !slices.Equal(got3, []bool{false, true}) {
		t.Errorf("ClaimAll(k2, k3) = %v, %v; want false, true", got3, err)
	}
	if ok, err := s.Claim(ctx, "k3", time.Hour); err != nil || ok {
		t.Errorf("Claim(k3) after ClaimAll = %v, %v; want taken", ok, err)
	}
}

// testSwapMetasConcurrent: of many swaps of the same read, exactly one
// saves.
func testSwapMetasConcurrent(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	b := s.(workshop.Batch)
	create(t, s, newMeta("W1", "C1", t0))
	read, err := s.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wins sync.WaitGroup
	var mu sync.Mutex
	saved := 0
	for i := range n {
		wins.Go(func() {
			m := *read
			m.Title = fmt.Sprint("swap ", i)
			ok, err := b.SwapMetas(ctx, []workshop.MetaSwap{{Read: read, Next: &m}})
			if err != nil {
				t.Error(err)
				return
			}
			if ok[0] {
				mu.Lock()
				saved++
				mu.Unlock()
			}
		})
	}
	wins.Wait()
	if saved != 1 {
		t.Errorf("%d of %d swaps of one read saved, want 1", saved, n)
	}
}

// sortedCounts orders what Counts leaves in no particular order.
func sortedCounts(c workshop.Counts) workshop.Counts {
	for _, people := range c.StepPeople {
		slices.Sort(people)
	}
	return c
}

// testMarks: a person's mark of a kind and key replaces their earlier one;
// an invalid mark or a missing workshop changes nothing; Load returns the
// marks in Field order.
func testMarks(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	put := func(m workshop.Mark) error {
		t.Helper()
		m.At = t0
		return s.PutMark(ctx, "W1", m)
	}
	for _, m := range []workshop.Mark{
		{Kind: workshop.MarkVote, Key: "V1", User: "U2", Items: []string{"a#0", "b#1"}},
		{Kind: workshop.MarkVote, Key: "V1", User: "U1", Items: []string{"a#0"}},
		{Kind: workshop.MarkVote, Key: "V1", User: "U2", Items: []string{"c#0"}}, // U2 changes their votes
		{Kind: workshop.MarkRating, Key: "c#0", User: "U1", Impact: 4, Effort: 2},
		{Kind: workshop.MarkRating, Key: "c#0", User: "U1", Impact: 5, Effort: 1},
	} {
		if err := put(m); err != nil {
			t.Fatalf("PutMark(%+v): %v", m, err)
		}
	}
	for _, bad := range []workshop.Mark{
		{Kind: workshop.MarkRating, Key: "c#0", User: "U2", Impact: 6, Effort: 1},
		{Kind: workshop.MarkRating, Key: "c#0", User: "U2", Impact: 3, Effort: 0},
		{Kind: "poll", Key: "x", User: "U2"},
		{Kind: workshop.MarkVote, Key: "", User: "U2"},
	} {
		if err := put(bad); !errors.Is(err, workshop.ErrMark) {
			t.Errorf("PutMark(%+v) = %v, want ErrMark", bad, err)
		}
	}
	if err := s.PutMark(ctx, "W9", workshop.Mark{Kind: workshop.MarkVote, Key: "V1", User: "U1"}); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("PutMark(W9) = %v, want ErrNotFound", err)
	}
	w, err := s.Load(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range w.Marks {
		got = append(got, fmt.Sprintf("%s %v %d/%d", m.Field(), m.Items, m.Impact, m.Effort))
	}
	want := []string{"rating|c#0|U1 [] 5/1", "vote|V1|U1 [a#0] 0/0", "vote|V1|U2 [c#0] 0/0"}
	if !slices.Equal(got, want) {
		t.Errorf("marks %q, want %q", got, want)
	}
	if _, err := s.Load(ctx, "W9"); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("a mark for a missing workshop created it: %v", err)
	}
}

func homesFor(t *testing.T, s workshop.Store, channel string, users ...string) string {
	t.Helper()
	got, err := s.HomesFor(t.Context(), channel, users)
	if err != nil {
		t.Fatalf("HomesFor(%s, %v): %v", channel, users, err)
	}
	return strings.Join(got, ",")
}

func putHome(t *testing.T, s workshop.Store, user string, ttl time.Duration, channels ...string) {
	t.Helper()
	if err := s.PutHome(t.Context(), user, channels, ttl); err != nil {
		t.Fatalf("PutHome(%s): %v", user, err)
	}
}

// A home is found by any of its channels, or by its person; one put again
// leaves the channels its person left.
func testHomes(t *testing.T, s workshop.Store) {
	if got := homesFor(t, s, "C1", "U1"); got != "" {
		t.Errorf("HomesFor before any home = %q, want none", got)
	}
	putHome(t, s, "U1", time.Hour, "C1", "C2")
	putHome(t, s, "U2", time.Hour, "C2", "C2")
	putHome(t, s, "U3", time.Hour, "C3")
	putHome(t, s, "U4", time.Hour) // in no channel
	for _, tt := range []struct {
		channel string
		users   []string
		want    string
	}{
		{"C2", nil, "U1,U2"},
		{"C1", []string{"U3", "U9"}, "U1,U3"},
		{"C1", []string{"U1", "U1"}, "U1"},
		{"C9", nil, ""},
		{"", []string{"U4", "U2", "U9"}, "U2,U4"},
	} {
		if got := homesFor(t, s, tt.channel, tt.users...); got != tt.want {
			t.Errorf("HomesFor(%s, %v) = %q, want %q", tt.channel, tt.users, got, tt.want)
		}
	}
	putHome(t, s, "U1", time.Hour, "C2", "C4") // left C1, joined C4
	if got := homesFor(t, s, "C1"); got != "" {
		t.Errorf("HomesFor(C1) after U1 left it = %q, want none", got)
	}
	if got := homesFor(t, s, "C4"); got != "U1" {
		t.Errorf("HomesFor(C4) = %q, want U1", got)
	}
	_, channels, ok, err := s.BeginHome(t.Context(), "U1")
	if err != nil || !ok || strings.Join(channels, ",") != "C2,C4" {
		t.Errorf("BeginHome(U1) = %v, %v, %v; want C2,C4", channels, ok, err)
	}
	if _, _, ok, err := s.BeginHome(t.Context(), "U9"); err != nil || ok {
		t.Errorf("BeginHome of a home never put = %v, %v; want false", ok, err)
	}
	if ok, err := s.ClaimHome(t.Context(), "U9", 3); err != nil || !ok {
		t.Errorf("ClaimHome of a home never put = %v, %v; want true (anyone may publish it)", ok, err)
	}
	if _, _, ok, _ := s.BeginHome(t.Context(), "U9"); ok {
		t.Error("ClaimHome remembered a home nobody put")
	}
}

// A home is forgotten after its ttl, in the store's own time, by channel and
// by person alike.
func testHomesExpire(t *testing.T, s workshop.Store) {
	putHome(t, s, "U1", time.Hour, "C1")
	putHome(t, s, "U2", 50*time.Millisecond, "C1")
	if got := homesFor(t, s, "C1", "U2"); got != "U1,U2" {
		t.Fatalf("HomesFor(C1) = %q, want U1,U2", got)
	}
	var lookErr error
	testwait.For(t, "a home remembered for 50ms to be forgotten", 5*time.Second, func() bool {
		got, err := s.HomesFor(t.Context(), "C1", []string{"U2"})
		if err != nil {
			lookErr = err
			return true
		}
		return strings.Join(got, ",") == "U1"
	})
	if lookErr != nil {
		t.Fatal(lookErr)
	}
	if _, _, ok, err := s.BeginHome(t.Context(), "U2"); err != nil || ok {
		t.Errorf("BeginHome of a forgotten home = %v, %v; want false", ok, err)
	}
	putHome(t, s, "U2", time.Hour, "C1") // opened again
	if got := homesFor(t, s, "C1"); got != "U1,U2" {
		t.Errorf("HomesFor(C1) after U2 came back = %q, want U1,U2", got)
	}
}

// Versions grow, concurrently too, and survive a PutHome; a claim is
// refused once a later version has claimed.
func testHomeVersions(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	putHome(t, s, "U1", time.Hour, "C1")
	begin := func() int64 {
		t.Helper()
		v, _, ok, err := s.BeginHome(ctx, "U1")
		if err != nil || !ok {
			t.Fatalf("BeginHome = %v, %v", ok, err)
		}
		return v
	}
	claim := func(v int64, want bool) {
		t.Helper()
		got, err := s.ClaimHome(ctx, "U1", v)
		if err != nil {
			t.Fatalf("ClaimHome(%d): %v", v, err)
		}
		if got != want {
			t.Errorf("ClaimHome(%d) = %v, want %v", v, got, want)
		}
	}
	v1, v2 := begin(), begin()
	if v2 <= v1 {
		t.Fatalf("versions %d then %d, want growing", v1, v2)
	}
	claim(v2, true)
	claim(v1, false) // v2 read the store later: v1 must not publish
	claim(v2, true)  // again after publishing: nobody later came
	putHome(t, s, "U1", time.Hour, "C1", "C2")
	v3 := begin()
	if v3 <= v2 {
		t.Errorf("version %d after PutHome, want above %d", v3, v2)
	}
	claim(v3, true)
	claim(v2, false) // v2's second claim: v3 overlapped it

	const n = 50
	versions := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, _, _, err := s.BeginHome(ctx, "U1")
			if err != nil {
				t.Errorf("BeginHome: %v", err)
			}
			versions[i] = v
		})
	}
	wg.Wait()
	slices.Sort(versions)
	if len(slices.Compact(slices.Clone(versions))) != n || versions[0] <= v3 {
		t.Errorf("concurrent versions %v: want %d distinct, above %d", versions, n, v3)
	}
}

// The totals of many workshops, read at once (workshop.CountsOf, one
// round trip in a store that can), are each workshop's, in order; an
// unknown workshop has none.
func testCountsOf(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	create(t, s, newMeta("W1", "C1", t0))
	create(t, s, newMeta("W2", "C2", t0))
	for i, in := range []struct{ ws, author string }{{"W1", "U1"}, {"W2", "U2"}, {"W2", "U3"}} {
		ts := fmt.Sprintf("1741080600.%06d", i+1)
		if ok, err := s.PutInput(ctx, in.ws, workshop.Input{ID: ts, Step: workshop.Goals, Author: in.author, Text: "Why?", TS: ts, Items: 1}); err != nil || !ok {
			t.Fatalf("PutInput: %v %v", ok, err)
		}
	}
	ids := []string{"W2", "W9", "W1"}
	got, err := workshop.CountsOf(ctx, s, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("CountsOf(%v): %d results", ids, len(got))
	}
	for i, id := range ids {
		if want := counts(t, s, id); asJSON(t, sortedCounts(got[i])) != asJSON(t, sortedCounts(want)) {
			t.Errorf("CountsOf %s = %s, want %s", id, asJSON(t, got[i]), asJSON(t, want))
		}
	}
	if got[0].Items[workshop.Goals] != 2 || strings.Join(got[0].People, ",") != "U2,U3" {
		t.Errorf("W2's totals %+v", got[0])
	}
	if none, err := workshop.CountsOf(ctx, s, nil); err != nil || len(none) != 0 {
		t.Errorf("CountsOf(nil) = %v, %v", none, err)
	}
}

// testAnonymousContributors: an anonymous input counts under its author
// key, as an author does (contributors, step contributors, through edits,
// scores and deletions), and the store hands back the key, never an id it
// was not given.
func testAnonymousContributors(t *testing.T, s workshop.Store) {
	ctx := t.Context()
	m := newMeta("W1", "C1", t0)
	m.Secret = workshop.Secret("storetest-secret-storetest-secre")
	create(t, s, m)
	ann, ben := m.Secret.AuthorKey("U2"), m.Secret.AuthorKey("U3")
	put := func(in workshop.Input) {
		t.Helper()
		in.Text, in.Items = cmp.Or(in.Text, "x"), 1
		in.TS = cmp.Or(in.TS, in.ID)
		if ok, err := s.PutInput(ctx, "W1", in); err != nil || !ok {
			t.Fatalf("PutInput(%s) = %v, %v; want true, nil", in.ID, ok, err)
		}
	}
	// People are compared as sets: an edit may move its author's first
	// contribution (as it does an author's, see testCountsPeople).
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	check := func(what string, people, step []string) {
		t.Helper()
		people = sorted(people)
		c := counts(t, s, "W1")
		if !slices.Equal(sorted(c.People), people) {
			t.Errorf("%s: people %q, want %q", what, c.People, people)
		}
		got, _ := c.StepContributors(workshop.Touchpoints, 0)
		slices.Sort(got)
		want := slices.Clone(step)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: touchpoints contributors %q, want %q", what, got, want)
		}
		w := load(t, s, "W1")
		derived := w.StepContributors(workshop.Touchpoints)
		slices.Sort(derived)
		if !slices.Equal(derived, want) {
			t.Errorf("%s: Workshop.StepContributors %q, want %q (the store's)", what, derived, want)
		}
		batch, err := s.CountsOf(ctx, []string{"W1"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sorted(batch[0].People), people) {
			t.Errorf("%s: CountsOf people %q, want %q", what, batch[0].People, people)
		}
	}
	put(workshop.Input{ID: "1741080600.000100", Step: workshop.Touchpoints, Author: "U1"})
	put(workshop.Input{ID: "form:V1", Step: workshop.Touchpoints, AuthorKey: ann, TS: "1741080600.000200", Version: "1741080600.000200"})
	put(workshop.Input{ID: "form:V2", Step: workshop.Touchpoints, AuthorKey: ben, TS: "1741080600.000300", Version: "1741080600.000300"})
	check("two anonymous inputs", []string{"U1", ann, ben}, []string{"U1", ann, ben})

	// The author edits theirs: it still counts once, under the same key.
	put(workshop.Input{ID: "form:V1", Step: workshop.Touchpoints, AuthorKey: ann, Text: "edited", TS: "1741080600.000200", Version: "1741080700.000000"})
	check("an anonymous edit", []string{"U1", ann, ben}, []string{"U1", ann, ben})
	w := load(t, s, "W1")
	for _, in := range w.Inputs {
		if in.ID == "form:V1" && (in.Author != "" || in.AuthorKey != ann || in.Text != "edited") {
			t.Errorf("the anonymous input came back as %+v", in)
		}
	}
	if !w.Secret.Wrote(ann, "U2") || w.Secret.Wrote(ann, "U3") {
		t.Error("the stored secret does not tell the authors apart")
	}

	// A score under the key (the author scoring their own touchpoint)
	// adds no one.
	if err := s.PutScore(ctx, "W1", workshop.Score{Touchpoint: "form:V2#0", User: ben, Value: 1}); err != nil {
		t.Fatal(err)
	}
	check("the author's own score", []string{"U1", ann, ben}, []string{"U1", ann, ben})

	if _, err := s.DeleteInput(ctx, "W1", "form:V1"); err != nil {
		t.Fatal(err)
	}
	check("an anonymous input deleted", []string{"U1", ben}, []string{"U1", ben})
	got, _ := counts(t, s, "W1").StepContributors(workshop.Touchpoints, 0)
	meta, err := s.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]bool{"U1": true, "U2": false, "U3": true, "U4": false} {
		if meta.Contributed(got, user) != want {
			t.Errorf("Contributed(%s) = %v, want %v", user, !want, want)
		}
	}
}
