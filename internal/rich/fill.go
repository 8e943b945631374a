package rich

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fill turns a catalog template into text. Templates mark text up the way
// Markdown does: **strong**, _emphasis_ (at word edges) and `code`; no other
// character is markup. Placeholders {name} are filled from args, given as
// name, value pairs; a value keeps the style around its placeholder and is
// never read as markup: a string is plain text, a Text or Span is placed as
// it is, anything else is printed with fmt. A placeholder with no value
// stays as written.
func Fill(template string, args ...any) Text {
	t, _ := fill(template, args)
	return t
}

// fill is Fill, and the style left open at the end.
func fill(template string, args []any) (Text, Style) {
	vals := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		vals[fmt.Sprint(args[i])] = args[i+1]
	}
	var out Text
	var buf strings.Builder
	style := Style(0)
	flush := func() {
		if buf.Len() > 0 {
			out = append(out, Span{Text: buf.String(), Style: style})
			buf.Reset()
		}
	}
	prev := rune(-1) // the rune before i; -1 at the start
	for i := 0; i < len(template); {
		r, size := utf8.DecodeRuneInString(template[i:])
		rest := template[i+size:]
		switch {
		case r == '`':
			flush()
			style ^= Code
		case r == '*' && style&Code == 0 && strings.HasPrefix(rest, "*"):
			flush()
			style ^= Strong
			size = 2
		case r == '_' && style&Code == 0 && emphasisEdge(style, prev, rest):
			flush()
			style ^= Emphasis
		case r == '{':
			name, ok := placeholderName(rest)
			v, have := vals[name]
			if !ok || !have {
				buf.WriteRune(r)
				break
			}
			flush()
			out = append(out, value(v).With(style)...)
			size += len(name) + 1
		default:
			buf.WriteRune(r)
		}
		prev = r
		if size > 1 && r == '*' {
			prev = '*'
		}
		i += size
	}
	flush()
	return out, style
}

// emphasisEdge reports whether an underscore opens or closes emphasis: it
// opens after a non-word rune and before a non-space, and closes before a
// non-word rune, so snake_case stays as written.
func emphasisEdge(style Style, prev rune, rest string) bool {
	next, _ := utf8.DecodeRuneInString(rest)
	if rest == "" {
		next = -1
	}
	if style&Emphasis != 0 {
		return next == -1 || !isWord(next)
	}
	return (prev == -1 || !isWord(prev)) && next != -1 && !unicode.IsSpace(next)
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func placeholderName(s string) (string, bool) {
	end := strings.IndexByte(s, '}')
	if end <= 0 {
		return "", false
	}
	name := s[:end]
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "", false
		}
	}
	return name, true
}

func value(v any) Text {
	switch v := v.(type) {
	case Text:
		return v
	case Span:
		return Text{v}
	case string:
		return Plain(v)
	case nil:
		return nil
	default:
		return Plain(fmt.Sprint(v))
	}
}

// Unbalanced reports the markers a template leaves open, for catalog tests:
// a template that opens **strong** or `code` and never closes it.
func Unbalanced(template string) []string {
	var open []string
	_, last := fill(template, nil)
	for _, m := range []struct {
		s    Style
		name string
	}{{Strong, "**"}, {Emphasis, "_"}, {Code, "`"}} {
		if last&m.s != 0 {
			open = append(open, m.name)
		}
	}
	return open
}
