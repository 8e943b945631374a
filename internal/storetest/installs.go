package storetest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/testwait"
	"github.com/journeybot/journeybot/internal/workshop"
)

// InstallStore is a store of multi-workspace mode: the workshops of the
// single-workspace mode (the store itself, unscoped), installations and
// OAuth states, and a store per team.
type InstallStore interface {
	workshop.Store
	install.Store
	install.Teams
}

// Installs runs the contract of install.Store and install.Teams against
// stores made by open, which must return a new, empty store on every call
// and close it when t ends. The subtests run in parallel.
func Installs(t *testing.T, open func(t *testing.T) InstallStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s InstallStore)
	}{
		{"Installations", testInstallations},
		{"States", testStates},
		{"StatesExpire", testStatesExpire},
		{"StatesConcurrent", testStatesConcurrent},
		{"Teams", testTeams},
		{"PurgeTeam", testPurgeTeam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// fullInstallation returns an installation of team with every field set, so a
// store that drops one fails the round trip. Times have nanoseconds.
func fullInstallation(team string) install.Installation {
	return install.Installation{
		TeamID: team, TeamName: "Team " + team, AppID: "A0APP",
		BotToken: "xoxb-" + team + "-secret", BotUserID: "U0BOT" + team,
		Scopes:      []string{"chat:write", "commands", "users:read"},
		InstallerID: "U0INSTALLER", InstalledAt: t0,
		RefreshToken: "xoxe-" + team + "-refresh", ExpiresAt: t0.Add(12 * time.Hour),
	}
}

func saveInstallation(t *testing.T, s install.Store, inst install.Installation) {
	t.Helper()
	if err := s.SaveInstallation(t.Context(), inst); err != nil {
		t.Fatalf("SaveInstallation(%s): %v", inst.Key(), err)
	}
}

func installationKeys(t *testing.T, s install.Store) []string {
	t.Helper()
	all, err := s.Installations(t.Context())
	if err != nil {
		t.Fatalf("Installations: %v", err)
	}
	var keys []string
	for _, i := range all {
		keys = append(keys, i.Key())
	}
	return keys
}

func testInstallations(t *testing.T, s InstallStore) {
	ctx := t.Context()
	if keys := installationKeys(t, s); len(keys) != 0 {
		t.Errorf("Installations of an empty store = %q", keys)
	}
	if _, err := s.Installation(ctx, "T404"); !errors.Is(err, install.ErrNotFound) {
		t.Errorf("Installation(T404): got %v, want ErrNotFound", err)
	}

	t2 := fullInstallation("T2")
	org := fullInstallation("T3")
	org.EnterpriseID, org.EnterpriseInstall = "E1", true
	grid := fullInstallation("T10") // in an organisation, not org-wide
	grid.EnterpriseID = "E1"
	grid.UninstalledAt = t0.Add(time.Hour)
	for _, inst := range []install.Installation{t2, org, grid} {
		saveInstallation(t, s, inst)
	}
	for _, want := range []install.Installation{t2, org, grid} {
		got, err := s.Installation(ctx, want.Key())
		if err != nil {
			t.Fatalf("Installation(%s): %v", want.Key(), err)
		}
		if asJSON(t, got) != asJSON(t, want) {
			t.Errorf("Installation(%s):\ngot  %s\nwant %s", want.Key(), asJSON(t, got), asJSON(t, want))
		}
	}
	if _, err := s.Installation(ctx, "T3"); !errors.Is(err, install.ErrNotFound) {
		t.Errorf("Installation(T3) of an org-wide install kept under E1: got %v, want ErrNotFound", err)
	}
	// Ordered by key, byte order: E1, T10, T2.
	if got, want := installationKeys(t, s), []string{"E1", "T10", "T2"}; !slices.Equal(got, want) {
		t.Errorf("Installations = %q, want %q", got, want)
	}
	all, err := s.Installations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 3 && asJSON(t, all[1]) != asJSON(t, grid) {
		t.Errorf("Installations[1] = %s, want %s", asJSON(t, all[1]), asJSON(t, grid))
	}

	// A save replaces the whole installation: fields left empty are gone.
	forgot := t2.Forget(t0.Add(2 * time.Hour))
	forgot.Scopes = nil
	saveInstallation(t, s, forgot)
	got, err := s.Installation(ctx, "T2")
	if err != nil {
		t.Fatal(err)
	}
	if asJSON(t, got) != asJSON(t, forgot) || got.Active() {
		t.Errorf("Installation(T2) after replacing = %s, want %s", asJSON(t, got), asJSON(t, forgot))
	}
	if got, want := installationKeys(t, s), []string{"E1", "T10", "T2"}; !slices.Equal(got, want) {
		t.Errorf("Installations after replacing = %q, want %q", got, want)
	}

	if err := s.DeleteInstallation(ctx, "E1"); err != nil {
		t.Fatalf("DeleteInstallation(E1): %v", err)
	}
	if err := s.DeleteInstallation(ctx, "T404"); err != nil {
		t.Errorf("DeleteInstallation of none: %v", err)
	}
	if _, err := s.Installation(ctx, "E1"); !errors.Is(err, install.ErrNotFound) {
		t.Errorf("Installation(E1) after delete: got %v, want ErrNotFound", err)
	}
	if got, want := installationKeys(t, s), []string{"T10", "T2"}; !slices.Equal(got, want) {
		t.Errorf("Installations after delete = %q, want %q", got, want)
	}
	// Installations are the root's, whichever store keeps them.
	if ts, ok := s.ForTeam("T2").(install.Store); ok {
		if got, want := installationKeys(t, ts), []string{"T10", "T2"}; !slices.Equal(got, want) {
			t.Errorf("Installations seen from a team's store = %q, want %q", got, want)
		}
	}
}

func takeState(t *testing.T, s install.Store, state string, want bool) {
	t.Helper()
	got, err := s.TakeState(t.Context(), state)
	if err != nil {
		t.Fatalf("TakeState(%q): %v", state, err)
	}
	if got != want {
		t.Errorf("TakeState(%q) = %v, want %v", state, got, want)
	}
}

func putState(t *testing.T, s install.Store, state string, ttl time.Duration) {
	t.Helper()
	if err := s.PutState(t.Context(), state, ttl); err != nil {
		t.Fatalf("PutState(%q): %v", state, err)
	}
}

func testStates(t *testing.T, s InstallStore) {
	putState(t, s, "s1", time.Hour)
	putState(t, s, "s2", time.Hour)
	takeState(t, s, "s1", true)
	takeState(t, s, "s1", false)
	takeState(t, s, "unknown", false)
	takeState(t, s, "", false)
	takeState(t, s, "s2", true)
	if err := s.PutState(t.Context(), "", time.Hour); err == nil {
		t.Error("PutState of an empty state succeeded")
	}
}

// States expire in the store's own time (Redis's), not the test's.
func testStatesExpire(t *testing.T, s InstallStore) {
	const ttl = 200 * time.Millisecond
	putState(t, s, "short", ttl)
	putState(t, s, "long", time.Hour)
	testwait.Sleep("the state's TTL to run out in the store", ttl+300*time.Millisecond)
	takeState(t, s, "short", false)
	takeState(t, s, "long", true)
}

func testStatesConcurrent(t *testing.T, s InstallStore) {
	putState(t, s, "race", time.Hour)
	var won atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			<-start
			ok, err := s.TakeState(t.Context(), "race")
			if err != nil {
				t.Errorf("TakeState: %v", err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d of 8 concurrent TakeState found the state, want exactly 1", n)
	}
}

// teamTS is the thread every team binds in its C1.
const teamTS = "1741080600.000100"

// teamRound tells the teams' thread bindings apart: T10's is round 10,
// the root's 0.
func teamRound(team string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(team, "T"))
	return n
}

// fillTeam writes in s (a team's store, or the root) what checkTeam
// expects: W1 in C1 with a bound thread, an input, a score, a claim, a
// cached name and a home; with due2, W2 in C1 too, due where W1 is not.
func fillTeam(t *testing.T, s workshop.Store, team string, due2 bool) {
	t.Helper()
	ctx := t.Context()
	id, err := s.NewID(ctx)
	if err != nil {
		t.Fatalf("%s: NewID: %v", team, err)
	}
	if id != "W1" {
		t.Errorf("%s: first NewID = %q, want W1 (each team counts its own ids)", team, id)
	}
	m := newMeta(id, "C1", t0)
	m.Title = "Workshop of " + team
	if !due2 {
		_ = schedule(t0.Add(time.Hour))(m)
	}
	create(t, s, m)
	if due2 {
		m2 := newMeta("W2", "C1", t0.Add(time.Minute))
		_ = schedule(t0.Add(time.Hour))(m2)
		create(t, s, m2)
	}
	if err := s.BindThread(ctx, "C1", teamTS, workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals, Round: teamRound(team)}); err != nil {
		t.Fatalf("%s: BindThread: %v", team, err)
	}
	if ok, err := s.PutInput(ctx, "W1", workshop.Input{ID: teamTS, Step: workshop.Goals, Author: "U1", Text: "goal of " + team, TS: teamTS}); err != nil || !ok {
		t.Fatalf("%s: PutInput = %v, %v", team, ok, err)
	}
	if err := s.PutScore(ctx, "W1", workshop.Score{Touchpoint: teamTS + "#1", User: "U1", Value: 2, At: t0}); err != nil {
		t.Fatalf("%s: PutScore: %v", team, err)
	}
	if ok, err := s.Claim(ctx, "x", time.Hour); err != nil || !ok {
		t.Errorf("%s: Claim(x) = %v, %v; want true (claims are per team)", team, ok, err)
	}
	if err := s.PutName(ctx, "U1", "Ada of "+team, time.Hour); err != nil {
		t.Fatalf("%s: PutName: %v", team, err)
	}
	putHome(t, s, "U1", time.Hour, "C1")
}

// checkTeam fails t unless s holds what fillTeam wrote for team.
func checkTeam(t *testing.T, s workshop.Store, team string, due2 bool) {
	t.Helper()
	ctx := t.Context()
	ss, err := s.List(ctx, "C1")
	if err != nil {
		t.Fatalf("%s: List(C1): %v", team, err)
	}
	want := []string{"W1"}
	if due2 {
		want = []string{"W2", "W1"}
	}
	var ids []string
	for _, sm := range ss {
		ids = append(ids, sm.ID)
		if sm.ID == "W1" && sm.Title != "Workshop of "+team {
			t.Errorf("%s: List(C1) shows W1 titled %q", team, sm.Title)
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("%s: List(C1) = %q, want %q", team, ids, want)
	}
	w := load(t, s, "W1")
	if w.Title != "Workshop of "+team || len(w.Inputs) != 1 || w.Inputs[0].Text != "goal of "+team || len(w.Scores) != 1 {
		t.Errorf("%s: Load(W1) = %q with inputs %+v, %d scores", team, w.Title, w.Inputs, len(w.Scores))
	}
	if c := counts(t, s, "W1"); !slices.Equal(c.People, []string{"U1"}) {
		t.Errorf("%s: Counts(W1).People = %q, want [U1]", team, c.People)
	}
	ref, err := s.Thread(ctx, "C1", teamTS)
	if err != nil || ref.Round != teamRound(team) {
		t.Errorf("%s: Thread(C1) = %+v, %v; want its own (round %d)", team, ref, err, teamRound(team))
	}
	due, err := s.Due(ctx, t0.Add(24*time.Hour), 10)
	wantDue := []string{"W1"}
	if due2 {
		wantDue = []string{"W2"}
	}
	if err != nil || !slices.Equal(due, wantDue) {
		t.Errorf("%s: Due = %q, %v; want %q", team, due, err, wantDue)
	}
	if ok, err := s.Claim(ctx, "x", time.Hour); err != nil || ok {
		t.Errorf("%s: Claim(x) again = %v, %v; want false", team, ok, err)
	}
	names, err := s.Names(ctx, []string{"U1"})
	if err != nil || names["U1"] != "Ada of "+team {
		t.Errorf("%s: Names = %v, %v; want its own", team, names, err)
	}
	if got := homesFor(t, s, "C1"); got != "U1" {
		t.Errorf("%s: HomesFor(C1) = %q, want U1", team, got)
	}
}

// checkEmpty fails t unless s holds none of what fillTeam writes.
func checkEmpty(t *testing.T, s workshop.Store, what string) {
	t.Helper()
	ctx := t.Context()
	if ss, err := s.List(ctx, "C1"); err != nil || len(ss) != 0 {
		t.Errorf("%s: List(C1) = %d workshops, %v; want none", what, len(ss), err)
	}
	if ss, err := s.List(ctx, ""); err != nil || len(ss) != 0 {
		t.Errorf("%s: List() = %d workshops, %v; want none", what, len(ss), err)
	}
	if _, err := s.Load(ctx, "W1"); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("%s: Load(W1): got %v, want ErrNotFound", what, err)
	}
	if _, err := s.Thread(ctx, "C1", teamTS); !errors.Is(err, workshop.ErrNotFound) {
		t.Errorf("%s: Thread(C1): got %v, want ErrNotFound", what, err)
	}
	if due, err := s.Due(ctx, t0.Add(24*time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("%s: Due = %q, %v; want none", what, due, err)
	}
	if names, err := s.Names(ctx, []string{"U1"}); err != nil || len(names) != 0 {
		t.Errorf("%s: Names = %v, %v; want none", what, names, err)
	}
	if got := homesFor(t, s, "C1", "U1"); got != "" {
		t.Errorf("%s: HomesFor(C1) = %q, want none", what, got)
	}
}

func testTeams(t *testing.T, s InstallStore) {
	t1, t2 := s.ForTeam("T1"), s.ForTeam("T2")
	// A team's store reads as empty before anything is written.
	checkEmpty(t, t1, "T1 before any write")
	fillTeam(t, t1, "T1", false)
	fillTeam(t, t2, "T2", true)
	checkTeam(t, t1, "T1", false)
	checkTeam(t, t2, "T2", true)
	// ForTeam again sees the same data.
	checkTeam(t, s.ForTeam("T1"), "T1", false)
	checkEmpty(t, s, "the unscoped store")
	if ok, err := s.Claim(t.Context(), "x", time.Hour); err != nil || !ok {
		t.Errorf("unscoped: Claim(x) = %v, %v; want true", ok, err)
	}
}

func testPurgeTeam(t *testing.T, s InstallStore) {
	ctx := t.Context()
	t1, t2, t10 := s.ForTeam("T1"), s.ForTeam("T2"), s.ForTeam("T10")
	fillTeam(t, t1, "T1", false)
	fillTeam(t, t2, "T2", true)
	fillTeam(t, t10, "T10", false)
	fillTeam(t, s, "root", false)
	for _, team := range []string{"T1", "T2", "T10"} {
		saveInstallation(t, s, fullInstallation(team))
	}

	n, err := s.PurgeTeam(ctx, "T1")
	if err != nil {
		t.Fatalf("PurgeTeam(T1): %v", err)
	}
	if n <= 1 {
		t.Errorf("PurgeTeam(T1) = %d, want the count of its keys and installation", n)
	}
	checkEmpty(t, t1, "T1 after purge")
	checkEmpty(t, s.ForTeam("T1"), "a new store of T1 after purge")
	if _, err := s.Installation(ctx, "T1"); !errors.Is(err, install.ErrNotFound) {
		t.Errorf("Installation(T1) after purge: got %v, want ErrNotFound", err)
	}
	checkTeam(t, t2, "T2", true)
	checkTeam(t, t10, "T10", false)
	checkTeam(t, s, "root", false)
	if got, want := installationKeys(t, s), []string{"T10", "T2"}; !slices.Equal(got, want) {
		t.Errorf("Installations after purging T1 = %q, want %q", got, want)
	}

	// A purged team starts again from nothing.
	fillTeam(t, t1, "T1", false)
	checkTeam(t, t1, "T1", false)
	// Purging a team with nothing stored removes nothing.
	if n, err := s.PurgeTeam(ctx, "T404"); err != nil || n != 0 {
		t.Errorf("PurgeTeam(T404) = %d, %v; want 0, nil", n, err)
	}
	if _, err := s.PurgeTeam(ctx, "not a team"); err == nil {
		t.Error("PurgeTeam of an invalid key succeeded")
	}
}
