package workshop

import (
	"regexp"
	"slices"
	"strings"
)

// A user reference is the one piece of markup domain text keeps: "<@U123>"
// (or "<@U123|label>") names a person of the chat platform by id, so an
// owner picked from Slack's autocomplete stays that person even when their
// display name changes. Every other piece of platform markup (channels,
// links, broadcasts) is turned into plain text at the edge, before the
// domain sees it. A reference never means a notification: renderers show it
// as "@Display Name", except in an owner field, which names the person.
var userRef = regexp.MustCompile(`<@([UW][A-Z0-9]{1,20})(?:\|([^<>|\n]*))?>`)

// UserRef formats a reference to user id, as an adapter writes it into
// domain text.
func UserRef(id string) string { return "<@" + id + ">" }

// ParseUserRef reports whether s is exactly one user reference, and whom it
// names.
func ParseUserRef(s string) (id, label string, ok bool) {
	s = strings.TrimSpace(s)
	m := userRef.FindStringSubmatch(s)
	if m == nil || len(m[0]) != len(s) {
		return "", "", false
	}
	return m[1], strings.TrimPrefix(strings.TrimSpace(m[2]), "@"), true
}

// UserRefs returns the distinct user ids referenced in s, in order.
func UserRefs(s string) []string {
	if !strings.Contains(s, "<@") {
		return nil
	}
	var out []string
	for _, m := range userRef.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Names maps user ids to display names ("Maria Silva"), as the chat
// platform last gave them. A nil Names is valid and knows nobody.
type Names map[string]string

// Display is how a person is shown in text: "@Maria Silva", or the label
// the platform sent with the reference, or "@U123" when nothing better is
// known.
func (n Names) Display(id, label string) string {
	if name := strings.TrimSpace(n[id]); name != "" {
		return "@" + name
	}
	if label != "" {
		return "@" + label
	}
	return "@" + id
}

// Text replaces every user reference in s with its display text, so what
// comes out is plain text with no markup left.
func (n Names) Text(s string) string {
	if !strings.Contains(s, "<@") {
		return s
	}
	return userRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := userRef.FindStringSubmatch(ref)
		return n.Display(m[1], strings.TrimPrefix(strings.TrimSpace(m[2]), "@"))
	})
}

// owner reads an owner field: a user reference names a person (id and
// display text), anything else is a name typed by hand ("@leo", an e-mail
// address, "Support team").
func (n Names) owner(field string) (display, id string) {
	if id, label, ok := ParseUserRef(field); ok {
		return n.Display(id, label), id
	}
	return n.Text(field), ""
}

// Mentioned returns every user id referenced in the workshop's inputs, for
// looking up their names.
func (w *Workshop) Mentioned() []string {
	var out []string
	for _, in := range w.Inputs {
		for _, id := range UserRefs(in.Text) {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// People returns every user id the workshop names: the people its inputs
// refer to, its contributors (not the author keys of anonymous ones) and
// its facilitator, for looking up their names.
func (w *Workshop) People() []string {
	ids := w.Mentioned()
	for _, id := range append(w.Contributors(), w.Facilitator) {
		if id != "" && !IsAuthorKey(id) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}
