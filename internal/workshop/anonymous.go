package workshop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// Anonymous input. The chat platform tells the bot who submits a form or
// runs a command; for an item posted anonymously the bot keeps none of it.
// The input stores, instead of its author, an author key: an HMAC-SHA256 of
// the author's user id under a secret of the workshop's own (Meta.Secret),
// generated at random the first time the workshop needs one and never
// exported or logged. Whoever holds a user id and the secret can tell
// whether that user wrote an item (so the author, and nobody else, may edit
// or delete it, and counts as having contributed); neither the item nor the
// key names them.
//
// Stores treat an author key as they treat an author (Input.Contributor):
// the step's contributors they keep (Counts.StepPeople, Counts.People) hold
// the key, so a nudge pass compares each member by hashing their id
// (Meta.Contributed), and the store never holds the author's id.

// AuthorKeyPrefix starts every author key, so no author key can be taken
// for a user id (or the other way round).
const AuthorKeyPrefix = "anon:"

// IsAuthorKey reports whether s is an author key rather than a user id.
func IsAuthorKey(s string) bool { return strings.HasPrefix(s, AuthorKeyPrefix) }

// SecretSize is how many random bytes a workshop's secret has.
const SecretSize = 32

// Secret is the key of a workshop's author keys. It prints as
// "[secret]" (fmt, log/slog) so that it cannot end up in a log line by
// way of a Meta; stores keep it in the meta's JSON, exports leave it out.
type Secret []byte

// NewSecret reads a fresh secret from r (crypto/rand.Reader when nil).
func NewSecret(r io.Reader) (Secret, error) {
	if r == nil {
		r = rand.Reader
	}
	s := make(Secret, SecretSize)
	if _, err := io.ReadFull(r, s); err != nil {
		return nil, fmt.Errorf("new workshop secret: %w", err)
	}
	return s, nil
}

// String hides the secret.
func (Secret) String() string { return "[secret]" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return "[secret]" }

// LogValue hides the secret from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[secret]") }

// AuthorKey is the author key of user under s: AuthorKeyPrefix and the
// hex HMAC-SHA256 of the user id. It is "" without a secret or a user.
func (s Secret) AuthorKey(user string) string {
	if len(s) == 0 || user == "" {
		return ""
	}
	mac := hmac.New(sha256.New, s)
	mac.Write([]byte(user))
	return AuthorKeyPrefix + hex.EncodeToString(mac.Sum(nil))
}

// Wrote reports whether key is user's author key under s, in constant
// time.
func (s Secret) Wrote(key, user string) bool {
	mine := s.AuthorKey(user)
	return mine != "" && hmac.Equal([]byte(mine), []byte(key))
}

// AnonymousAt reports whether step is anonymous: the step's own choice
// when the facilitator made one, else the workshop's.
func (m *Meta) AnonymousAt(step Step) bool {
	if on, ok := m.AnonymousSteps[step.Key()]; ok {
		return on
	}
	return m.Anonymous
}

// SetAnonymous records the facilitator's choice: for one step, or (step 0)
// for the whole workshop, which drops every step's own choice.
func (m *Meta) SetAnonymous(step Step, on bool) {
	if !step.Valid() {
		m.Anonymous, m.AnonymousSteps = on, nil
		return
	}
	if m.AnonymousSteps == nil {
		m.AnonymousSteps = map[string]bool{}
	}
	m.AnonymousSteps[step.Key()] = on
}

// Contributed reports whether user is among contributors (user ids and
// author keys, as Counts.StepContributors gives them): by id, or by the
// author key of the workshop's secret. Without an author key among them no
// hash is computed.
func (m *Meta) Contributed(contributors []string, user string) bool {
	if slices.Contains(contributors, user) {
		return true
	}
	if len(m.Secret) == 0 || !slices.ContainsFunc(contributors, IsAuthorKey) {
		return false
	}
	return slices.Contains(contributors, m.Secret.AuthorKey(user))
}

// SplitContributors separates the people who contributed under their name
// from those who did anonymously: the user ids, in order, and how many
// author keys there are.
func SplitContributors(people []string) (named []string, anonymous int) {
	for _, p := range people {
		if IsAuthorKey(p) {
			anonymous++
		} else {
			named = append(named, p)
		}
	}
	return named, anonymous
}

// Anonymous reports whether the input was posted anonymously: it names no
// author, only an author key.
func (in Input) Anonymous() bool { return in.AuthorKey != "" }

// Contributor is who the input counts as a contribution of: its author, or
// its author key when it is anonymous.
func (in Input) Contributor() string {
	if in.Author != "" {
		return in.Author
	}
	return in.AuthorKey
}

// AnonymousScorer is the key under which an anonymous touchpoint's Scores
// hold its author's own emotion (and their later score of it): scores are
// keyed by person, and the map must not say who the author is.
const AnonymousScorer = "anonymous"

// ScoreUser is who a score of t by user is stored as: the touchpoint's
// author key when user wrote it anonymously (their score replaces their
// own emotion rather than counting twice), else user. secret is the
// workshop's.
func (t *Touchpoint) ScoreUser(secret Secret, user string) string {
	if t.authorKey != "" && secret.Wrote(t.authorKey, user) {
		return t.authorKey
	}
	return user
}

// ScoreBy returns the score user gave t (their emotion, when they wrote
// it), and whether there is one.
func (t *Touchpoint) ScoreBy(secret Secret, user string) (int, bool) {
	key := user
	if t.ScoreUser(secret, user) != user {
		key = AnonymousScorer
	}
	v, ok := t.Scores[key]
	return v, ok
}
