package slack

import (
	"strings"

	"github.com/journeybot/journeybot/internal/workshop"
)

// FromSlack turns text as Slack sends it (message text, slash command text)
// into domain text: what the person typed, unescaped once, with Slack's
// markup read as what it is. It is the one place where Slack text enters
// the domain.
//
//   - `<@U123>`, `<@U123|maria>`: a user, kept as a reference (workshop.UserRef)
//     so an owner stays a person; the label is dropped, names come from
//     users.info.
//   - `<#C123|general>`: "#general".
//   - `<!subteam^S123|@design>`: "@design".
//   - `<!here>`, `<!channel>`, `<!everyone>`: "@here" and so on, as plain
//     text that never broadcasts.
//   - `<!date^…|fallback>`: the fallback.
//   - `<https://x.example|label>`: the label when it is the address as typed
//     (Slack links a typed domain or e-mail address that way), otherwise
//     "label (https://x.example)", so the address behind a link is never
//     hidden; `<mailto:a@b|a@b>` is "a@b".
//
// Outside markup, Slack escapes only &, < and >, so a raw "<" always opens
// markup and every "&lt;" is a "<" the person typed.
func FromSlack(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(unescape(s[:i]))
		b.WriteString(markup(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
	b.WriteString(unescape(s))
	return b.String()
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescape(s string) string { return unescaper.Replace(s) }

// markup reads the inside of one <…>.
func markup(m string) string {
	target, label, _ := strings.Cut(m, "|")
	label = strings.TrimSpace(unescape(label))
	switch {
	case strings.HasPrefix(target, "@"):
		id := target[1:]
		if _, _, ok := workshop.ParseUserRef(workshop.UserRef(id)); !ok {
			return "@" + unescape(cutPrefix(label, "@", id))
		}
		if label = strings.Map(dropMarkup, strings.TrimPrefix(label, "@")); label != "" {
			// Slash commands send the name typed; keep it for when the
			// name cache knows nobody yet.
			return "<@" + id + "|" + label + ">"
		}
		return workshop.UserRef(id)
	case strings.HasPrefix(target, "#"):
		return "#" + cutPrefix(label, "#", unescape(target[1:]))
	case strings.HasPrefix(target, "!subteam^"):
		return "@" + cutPrefix(label, "@", "group")
	case strings.HasPrefix(target, "!date^"):
		return label
	case strings.HasPrefix(target, "!"):
		// Special mentions: here, channel, everyone. Shown as words.
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + cutPrefix(label, "@", unescape(name))
	}
	url := unescape(target)
	shown := strings.TrimPrefix(url, "mailto:")
	switch label {
	case "", shown:
		return shown
	case strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://"):
		return label // a domain as typed, which Slack made a link
	}
	return label + " (" + shown + ")"
}

// dropMarkup removes the characters that would end or split a reference.
func dropMarkup(r rune) rune {
	if strings.ContainsRune("<>|\n", r) {
		return -1
	}
	return r
}

// cutPrefix returns label without prefix, or fallback when label is empty.
func cutPrefix(label, prefix, fallback string) string {
	if l := strings.TrimPrefix(label, prefix); l != "" {
		return l
	}
	return fallback
}
