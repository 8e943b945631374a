package console

import (
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/rich"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		in   rich.Text
		want string
	}{
		{rich.Styled("Step 1/7 · Goals", rich.Strong), "Step 1/7 · Goals"},
		{rich.Fill("• `review monthly|quarterly|off|\"0 9 * * 1\"`: review reminders"), "• `review monthly|quarterly|off|\"0 9 * * 1\"`: review reminders"},
		{rich.Plain(`a review "0 9 * * 1" on Mondays`), `a review "0 9 * * 1" on Mondays`},
		{rich.Fill("**bold** and `*code*` and **more bold**"), "bold and `*code*` and more bold"},
		{rich.Fill("owner {o}, by {b}", "o", rich.User("U0MARIA001", "Maria Silva"), "b", rich.User("leo", "")), "owner @Maria Silva, by @leo"},
		{rich.Plain("Q&A <3 &amp;"), "Q&A <3 &amp;"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestANSI(t *testing.T) {
	p := &Printer{ANSI: true}
	got := p.Text(rich.Fill("**a** _b_ `c`"))
	want := ansiBold + "a" + ansiResetBold + " " + ansiItalic + "b" + ansiResetIt + " " + ansiCode + "c" + ansiResetCode
	if got != want {
		t.Errorf("ANSI text = %q, want %q", got, want)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short line", 20, "short line"},
		{"one two three four five", 10, "one two\nthree four\nfive"},
		{"• a bullet that wraps under itself", 16, "• a bullet that\n  wraps under\n  itself"},
		{"  │ boxed words that wrap", 14, "  │ boxed\n  │ words that\n  │ wrap"},
		{"[Next step] → /journey next W1", 20, "[Next step] →\n  /journey next W1"},
		{"a supercalifragilistic word", 8, "a\nsupercalifragilistic\nword"},
		{"\x1b[1mbold\x1b[22m text here", 9, "\x1b[1mbold\x1b[22m text\nhere"},
		{"😡😡 x y", 6, "😡😡 x\ny"},
		{"no wrap at all", 0, "no wrap at all"},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.width); got != tt.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestWrapNeverAddsEmptyLines(t *testing.T) {
	for _, in := range []string{"supercalifragilistic x", "• supercalifragilistic", "  │ supercalifragilistic"} {
		for _, l := range strings.Split(wrap(in, 8), "\n") {
			if strings.TrimSpace(strings.Trim(l, "│•")) == "" {
				t.Errorf("wrap(%q, 8) has an empty line: %q", in, wrap(in, 8))
			}
		}
	}
}
