// Package prompts holds every sentence the bot says, in English and in
// French, embedded in the binary. The catalogs are TOML files (one per
// language, the same keys); placeholders are written {name}.
package prompts

import (
	"embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/journeybot/journeybot/internal/rich"
)

//go:embed *.toml
var files embed.FS

// Languages the catalogs cover; the first is the fallback.
var Languages = []string{"en", "fr"}

// Catalog looks sentences up by language and key.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		raw, err := files.ReadFile(lang + ".toml")
		if err != nil {
			return nil, fmt.Errorf("read %s catalog: %w", lang, err)
		}
		var tree map[string]any
		if err := toml.Unmarshal(raw, &tree); err != nil {
			return nil, fmt.Errorf("parse %s catalog: %w", lang, err)
		}
		flat := map[string]string{}
		if err := flatten("", tree, flat); err != nil {
			return nil, fmt.Errorf("%s catalog: %w", lang, err)
		}
		c.msgs[lang] = flat
	}
	return c, nil
}

// MustLoad is Load for start-up code and tests: the catalogs are embedded, so
// a failure is a build defect.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

func flatten(prefix string, tree map[string]any, out map[string]string) error {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case string:
			out[key] = strings.TrimRight(v, "\n")
		case map[string]any:
			if err := flatten(key, v, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("key %s: want a string, got %T", key, v)
		}
	}
	return nil
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Keys lists the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(c.msgs[lang]))
}

// Raw returns the template of key in lang, without filling placeholders.
func (c *Catalog) Raw(lang, key string) (string, bool) {
	s, ok := c.msgs[lang][key]
	return s, ok
}

// Template returns the template of key in lang, falling back to English;
// an unknown key yields a visible marker, which the tests look for.
func (c *Catalog) Template(lang, key string) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[Languages[0]][key]
	}
	if !ok {
		return "‹" + key + "›"
	}
	return s
}

// Text returns the sentence key in lang as rich text, its placeholders
// filled from args given as name, value pairs (see rich.Fill): T("fr",
// "next.moved", "step", "Profils"). Values are never read as markup.
func (c *Catalog) Text(lang, key string, args ...any) rich.Text {
	return rich.Fill(c.Template(lang, key), args...)
}

// T is Text as plain words, with no markup: for labels, titles and
// anything a surface shows as plain text.
func (c *Catalog) T(lang, key string, args ...any) string {
	return c.Text(lang, key, args...).String()
}

var placeholder = regexp.MustCompile(`\{[a-z_0-9]+\}`)

// Placeholders lists the distinct placeholders of a template, sorted.
func Placeholders(s string) []string {
	found := placeholder.FindAllString(s, -1)
	slices.Sort(found)
	return slices.Compact(found)
}
