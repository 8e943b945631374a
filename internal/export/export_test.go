package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleSecret is the sample workshop's secret (see workshop.Secret).
var sampleSecret = workshop.Secret("export-test-secret-export-test-s")

// sample is a small finished workshop with text that must be escaped.
func sample() *workshop.Workshop {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	in := func(ts string, step workshop.Step, author, text string) workshop.Input {
		return workshop.Input{ID: ts, TS: ts, Step: step, Author: author, Text: text}
	}
	// dee posts anonymously: her inputs hold an author key, not her id.
	anon := func(ts string, step workshop.Step, text string) workshop.Input {
		return workshop.Input{ID: "form:" + ts, TS: ts, Step: step, AuthorKey: sampleSecret.AuthorKey("dee"), Text: text, Source: workshop.SourceForm}
	}
	return &workshop.Workshop{
		Meta: workshop.Meta{
			ID: "W7", Title: "Checkout <!channel> & co", Lang: "en", Facilitator: "ana", Channel: "C1",
			Step: workshop.Iterate, CreatedAt: at, ClosedAt: at.Add(72 * time.Hour),
			Review: workshop.Review{Cadence: workshop.CadenceMonthly, TZ: "Europe/Paris", NextDue: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)},
			Secret: sampleSecret,
		},
		Inputs: []workshop.Input{
			in("1700000001.000001", workshop.Goals, "ana", "Why do 40% leave at payment?\nWhich touchpoints cause calls?"),
			anon("1700000001.500001", workshop.Goals, "Do we know who the customer is?"),
			in("1700000002.000001", workshop.Personas, "ben", "Claire, 34 | marketing manager, Lyon | values speed; hates <b>hidden</b> fees"),
			in("1700000003.000001", workshop.Touchpoints, "ben", "Pricing page | website | before | -1 | clear tiers | hidden fees | @maria"),
			in("1700000004.000001", workshop.Touchpoints, "cid", "Shop counter | shop | during | 1 | friendly staff | queue / wait (G1)"),
			in("1700000005.000001", workshop.Touchpoints, "ana", "=HYPERLINK(\"evil\") | e-mail | after | +2 | fast | | ideal"),
			anon("1700000005.500001", workshop.Touchpoints, "Invoice e-mail | e-mail | after | -2 | | nobody reads it"),
			in("1700000006.000001", workshop.Scope, "ana", "service-blueprint\nMobile only"),
			in("1700000007.000001", workshop.Resources, "cid", "have | analytics | where people drop out | @ana\nneed | follow-up tool | no follow-up, see G2 | @maria"),
			in("1700000008.000001", workshop.Test, "ben", "G1 partly | drop-off visible, cause unknown"),
			anon("1700000008.500001", workshop.Test, "G3 no | nobody asked them"),
			in("1700000009.000001", workshop.Iterate, "ana", "Show fees early | @leo | 2026-12-15\nCall back within a day (g2, not G20) | @maria"),
			in("1700000010.000001", workshop.Iterate, "ben", "Retry refused cards | @cid | 2027-01-15\n=Rebuild the app | |"),
		},
		Scores: []workshop.Score{
			{Touchpoint: "1700000003.000001#0", User: "cid", Value: -2, At: at},
			{Touchpoint: "1700000003.000001#0", User: "ana", Value: 0, At: at},
		},
		// C3 a quick win (4.5, 1.5), C1 a money pit (2, 4), C2 and C4 unrated.
		Marks: []workshop.Mark{
			{Kind: workshop.MarkRating, Key: "1700000009.000001#0", User: "cid", Impact: 2, Effort: 4, At: at},
			{Kind: workshop.MarkRating, Key: "1700000010.000001#0", User: "ana", Impact: 5, Effort: 1, At: at},
			{Kind: workshop.MarkRating, Key: "1700000010.000001#0", User: "ben", Impact: 4, Effort: 2, At: at},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, got)
	}
}

