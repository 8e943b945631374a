package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// typed is the sample workshop with its resources step replaced by lines,
// and its map type set to mapType.
func typed(mapType string, touchpoints, resources string) *workshop.Workshop {
	w := sample()
	seen := false
	w.Inputs = slices.DeleteFunc(w.Inputs, func(in workshop.Input) bool {
		// The new touchpoints replace all three inputs of the sample.
		drop := touchpoints != "" && in.Step == workshop.Touchpoints && seen
		seen = seen || in.Step == workshop.Touchpoints
		return drop
	})
	for i := range w.Inputs {
		in := &w.Inputs[i]
		switch in.Step {
		case workshop.Scope:
			in.Text = mapType
		case workshop.Resources:
			in.Text = resources
		case workshop.Touchpoints:
			if touchpoints != "" {
				in.Text = touchpoints
			}
		}
	}
	return w
}

func renderTyped(t *testing.T, w *workshop.Workshop, format, lang string) []byte {
	t.Helper()
	cat := prompts.MustLoad()
	w.Lang = lang
	var buf bytes.Buffer
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text(lang, k, a...) }, Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Locale: cat.Locale(lang)}
	if err := Write(&buf, format, w, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// section is the part of a Markdown export from heading to the next "## ".
func section(md, heading string) string {
	_, rest, ok := strings.Cut(md, heading)
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return heading + rest
}

func TestBlueprintExport(t *testing.T) {
	w := typed(workshop.MapServiceBlueprint, "", "T2 | counter staff | <b>queue</b> by hand | till\nneed | queue app\nT2 | floor manager")
	md := string(renderTyped(t, w, MD, "en"))
	golden(t, "maptype-blueprint-en.md", []byte(section(md, "## 3.")))
	want := "| T2 | Shop counter | counter staff; floor manager | &lt;b&gt;queue&lt;/b&gt; by hand | till |"
	if !strings.Contains(md, "#### Backstage lanes") || !strings.Contains(md, want) {
		t.Errorf("md has no lanes row %q:\n%s", want, section(md, "## 3."))
	}
	var doc struct {
		Blueprint []map[string]string `json:"blueprint"`
	}
	if err := json.Unmarshal(renderTyped(t, w, JSON, "en"), &doc); err != nil {
		t.Fatal(err)
	}
	wantJSON := map[string]string{"touchpoint": "T2", "people": "counter staff; floor manager", "process": "<b>queue</b> by hand", "technology": "till"}
	if len(doc.Blueprint) != 1 || !equalMaps(doc.Blueprint[0], wantJSON) {
		t.Errorf("json blueprint %v, want [%v]", doc.Blueprint, wantJSON)
	}
}

// A service blueprint's CSV adds each touchpoint's lanes after the
// columns every CSV has, which keep their names and places; another
// map's CSV has none.
func TestBlueprintCSVAddsTheLanes(t *testing.T) {
	w := typed(workshop.MapServiceBlueprint, "", "T2 | counter staff | =queue by hand | till\nT2 | floor manager")
	for _, tt := range []struct{ lang, lanes, t2 string }{
		{"en", "people,process,technology", "counter staff; floor manager,'=queue by hand,till"},
		{"fr", "personnes,processus,technologie", "counter staff; floor manager,'=queue by hand,till"},
	} {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(renderTyped(t, w, CSV, tt.lang), []byte("\ufeff"))))
		if tt.lang == "fr" {
			r.Comma = ';'
		}
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head, n := rows[0], len(CSVHeader)
		if len(head) != n+3 || strings.Join(head[n:], ",") != tt.lanes {
			t.Errorf("%s header %q, want the lanes %s after the %d usual columns", tt.lang, head, tt.lanes, n)
		}
		if tt.lang == "en" && !slices.Equal(head[:n], CSVHeader) {
			t.Errorf("header %q, want it to start with %q", head, CSVHeader)
		}
		for _, row := range rows[1:] {
			want := ",,"
			if row[0] == "T2" {
				want = tt.t2
			}
			if len(row) != n+3 || strings.Join(row[n:], ",") != want {
				t.Errorf("%s row %q: lanes %q, want %q", tt.lang, row[0], row[n:], want)
			}
		}
	}
	other := typed(workshop.MapCurrentState, "", "need | queue app")
	rows, err := csv.NewReader(bytes.NewReader(renderTyped(t, other, CSV, "en"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], CSVHeader) {
		t.Errorf("a current-state CSV's header %q, want %q", rows[0], CSVHeader)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestEmpathyExport(t *testing.T) {
	w := typed(workshop.MapEmpathyMap, "", "dit | donnez-moi le total\npense | on me cache des frais\nfait | compare trois sites\nressent | de la méfiance\ndit | vite")
	md := string(renderTyped(t, w, MD, "fr"))
	golden(t, "maptype-empathy-fr.md", []byte(section(md, "## 2.")))
	for _, want := range []string{
		"#### Carte d'empathie de Claire, 34",
		"| Dit | Pense |\n|---|---|\n| donnez-moi le total<br>vite | on me cache des frais |\n| **Fait** | **Ressent** |\n| compare trois sites | de la méfiance |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("md lacks %q:\n%s", want, section(md, "## 2."))
		}
	}
	var doc struct {
		Empathy []workshop.Empathy `json:"empathy"`
	}
	if err := json.Unmarshal(renderTyped(t, w, JSON, "fr"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Empathy) != 1 || doc.Empathy[0].Persona != "Claire, 34" || len(doc.Empathy[0].Says) != 2 || doc.Empathy[0].Feels[0] != "de la méfiance" {
		t.Errorf("json empathy %+v", doc.Empathy)
	}
}

func TestDayInTheLifeExport(t *testing.T) {
	w := typed(workshop.MapDayInTheLife, "Alarm app | phone | morning | 0\nLunch order | app | midi | -1\nParcel | courier | evening | 1 | | | offline", "need | x")
	md := string(renderTyped(t, w, MD, "en"))
	tp := section(md, "## 3.")
	golden(t, "maptype-day-en.md", []byte(tp))
	i, j, k := strings.Index(tp, "### Morning"), strings.Index(tp, "### Midday"), strings.Index(tp, "### Evening")
	if i < 0 || j < i || k < j || strings.Contains(tp, "### Before") {
		t.Errorf("phases not in the order of the day:\n%s", tp)
	}
}

// sheetOf is what the PDF's page says of w, in lang.
func sheetOf(w *workshop.Workshop, lang string) string {
	cat := prompts.MustLoad()
	w.Lang = lang
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text(lang, k, a...) }, Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Locale: cat.Locale(lang)}
	sh := Sheet(w, w.Map(), opt)
	var b strings.Builder
	dump := func(sec page.Section) {
		fmt.Fprintf(&b, "## %s\n", sec.Heading)
		for _, c := range sec.Cards {
			fmt.Fprintf(&b, "# %s\n", c.Title)
			for _, l := range c.Lines {
				fmt.Fprintf(&b, "%s|%s\n", l.Label, l.Text)
			}
		}
	}
	for _, sec := range sh.Phases {
		dump(sec)
	}
	for _, sec := range sh.Side {
		dump(sec)
	}
	return strings.ReplaceAll(b.String(), "\u00a0", " ")
}

