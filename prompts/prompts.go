// Package prompts holds every sentence the bot says, in English and in
// French, embedded in the binary. The catalogs are TOML files (one per
// language, the same keys) read by go-i18n, whose CLDR plural rules pick a
// counted sentence's form: a table of forms (one, other, …) is one
// sentence, counted by its {count}. Placeholders are written {name}; the
// text is marked up as Markdown is (see rich.Fill).
package prompts

import (
	"embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"

	"github.com/journeybot/journeybot/internal/rich"
)

//go:embed *.toml
var files embed.FS

// Languages the catalogs cover; the first is the fallback.
var Languages = []string{"en", "fr"}

// pluralForms are the CLDR plural categories a table of forms may hold.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// Catalog looks sentences up by language and key.
type Catalog struct {
	locs map[string]*i18n.Localizer
	// forms holds each key's templates by plural form ("" for a sentence
	// that is not counted), for the catalog's own tests.
	forms map[string]map[string]map[string]string
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	c := &Catalog{locs: map[string]*i18n.Localizer{}, forms: map[string]map[string]map[string]string{}}
	for _, lang := range Languages {
		raw, err := files.ReadFile(lang + ".toml")
		if err != nil {
			return nil, fmt.Errorf("read %s catalog: %w", lang, err)
		}
		mf, err := i18n.ParseMessageFileBytes(raw, lang+".toml", map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			return nil, fmt.Errorf("parse %s catalog: %w", lang, err)
		}
		fix := typography[lang]
		if fix != nil {
			for _, m := range mf.Messages {
				for _, f := range []*string{&m.Zero, &m.One, &m.Two, &m.Few, &m.Many, &m.Other} {
					*f = fix(*f)
				}
			}
		}
		if err := bundle.AddMessages(mf.Tag, mf.Messages...); err != nil {
			return nil, fmt.Errorf("load %s catalog: %w", lang, err)
		}
		var tree map[string]any
		if err := toml.Unmarshal(raw, &tree); err != nil {
			return nil, fmt.Errorf("parse %s catalog: %w", lang, err)
		}
		flat := map[string]map[string]string{}
		if err := flatten("", tree, flat); err != nil {
			return nil, fmt.Errorf("%s catalog: %w", lang, err)
		}
		if fix != nil {
			for _, forms := range flat {
				for k, v := range forms {
					forms[k] = fix(v)
				}
			}
		}
		c.forms[lang] = flat
		c.locs[lang] = i18n.NewLocalizer(bundle, lang, Languages[0])
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

// flatten lists the sentences of a tree by dotted key; a table whose keys
// are plural forms, "other" among them, is one counted sentence.
func flatten(prefix string, tree map[string]any, out map[string]map[string]string) error {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case string:
			out[key] = map[string]string{"": strings.TrimRight(v, "\n")}
		case map[string]any:
			if forms, ok := pluralTable(v); ok {
				out[key] = forms
				continue
			}
			if err := flatten(key, v, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("key %s: want a string, got %T", key, v)
		}
	}
	return nil
}

func pluralTable(v map[string]any) (map[string]string, bool) {
	if _, ok := v["other"]; !ok {
		return nil, false
	}
	forms := map[string]string{}
	for k, s := range v {
		str, ok := s.(string)
		if !ok || !slices.Contains(pluralForms, k) {
			return nil, false
		}
		forms[k] = strings.TrimRight(str, "\n")
	}
	return forms, true
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.forms[lang][key]
	return ok
}

// Keys lists the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(c.forms[lang]))
}

// Forms returns the templates of key in lang by plural form: one entry
// keyed "" for a sentence that is not counted.
func (c *Catalog) Forms(lang, key string) map[string]string {
	return c.forms[lang][key]
}

// Raw returns the template of key in lang (its "other" form when counted),
// without filling placeholders.
func (c *Catalog) Raw(lang, key string) (string, bool) {
	f, ok := c.forms[lang][key]
	if !ok {
		return "", false
	}
	if s, ok := f[""]; ok {
		return s, true
	}
	return f["other"], true
}

// Template returns the template of key in lang, falling back to English, in
// the plural form count calls for (nil: the "other" form of a counted
// sentence); an unknown key yields a visible marker, which the tests look
// for.
func (c *Catalog) Template(lang, key string, count any) string {
	loc, ok := c.locs[lang]
	if !ok {
		loc = c.locs[Languages[0]]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: count, TemplateParser: template.IdentityParser{}})
	if s == "" && err != nil {
		return "‹" + key + "›"
	}
	return s
}

// Text returns the sentence key in lang as rich text, its placeholders
// filled from args given as name, value pairs (see rich.Fill): T("fr",
// "next.moved", "step", "Profils"). A counted sentence takes the plural
// form its "count" argument calls for. Values are never read as markup.
func (c *Catalog) Text(lang, key string, args ...any) rich.Text {
	var count any
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == "count" {
			count = args[i+1]
		}
	}
	return rich.Fill(c.Template(lang, key, count), args...)
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
