package workshop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestAuthorKeys(t *testing.T) {
	a, err := NewSecret(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret(nil)
	if len(a) != SecretSize || bytes.Equal(a, b) {
		t.Fatalf("two secrets %x and %x", a, b)
	}
	k := a.AuthorKey("U2")
	if !IsAuthorKey(k) || strings.Contains(k, "U2") || k != a.AuthorKey("U2") {
		t.Errorf("AuthorKey(U2) = %q: want a stable key that does not hold the id", k)
	}
	if k == a.AuthorKey("U3") || k == b.AuthorKey("U2") {
		t.Error("author keys collide across users or workshops")
	}
	if !a.Wrote(k, "U2") || a.Wrote(k, "U3") || b.Wrote(k, "U2") || Secret(nil).Wrote(k, "U2") {
		t.Error("Wrote tells the wrong people apart")
	}
	if Secret(nil).AuthorKey("U2") != "" || a.AuthorKey("") != "" {
		t.Error("a key without a secret or a user")
	}
}

// The secret never prints, whatever prints a Meta; its JSON (what stores
// keep) still round-trips.
func TestSecretDoesNotPrint(t *testing.T) {
	m := Meta{ID: "W1", Secret: Secret("0123456789abcdef0123456789abcdef")}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("meta", "meta", m, "secret", m.Secret)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("meta", "meta", m, "secret", m.Secret)
	for _, out := range []string{fmt.Sprint(m), fmt.Sprintf("%+v %#v %x %s", m, m, m.Secret, m.Secret), logs.String()} {
		if strings.Contains(out, "0123456789abcdef") || strings.Contains(out, "30313233") {
			t.Errorf("the secret shows in %q", out)
		}
	}
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Meta
	if err := json.Unmarshal(js, &back); err != nil || !bytes.Equal(back.Secret, m.Secret) {
		t.Errorf("secret round trip: %v, %q", err, back.Secret)
	}
}

func TestAnonymousAt(t *testing.T) {
	var m Meta
	m.SetAnonymous(Touchpoints, true)
	if !m.AnonymousAt(Touchpoints) || m.AnonymousAt(Goals) {
		t.Error("one step on")
	}
	m.SetAnonymous(0, true)
	if !m.AnonymousAt(Goals) || !m.AnonymousAt(Iterate) {
		t.Error("the whole workshop on")
	}
	m.SetAnonymous(Test, false)
	if m.AnonymousAt(Test) || !m.AnonymousAt(Scope) {
		t.Error("one step off in an anonymous workshop")
	}
	m.SetAnonymous(0, false)
	if m.AnonymousAt(Test) || m.AnonymousAt(Touchpoints) || m.AnonymousSteps != nil {
		t.Error("the whole workshop off drops the steps' own choices")
	}
}

// An anonymous input names nobody in the map; it counts under its key; its
// author's own score replaces their emotion rather than counting twice.
func TestAnonymousInputsInTheMap(t *testing.T) {
	secret := Secret("map-test-secret-map-test-secret!")
	ben := secret.AuthorKey("ben")
	w := &Workshop{
		Meta: Meta{Secret: secret},
		Inputs: []Input{
			{ID: "1", TS: "1700000001.000001", Step: Goals, Author: "ann", Text: "Why?"},
			{ID: "form:V2", TS: "1700000002.000001", Step: Goals, AuthorKey: ben, Text: "Who?"},
			{ID: "form:V3", TS: "1700000003.000001", Step: Touchpoints, AuthorKey: ben, Text: "Cart | web | during | -2 | | slow"},
		},
		Scores: []Score{
			{Touchpoint: "form:V3#0", User: "ann", Value: 1},
			{Touchpoint: "form:V3#0", User: ben, Value: -1, Round: 0},
		},
	}
	m := w.Map()
	if g := m.Goals[1]; g.Author != "" || !g.Anonymous || m.Goals[0].Anonymous {
		t.Errorf("goals %+v", m.Goals)
	}
	tp := m.Touchpoints[0]
	if want := map[string]int{AnonymousScorer: -1, "ann": 1}; !maps.Equal(tp.Scores, want) || tp.Author != "" || !tp.Anonymous {
		t.Errorf("touchpoint %+v, want scores %v", tp, want)
	}
	if got := tp.ScoreUser(secret, "ben"); got != ben {
		t.Errorf("ben's score of his own touchpoint is stored as %q, want his key", got)
	}
	if got := tp.ScoreUser(secret, "ann"); got != "ann" {
		t.Errorf("ann's score is stored as %q", got)
	}
	if v, ok := tp.ScoreBy(secret, "ben"); !ok || v != -1 {
		t.Errorf("ben's score %d, %v", v, ok)
	}
	if got := w.StepContributors(Goals); !slices.Equal(got, []string{"ann", ben}) {
		t.Errorf("goal contributors %q", got)
	}
	if got := w.People(); slices.ContainsFunc(got, IsAuthorKey) {
		t.Errorf("People %q looks up an author key's name", got)
	}
	named, anon := SplitContributors(w.Contributors())
	if !slices.Equal(named, []string{"ann"}) || anon != 1 {
		t.Errorf("contributors %q and %d anonymous", named, anon)
	}
	if !w.Contributed(w.StepContributors(Goals), "ben") || w.Contributed(w.StepContributors(Goals), "cid") {
		t.Error("Contributed")
	}
	js, _ := json.Marshal(m)
	if strings.Contains(string(js), "ben") || strings.Contains(string(js), AuthorKeyPrefix) {
		t.Errorf("the map names the anonymous author: %s", js)
	}
}
