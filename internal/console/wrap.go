package console

import (
	"regexp"
	"strings"
	"unicode"
)

// wrap breaks each line of s at word boundaries so that none is wider than
// width (terminal cells). A wrapped line's continuation keeps its indent,
// its box rule (│) and the room of its bullet, so lists and boxes still
// read as such; a word wider than the line stays whole.
func wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, wrapLine(l, width)...)
	}
	return strings.Join(out, "\n")
}

// lead is a line's indent and box rule, then its bullet.
var lead = regexp.MustCompile(`^( *(?:[│┌└] )? *)((?:• |· |↳ |\[[^\]]*\] → )?)`)

func wrapLine(l string, width int) []string {
	if cells(l) <= width {
		return []string{l}
	}
	m := lead.FindStringSubmatch(l)
	head := m[1] + m[2]
	hang := m[1] + strings.Repeat(" ", cells(m[2]))
	if cells(hang) > width/2 {
		hang = m[1] + "  " // a long lead (a button's label) would leave no room
	}
	var out []string
	cur, n, empty := head, cells(head), true
	for _, w := range strings.Fields(l[len(head):]) {
		wn := cells(w)
		switch {
		case empty && (n+wn <= width || cur != head || cells(hang)+wn > width):
			cur, n = cur+w, n+wn
		case !empty && n+1+wn <= width:
			cur, n = cur+" "+w, n+1+wn
		default:
			out = append(out, strings.TrimRight(cur, " "))
			cur, n = hang+w, cells(hang)+wn
		}
		empty = false
	}
	return append(out, cur)
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cells is how many terminal cells s takes: ANSI styles take none, wide
// characters (emoji, CJK) two.
func cells(s string) int {
	s = ansi.ReplaceAllString(s, "")
	n := 0
	for _, r := range s {
		switch {
		case r == '\u200d' || r == '\ufe0f' || unicode.Is(unicode.Mn, r):
		case r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
			r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
			r >= 0x1f300 && r <= 0x1faff || r >= 0x20000):
			n += 2
		default:
			n++
		}
	}
	return n
}
