package prompts

import (
	"github.com/journeybot/journeybot/internal/rich"
	"slices"
	"strings"
	"testing"
)

// Every key must exist in every language with the same placeholders: a
// missing key would show English to a French team, and a missing
// placeholder would drop a value from the sentence.
func TestCatalogsMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	base := Languages[0]
	if n := len(c.Keys(base)); n < 50 {
		t.Fatalf("%s catalog has %d keys; want the full catalog", base, n)
	}
	for _, lang := range Languages[1:] {
		for _, key := range c.Keys(base) {
			if !c.Has(lang, key) {
				t.Errorf("%s: key %q missing", lang, key)
				continue
			}
			a, _ := c.Raw(base, key)
			b, _ := c.Raw(lang, key)
			if got, want := Placeholders(b), Placeholders(a); !slices.Equal(got, want) {
				t.Errorf("%s %q: placeholders %v, want %v", lang, key, got, want)
			}
			if strings.TrimSpace(b) == "" {
				t.Errorf("%s %q: empty", lang, key)
			}
		}
		for _, key := range c.Keys(lang) {
			if !c.Has(base, key) {
				t.Errorf("%s: key %q has no %s original", lang, key, base)
			}
		}
	}
}

func TestT(t *testing.T) {
	c := MustLoad()
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "test.hello", []any{"name", "Ada"}, "Hello, Ada!"},
		{"fr", "test.hello", []any{"name", "Ada"}, "Bonjour, Ada !"},
		{"de", "test.hello", []any{"name", "Ada"}, "Hello, Ada!"},
		{"en", "no.such.key", nil, "‹no.such.key›"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

// Every template closes the markup it opens, and none uses Slack's own
// markup (a lone *bold*): the catalog is written once for every surface.
func TestTemplatesAreBalancedMarkdown(t *testing.T) {
	c := MustLoad()
	for _, lang := range Languages {
		for _, key := range c.Keys(lang) {
			s, _ := c.Raw(lang, key)
			if open := rich.Unbalanced(s); len(open) > 0 {
				t.Errorf("%s %q leaves %v open: %q", lang, key, open, s)
			}
			for _, sp := range rich.Fill(s) {
				if sp.Style&rich.Code == 0 && strings.Contains(sp.Text, "*") {
					t.Errorf("%s %q: a * outside code (bold is **x**): %q", lang, key, s)
				}
			}
		}
	}
}
