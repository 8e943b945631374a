package console

import (
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
