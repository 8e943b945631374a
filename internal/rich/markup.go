package rich

import (
	"strings"
	"unicode"
)

// Syntax is how a surface writes styles and spans: renderers for Slack
// mrkdwn, Markdown and ANSI terminals each give one to Render.
type Syntax struct {
	// Open and Close mark a style's start and end ("*", "**", "\x1b[1m").
	Open, Close map[Style]string
	// Escape writes a piece of plain text (user text included) so the
	// surface shows it as written; code says it sits inside a code span.
	Escape func(s string, code bool) string
	// Span writes a span that is not text (a user, a channel, a link, an
	// instant); nil writes its plain form, escaped.
	Span func(s Span) string
}

// styleOrder is the order styles open in; they close in reverse.
var styleOrder = [...]Style{Strong, Emphasis, Code}

type token struct {
	s     string
	style Style
	blank bool // whitespace only: takes the style its neighbours share
	nl    bool
	done  bool // already written in the syntax (a span that is not text)
}

// Render writes t in syntax x. A styled run is marked once, however many
// spans it holds; whitespace at a run's edges stays outside its markers,
// and a run never spans a line break (Slack's and Markdown's markers do
// not), so each line is marked on its own.
func Render(t Text, x Syntax) string {
	var toks []token
	for _, sp := range t {
		if sp.Kind != KindText {
			s := sp.PlainText()
			if x.Span != nil {
				s = x.Span(sp)
			} else {
				s = x.Escape(s, sp.Style&Code != 0)
			}
			toks = append(toks, token{s: s, style: sp.Style, done: true})
			continue
		}
		for i, line := range strings.Split(sp.Text, "\n") {
			if i > 0 {
				toks = append(toks, token{s: "\n", nl: true})
			}
			toks = appendText(toks, line, sp.Style)
		}
	}
	// A blank takes the style both neighbours share.
	for i := range toks {
		if !toks[i].blank {
			continue
		}
		var prev, next Style
		if j := neighbour(toks, i, -1); j >= 0 {
			prev = toks[j].style
		}
		if j := neighbour(toks, i, 1); j >= 0 {
			next = toks[j].style
		}
		toks[i].style = prev & next
	}
	var b strings.Builder
	var open []Style
	setStyle := func(want Style) {
		for len(open) > 0 {
			inside := Style(0)
			for _, o := range open {
				inside |= o
			}
			if inside&^want == 0 {
				break
			}
			top := open[len(open)-1]
			b.WriteString(x.Close[top])
			open = open[:len(open)-1]
		}
		have := Style(0)
		for _, o := range open {
			have |= o
		}
		for _, s := range styleOrder {
			if want&s != 0 && have&s == 0 {
				b.WriteString(x.Open[s])
				open = append(open, s)
			}
		}
	}
	for _, tk := range toks {
		if tk.nl {
			setStyle(0)
			b.WriteString("\n")
			continue
		}
		setStyle(tk.style)
		if tk.done {
			b.WriteString(tk.s)
		} else {
			b.WriteString(x.Escape(tk.s, tk.style&Code != 0))
		}
	}
	setStyle(0)
	return b.String()
}

// appendText adds one line of text: leading and trailing blanks as tokens
// of their own, the rest escaped.
func appendText(toks []token, line string, style Style) []token {
	if line == "" {
		return toks
	}
	core := strings.TrimFunc(line, unicode.IsSpace)
	if core == "" {
		return append(toks, token{s: line, blank: true})
	}
	lead := line[:strings.Index(line, core)]
	trail := line[len(lead)+len(core):]
	if lead != "" {
		toks = append(toks, token{s: lead, blank: true})
	}
	toks = append(toks, token{s: core, style: style})
	if trail != "" {
		toks = append(toks, token{s: trail, blank: true})
	}
	return toks
}

func neighbour(toks []token, i, dir int) int {
	for j := i + dir; j >= 0 && j < len(toks); j += dir {
		if toks[j].nl {
			return -1
		}
		if !toks[j].blank {
			return j
		}
	}
	return -1
}
