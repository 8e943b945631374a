package prompts

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Locale writes dates, times and numbers the way a language does, from the
// catalog's [date] and [number] sentences: "Tue 1 Dec 2026 at 09:00 (CET)",
// "1er décembre 2026 à 9 h (CET)", "-1.5", "−1,5". The zero Locale writes
// English.
type Locale struct {
	Catalog *Catalog
	Lang    string
}

// Locale returns lang's formats.
func (c *Catalog) Locale(lang string) Locale { return Locale{Catalog: c, Lang: lang} }

func (l Locale) t(key string, args ...any) string {
	c := l.Catalog
	if c == nil {
		c = defaultCatalog()
	}
	return c.T(l.Lang, key, args...)
}

// T looks a sentence up in the locale's language, as plain words (the
// embedded catalog for the zero Locale).
func (l Locale) T(key string, args ...any) string { return l.t(key, args...) }

func (l Locale) word(key string, i int) string {
	words := strings.Fields(l.t(key))
	if i < 0 || i >= len(words) {
		return "?"
	}
	return words[i]
}

// Date writes a day: "Tue 1 Dec 2026", "1er décembre 2026".
func (l Locale) Date(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = l.t("date.first")
	}
	return l.t("date.day", "weekday", l.word("date.weekdays", int(t.Weekday())), "day", day,
		"month", l.word("date.months", int(t.Month())-1), "year", t.Year())
}

// Time writes a time of day: "09:00", "9 h", "17 h 30".
func (l Locale) Time(t time.Time) string {
	key := "date.time"
	if t.Minute() == 0 {
		key = "date.time_on_the_hour"
	}
	return l.t(key, "h", t.Hour(), "hh", t.Format("15"), "mm", t.Format("04"))
}

// DateTime writes an instant in its own zone, naming the zone.
func (l Locale) DateTime(t time.Time) string {
	return l.t("date.at", "date", l.Date(t), "time", l.Time(t), "zone", t.Format("MST"))
}

// Day writes a day given as YYYY-MM-DD (a change's due date); anything else
// is returned as it is.
func (l Locale) Day(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return l.Date(t)
}

// Number writes a number formatted the Go way ("-1.5", "+2") with the
// language's decimal mark and minus sign.
func (l Locale) Number(s string) string {
	if dec := l.t("number.decimal"); dec != "." {
		s = strings.Replace(s, ".", dec, 1)
	}
	if minus := l.t("number.minus"); minus != "-" && strings.HasPrefix(s, "-") {
		s = minus + s[1:]
	}
	return s
}

// defaultCatalog is the embedded catalog, loaded once, for the zero Locale.
var defaultCatalog = sync.OnceValue(MustLoad)