// The PDF's page shows what the map type collects: a blueprint's lanes
// under their touchpoint, an empathy map's quadrants on the persona's
// card, a day in the life's times of the day as its phases.
func TestSheetShowsTheMapType(t *testing.T) {
	blueprint := sheetOf(typed(workshop.MapServiceBlueprint, "", "T2 | counter staff | queue by hand | till"), "en")
	for _, want := range []string{"People|counter staff", "Process|queue by hand", "Technology|till"} {
		if !strings.Contains(blueprint, want) {
			t.Errorf("blueprint page lacks %s:\n%s", want, blueprint)
		}
	}
	empathy := sheetOf(typed(workshop.MapEmpathyMap, "", "dit | donnez-moi le total\nressent | de la méfiance"), "fr")
	for _, want := range []string{"Dit|donnez-moi le total", "Ressent|de la méfiance"} {
		if !strings.Contains(empathy, want) {
			t.Errorf("empathy page lacks %s:\n%s", want, empathy)
		}
	}
	day := sheetOf(typed(workshop.MapDayInTheLife, "Alarm app | phone | morning | 0\nParcel | courier | evening | 1", "need | x"), "en")
	for _, want := range []string{"## Morning", "## Evening", "Alarm app", "Parcel"} {
		if !strings.Contains(day, want) {
			t.Errorf("day-in-the-life page lacks %s:\n%s", want, day)
		}
	}
	if strings.Contains(day, "## Before") {
		t.Errorf("day-in-the-life page has before/during/after phases:\n%s", day)
	}
}
