package console

import "testing"

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*Step 1/7 · Goals*", "Step 1/7 · Goals"},
		{"• `review monthly|quarterly|off|\"0 9 * * 1\"`: review reminders", "• `review monthly|quarterly|off|\"0 9 * * 1\"`: review reminders"},
		{`a review "0 9 * * 1" on Mondays`, `a review "0 9 * * 1" on Mondays`},
		{"*bold* and `*code*` and *more bold*", "bold and `*code*` and more bold"},
		{"owner <@U0MARIA001|Maria Silva>, by <@leo>", "owner @Maria Silva, by @leo"},
		{"Q&amp;A &lt;3", "Q&A <3"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