func render(t *testing.T, format, lang string) []byte {
	t.Helper()
	cat := prompts.MustLoad()
	w := sample()
	w.Lang = lang
	var buf bytes.Buffer
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text(lang, k, a...) }, Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		Chart: "journey-w7-curve.png", Matrix: "journey-w7-matrix.png", Locale: cat.Locale(lang)}
	if format == "changes.csv" {
		if err := WriteChangesCSV(&buf, w, opt); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if err := Write(&buf, format, w, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct{ format, lang string }{{MD, "en"}, {MD, "fr"}, {CSV, "en"}, {CSV, "fr"}, {JSON, "en"}, {"changes.csv", "en"}, {"changes.csv", "fr"}} {
		t.Run(tt.format+"-"+tt.lang, func(t *testing.T) {
			golden(t, "w7-"+tt.lang+"."+tt.format, render(t, tt.format, tt.lang))
		})
	}
}

// A French workshop's CSV opens in a French spreadsheet: a byte-order mark,
// ";" between cells, decimal commas, French headers and words; it still
// parses as CSV, one row per touchpoint.
func TestFrenchCSV(t *testing.T) {
	out := render(t, CSV, "fr")
	if !bytes.HasPrefix(out, []byte("\ufeff")) {
		t.Error("no byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\ufeff"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sample().Map().Touchpoints)+1 || rows[0][2] != "point de contact" {
		t.Fatalf("rows %q", rows)
	}
	for _, row := range rows[1:] {
		if strings.Contains(row[5], ".") || !slices.Contains([]string{"Avant", "Pendant", "Après"}, row[1]) {
			t.Errorf("row %q: want a decimal comma and a French phase", row)
		}
	}
}

func TestMarkdownEscapesUserText(t *testing.T) {
	md := string(render(t, MD, "en"))
	for _, raw := range []string{"<!channel>", "<b>", "&amp;amp;", "&amp; co"} {
		if strings.Contains(md, raw) {
			t.Errorf("md contains %q", raw)
		}
	}
	for in, want := range map[string]string{
		"a | b\nc <d>":       `a \| b c &lt;d&gt;`,
		"Checkout & payment": "Checkout & payment",       // a lone & reads as typed
		"&copy; &#169; &x":   "&amp;copy; &amp;#169; &x", // an entity would be decoded
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	for _, want := range []string{"# Checkout &lt;!channel&gt; & co", "![Emotion curve of Checkout &lt;!channel&gt; & co](journey-w7-curve.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("md lacks %q", want)
		}
	}
	// Every table row keeps its column count despite pipes in the text.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| T") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 10 {
				t.Errorf("row has %d separators, want 10: %s", n, line)
			}
		}
	}
}

func TestCSVOneRowPerTouchpoint(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(render(t, CSV, "en"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The sample is a service blueprint: its lanes follow the usual columns.
	if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(append(CSVHeader, CSVLanesHeader...), ",") {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][0] != "T1" || rows[1][5] != "-1" || rows[1][8] != "3" {
		t.Errorf("pricing page row %q: want mean -1 over 3 scores", rows[1])
	}
	if rows[3][2] != `'=HYPERLINK("evil")` {
		t.Errorf("formula not defused: %q", rows[3][2])
	}
}

func TestJSONShape(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(render(t, JSON, "en"), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"id", "title", "lang", "facilitator", "channel", "map_type", "current_step", "created_at", "closed_at",
		"goals", "personas", "touchpoints", "scope", "resources", "tests", "changes", "coverage", "review", "inputs"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("json lacks %q", key)
		}
	}
	tp := doc["touchpoints"].([]any)[0].(map[string]any)
	for _, key := range []string{"name", "channel", "phase", "emotion", "scores", "positive", "negative", "state", "online", "owner", "author"} {
		if _, ok := tp[key]; !ok {
			t.Errorf("touchpoint lacks %q", key)
		}
	}
	review := doc["review"].(map[string]any)
	for _, key := range []string{"cadence", "spec", "tz", "next_due", "last_review"} {
		if _, ok := review[key]; !ok {
			t.Errorf("review lacks %q", key)
		}
	}
	if got := tp["scores"].(map[string]any); len(got) != 3 || got["cid"] != -2.0 {
		t.Errorf("scores %v", got)
	}
}

// Goal coverage shows in every format: G1 has a verdict and a touchpoint
// mentions it; G2 has none, and a resource and a change mention it ("g2"),
// while "G20" mentions no goal of the workshop.
func TestCoverageInEveryFormat(t *testing.T) {
	var doc Document
	if err := json.Unmarshal(render(t, JSON, "en"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Coverage) != 3 { // G3 is the anonymous goal (TestAnonymousItemsNameNobody)
		t.Fatalf("coverage %+v, want G1, G2 and G3", doc.Coverage)
	}
	g1, g2 := doc.Coverage[0], doc.Coverage[1]
	if g1.ID != "G1" || g1.Verdict == nil || *g1.Verdict != workshop.VerdictPartly || g1.Note != "drop-off visible, cause unknown" || !slices.Equal(g1.Linked, []string{"T2"}) {
		t.Errorf("G1 coverage %+v, want partly with its note, linked to T2", g1)
	}
	if g2.ID != "G2" || g2.Text != "Which touchpoints cause calls?" || g2.Verdict != nil || !slices.Equal(g2.Linked, []string{"R2", "C2"}) {
		t.Errorf("G2 coverage %+v, want no verdict, linked to R2 and C2", g2)
	}
	var raw struct {
		Coverage []map[string]any `json:"coverage"`
	}
	if err := json.Unmarshal(render(t, JSON, "en"), &raw); err != nil {
		t.Fatal(err)
	}
	if v, ok := raw.Coverage[1]["verdict"]; !ok || v != nil {
		t.Errorf("G2's verdict is %v (present %v), want null", v, ok)
	}

	md := string(render(t, MD, "en"))
	for _, want := range []string{"### Goal coverage", "| **G2** Which touchpoints cause calls? | no verdict yet |  | R2, C2 |", "| C2 | Call back within a day"} {
		if !strings.Contains(md, want) {
			t.Errorf("md lacks %q", want)
		}
	}

	for _, lang := range []string{"en", "fr"} {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(render(t, CSV, lang), []byte("\ufeff"))))
		if lang == "fr" {
			r.Comma = ';'
		}
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"en": "G1 partly", "fr": "G1 en partie"}[lang]
		// The goals column is CSVHeader's last; a blueprint's lanes follow it.
		if goals := len(CSVHeader) - 1; rows[2][0] != "T2" || rows[2][goals] != want || rows[1][goals] != "" {
			t.Errorf("%s csv goals column: %q and %q, want %q for T2 and nothing for T1", lang, rows[2], rows[1], want)
		}
	}
}

