package prompts

import (
	"github.com/journeybot/journeybot/internal/rich"
	"slices"
	"strings"
	"testing"
	"time"
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
			// A date format picks the parts its language writes ("9 h" needs
			// no leading zero); every other sentence says the same things.
			if got, want := Placeholders(b), Placeholders(a); !slices.Equal(got, want) && !strings.HasPrefix(key, "date.") {
				t.Errorf("%s %q: placeholders %v, want %v", lang, key, got, want)
			}
			if strings.TrimSpace(b) == "" {
				t.Errorf("%s %q: empty", lang, key)
			}
			_, counted := c.Forms(base, key)["other"]
			if _, ok := c.Forms(lang, key)["other"]; ok != counted {
				t.Errorf("%s %q: counted in one language only", lang, key)
			}
		}
		for _, key := range c.Keys(lang) {
			if !c.Has(base, key) {
				t.Errorf("%s: key %q has no %s original", lang, key, base)
			}
		}
	}
}

// A counted sentence has the forms its language needs (one and other in
// English and French), each using only the placeholders of "other" (the
// one form may say "a line" rather than "{count} line").
func TestCountedSentencesHaveTheirForms(t *testing.T) {
	c := MustLoad()
	counted := 0
	for _, lang := range Languages {
		for _, key := range c.Keys(lang) {
			forms := c.Forms(lang, key)
			other, ok := forms["other"]
			if !ok {
				continue
			}
			counted++
			if _, ok := forms["one"]; !ok {
				t.Errorf("%s %q: no one form", lang, key)
			}
			for form, s := range forms {
				for _, p := range Placeholders(s) {
					if !slices.Contains(Placeholders(other), p) {
						t.Errorf("%s %q: form %s has %s, which other lacks", lang, key, form, p)
					}
				}
			}
		}
	}
	if counted < 20 {
		t.Errorf("%d counted sentences; the catalogs count more than that", counted)
	}
}

// CLDR's rules pick the form: French says 0 and 1 in the singular,
// English only 1.
func TestPluralForms(t *testing.T) {
	c := MustLoad()
	for _, tt := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 0, "0 contributions"}, {"en", 1, "1 contribution"}, {"en", 2, "2 contributions"},
		{"fr", 0, "0 contribution"}, {"fr", 1, "1 contribution"}, {"fr", 2, "2 contributions"},
	} {
		if got := c.T(tt.lang, "test.contributions", "count", tt.count); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.count, got, tt.want)
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
		{"fr", "test.hello", []any{"name", "Ada"}, "Bonjour, Ada\u202f!"},
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
			for _, s := range c.Forms(lang, key) {
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
}

func TestLocale(t *testing.T) {
	c := MustLoad()
	paris, _ := time.LoadLocation("Europe/Paris")
	first := time.Date(2026, 12, 1, 9, 0, 0, 0, paris)
	late := time.Date(2026, 12, 18, 17, 30, 0, 0, paris)
	for _, tt := range []struct{ lang, got, want string }{
		{"en", c.Locale("en").DateTime(first), "Tue 1 Dec 2026 at 09:00 (CET)"},
		{"en", c.Locale("en").DateTime(late), "Fri 18 Dec 2026 at 17:30 (CET)"},
		{"fr", c.Locale("fr").DateTime(first), "1er décembre 2026 à 9\u00a0h (CET)"},
		{"fr", c.Locale("fr").DateTime(late), "18 décembre 2026 à 17\u00a0h\u00a030 (CET)"},
		{"fr", c.Locale("fr").Day("2026-11-01"), "1er novembre 2026"},
		{"fr", c.Locale("fr").Day("soon"), "soon"},
		{"en", c.Locale("en").Number("-1.5"), "-1.5"},
		{"fr", c.Locale("fr").Number("-1.5"), "−1,5"},
		{"fr", c.Locale("fr").Number("+2"), "+2"},
		{"en", Locale{}.Date(first), "Tue 1 Dec 2026"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.lang, tt.got, tt.want)
		}
	}
}

func TestFrenchTypography(t *testing.T) {
	for in, want := range map[string]string{
		"Étapes : {steps}.":                     "Étapes\u00a0: {steps}.",
		"réponse partielle: {note}":             "réponse partielle\u00a0: {note}",
		"Quoi ? Oui ! Bien ; ensuite":           "Quoi\u202f? Oui\u202f! Bien\u202f; ensuite",
		"« {got} »":                             "«\u00a0{got}\u00a0»",
		"à 9 h, revue n° 2":                     "à 9\u00a0h, revue n°\u00a02",
		"tapez `as NOM: ...` ou `a ; b` : fini": "tapez `as NOM: ...` ou `a ; b`\u00a0: fini",
		"à 09:00, https://x.test":               "à 09:00, https://x.test",
	} {
		if got := frenchTypography(in); got != want {
			t.Errorf("frenchTypography(%q) = %q, want %q", in, got, want)
		}
	}
}
