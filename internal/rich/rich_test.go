package rich

import (
	"strings"
	"testing"
	"time"
)

// tags marks styles with visible tags, so a test reads where runs start and
// end, and escapes < and > the way an HTML-ish surface would.
var tags = Syntax{
	Open:   map[Style]string{Strong: "<b>", Emphasis: "<i>", Code: "<c>"},
	Close:  map[Style]string{Strong: "</b>", Emphasis: "</i>", Code: "</c>"},
	Escape: func(s string, code bool) string { return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s) },
	Span: func(s Span) string {
		switch s.Kind {
		case KindUser:
			return "[user " + s.Ref + "]"
		case KindLink:
			return "[link " + s.Ref + "]"
		}
		return "[" + s.PlainText() + "]"
	},
}

func TestFill(t *testing.T) {
	tests := []struct {
		name, template string
		args           []any
		want           string
	}{
		{"plain", "Hello, {name}!", []any{"name", "Ada"}, "Hello, Ada!"},
		{"strong", "now at **{step}** ok", []any{"step", "Goals"}, "now at <b>Goals</b> ok"},
		{"emphasis", "_({user})_", []any{"user", User("U1", "")}, "<i>([user U1])</i>"},
		{"code keeps stars", "`review \"0 9 * * 1\"` works", nil, "<c>review \"0 9 * * 1\"</c> works"},
		{"lone star", "a * b", nil, "a * b"},
		{"snake_case stays", "use current_state_here", nil, "use current_state_here"},
		{"value is never markup", "**{title}**", []any{"title", "*x* _y_ `z` <@U1> **w**"}, "<b>*x* _y_ `z` &lt;@U1&gt; **w**</b>"},
		{"value in code", "`{format}`", []any{"format", "T<n> | a"}, "<c>T&lt;n&gt; | a</c>"},
		{"missing value stays", "see {nothing}", nil, "see {nothing}"},
		{"number", "{n} items", []any{"n", 3}, "3 items"},
		{"rich value", "by {who}", []any{"who", Concat(Plain("a "), Styled("b", Strong))}, "by a <b>b</b>"},
		{"blank outside markers", "**{x}**", []any{"x", " padded "}, " <b>padded</b> "},
		{"lines marked each", "**{x}**", []any{"x", "one\ntwo"}, "<b>one</b>\n<b>two</b>"},
		{"nested", "**a _b_ c**", nil, "<b>a <i>b</i> c</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(Fill(tt.template, tt.args...), tags); got != tt.want {
				t.Errorf("Render(Fill(%q)) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}
}

func TestUnbalanced(t *testing.T) {
	for template, want := range map[string]string{
		"**open":         "**",
		"`open":          "`",
		"fine **x** `y`": "",
		"_open it":       "_",
	} {
		if got := strings.Join(Unbalanced(template), " "); got != want {
			t.Errorf("Unbalanced(%q) = %q, want %q", template, got, want)
		}
	}
}

func TestPlainText(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	text := Concat(Plain("Hi "), User("U1", "Maria"), Plain(", "), User("U2", ""), Plain(" in "), Channel("C1", "design"),
		Plain(": "), Link("https://x.test", "the doc"), Plain(" · "), Link("https://y.test", ""), Plain(" at "), Time(at, "UTC", "9:00"),
		Styled(" **not markup**", Strong))
	want := "Hi @Maria, @U2 in #design: the doc (https://x.test) · https://y.test at 9:00 **not markup**"
	if got := text.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestPlainBlocks(t *testing.T) {
	got := PlainBlocks([]Block{
		Head(Plain("Title")), Para(Plain("para")), Bullets(Plain("one"), Plain("two")),
		Grid([]Text{Plain("a"), Plain("b")}, []Text{Plain("1"), Plain("2")}),
		Pairs(Field{Label: Plain("k"), Value: Plain("v")}), Small(Plain("x"), Plain("y")), Quoted(Plain("said\ntwice")),
	})
	want := "Title\npara\n• one\n• two\na · b\n1 · 2\nk: v\nx · y\n> said\n> twice"
	if got != want {
		t.Errorf("PlainBlocks = %q, want %q", got, want)
	}
}