// An anonymous item names nobody in any export: no author, no author key,
// no secret; JSON says "anonymous", Markdown and CSV "Anonymous".
func TestAnonymousItemsNameNobody(t *testing.T) {
	key := sampleSecret.AuthorKey("dee")
	for _, tt := range []struct{ format, lang string }{{MD, "en"}, {MD, "fr"}, {CSV, "en"}, {CSV, "fr"}, {JSON, "en"}} {
		out := string(render(t, tt.format, tt.lang))
		for _, secret := range []string{key, workshop.AuthorKeyPrefix, string(sampleSecret), "ZXhwb3J0LXRlc3Qt" /* base64 */, "dee"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s %s export holds %q", tt.format, tt.lang, secret)
			}
		}
	}
	var doc Document
	if err := json.Unmarshal(render(t, JSON, "en"), &doc); err != nil {
		t.Fatal(err)
	}
	if g := doc.Goals[2]; !g.Anonymous || g.Author != "" || doc.Goals[0].Anonymous {
		t.Errorf("goals %+v", doc.Goals)
	}
	tp := doc.Touchpoints[3]
	if !tp.Anonymous || tp.Author != "" || tp.OwnerID != "" || len(tp.Scores) != 1 || tp.Scores[workshop.AnonymousScorer] != -2 {
		t.Errorf("anonymous touchpoint %+v", tp)
	}
	if tr := doc.Tests[1]; !tr.Anonymous || tr.Author != "" {
		t.Errorf("tests %+v", doc.Tests)
	}
	anonymous := 0
	for _, in := range doc.Inputs {
		if in.Anonymous {
			anonymous++
			if in.Author != "" {
				t.Errorf("anonymous input %+v", in)
			}
		}
	}
	if anonymous != 3 {
		t.Errorf("%d anonymous inputs in the JSON, want 3", anonymous)
	}
	md := string(render(t, MD, "en"))
	for _, want := range []string{"**G3** Do we know who the customer is? — Anonymous", "| nobody asked them | Anonymous |", "**Contributors**: @ana, @ben, @cid, 1 anonymous"} {
		if !strings.Contains(md, want) {
			t.Errorf("md lacks %q", want)
		}
	}
	if fr := string(render(t, MD, "fr")); !strings.Contains(fr, "— Anonyme") {
		t.Error("French md does not say Anonyme")
	}
	rows, err := csv.NewReader(bytes.NewReader(render(t, CSV, "en"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if last := rows[len(rows)-1]; last[2] != "Invoice e-mail" || last[slices.Index(CSVHeader, "author")] != "Anonymous" {
		t.Errorf("csv row %q: want the author Anonymous", last)
	}
}

// The changes CSV lists every change by priority, one row each, with the
// team's mean impact and effort, how many rated it and its quadrant;
// unrated changes last with empty means. The French one opens in a French
// spreadsheet.
func TestChangesCSV(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(render(t, "changes.csv", "en"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		ChangesCSVHeader,
		{"C3", "Retry refused cards", "'@cid", "2027-01-15", "4.5", "1.5", "2", "quick_win", "ben"}, // an @ is defused, as in the touchpoints' CSV
		{"C1", "Show fees early", "'@leo", "2026-12-15", "2", "4", "1", "money_pit", "ana"},
		{"C2", "Call back within a day (g2, not G20)", "'@maria", "", "", "", "0", "", "ana"},
		{"C4", "'=Rebuild the app", "", "", "", "", "0", "", "ben"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal[[]string]) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}

	out := render(t, "changes.csv", "fr")
	if !bytes.HasPrefix(out, []byte("\ufeff")) {
		t.Error("no byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\ufeff"))))
	r.Comma = ';'
	fr, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(fr) != 5 || fr[0][1] != "changement" || fr[1][4] != "4,5" || fr[1][7] != "gain rapide" || fr[2][7] != "gouffre" {
		t.Errorf("French rows %q", fr)
	}
}

// An anonymous change's author cell says "Anonymous", as the touchpoints'
// CSV does, in the workshop's language.
func TestChangesCSVAnonymous(t *testing.T) {
	cat := prompts.MustLoad()
	for lang, want := range map[string]string{"en": ",Anonymous\n", "fr": ";Anonyme\n"} {
		w := sample()
		w.Inputs = append(w.Inputs, workshop.Input{ID: "form:1700000011.000001", TS: "1700000011.000001", Step: workshop.Iterate,
			AuthorKey: sampleSecret.AuthorKey("dee"), Text: "Ask why baskets are left", Source: workshop.SourceForm})
		var buf bytes.Buffer
		if err := WriteChangesCSV(&buf, w, Options{Locale: cat.Locale(lang)}); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); !strings.HasSuffix(out, want) || strings.Contains(out, "dee") {
			t.Errorf("%s changes CSV:\n%s", lang, out)
		}
	}
}

// json: each change carries its ratings, by priority; an unrated change's
// means are null.
func TestJSONRatings(t *testing.T) {
	var doc struct {
		Changes []struct {
			ID      string
			Ratings map[string]any
		}
	}
	if err := json.Unmarshal(render(t, JSON, "en"), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range doc.Changes {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, " ") != "C3 C1 C2 C4" {
		t.Fatalf("changes %v, want C3 C1 C2 C4", ids)
	}
	if r := doc.Changes[0].Ratings; r["impact"] != 4.5 || r["effort"] != 1.5 || r["count"] != 2.0 || r["quadrant"] != "quick_win" {
		t.Errorf("C3 ratings %v", r)
	}
	if r := doc.Changes[3].Ratings; r["impact"] != nil || r["effort"] != nil || r["count"] != 0.0 {
		t.Errorf("unrated C4 ratings %v", r)
	}
	for _, key := range []string{"impact", "effort", "count"} {
		if _, ok := doc.Changes[3].Ratings[key]; !ok {
			t.Errorf("unrated ratings lack %q", key)
		}
	}
}

// md: the changes by priority in a table with their ratings, the matrix
// above it, the order explained.
func TestMarkdownRatings(t *testing.T) {
	md := string(render(t, MD, "en"))
	for _, want := range []string{
		"![Impact and effort matrix of Checkout &lt;!channel&gt; & co](journey-w7-matrix.png)",
		"| C3 | Retry refused cards | @cid | Fri 15 Jan 2027 | 4.5 | 1.5 | 2 | quick win |",
		"| C1 | Show fees early | @leo | Tue 15 Dec 2026 | 2 | 4 | 1 | money pit |",
		"| C4 | =Rebuild the app |  |  | — | — | 0 | — |",
		"_Ordered by the team's ratings",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("md lacks %q", want)
		}
	}
	if strings.Index(md, "| C3 |") > strings.Index(md, "| C1 |") {
		t.Error("C1 before C3")
	}
	if fr := string(render(t, MD, "fr")); !strings.Contains(fr, "| C3 | Retry refused cards | @cid | 15 janvier 2027 | 4,5 | 1,5 | 2 | gain rapide |") {
		t.Errorf("French md lacks C3's row with decimal commas:\n%s", fr)
	}
}
