package pdf

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/journeybot/journeybot/internal/chart"
	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/pdf/pdftest"
	"github.com/journeybot/journeybot/internal/workshop"
)

// -sample writes the sample PDFs to a directory, to look at them:
//
//	go test ./internal/pdf -run TestSample -sample /tmp
var sampleDir = flag.String("sample", "", "write sample PDFs to this directory")

func words() page.Words {
	return page.Words{
		Continued: func(h string) string { return h + " (suite)" },
		More:      func(n int) string { return fmt.Sprintf("%d éléments de plus : l’export md a toute la carte.", n) },
		Page:      func(n, of int) string { return fmt.Sprintf("Page %d sur %d", n, of) },
		Nothing:   "Rien pour l’instant.",
	}
}

// curvePNG draws the curve of tps, once per number of touchpoints: a
// chart takes a while to draw, under the race detector most of all.
func curvePNG(t testing.TB, tps []workshop.Touchpoint) []byte {
	t.Helper()
	curvesMu.Lock()
	defer curvesMu.Unlock()
	if png, ok := curves[len(tps)]; ok {
		return png
	}
	var buf bytes.Buffer
	err := chart.Render(&buf, chart.Curve{
		Points:      chart.FromTouchpoints(tps),
		PhaseLabels: map[workshop.Phase]string{workshop.Before: "Avant", workshop.During: "Pendant", workshop.After: "Après"},
		YLabel:      "Émotion", LegendMean: "Moyenne de l’équipe", LegendSpread: "Écart des notes", LegendIdeal: "Idéal",
	})
	if err != nil {
		t.Fatal(err)
	}
	curves[len(tps)] = buf.Bytes()
	return buf.Bytes()
}

var (
	curvesMu sync.Mutex
	curves   = map[int][]byte{}
)

// frenchSheet is a French map of n touchpoints, with every kind of card.
func frenchSheet(t testing.TB, n int) page.Sheet {
	t.Helper()
	names := []string{"Publicité Instagram", "Page des tarifs", "Création du compte", "Panier", "Paiement 💳 par carte", "3-D Secure", "E-mail de confirmation", "Livraison à domicile", "Colis reçu"}
	var tps []workshop.Touchpoint
	phases := []page.Section{{Heading: "Avant"}, {Heading: "Pendant"}, {Heading: "Après"}}
	for i := range n {
		ph := workshop.Phases[min(2, i*3/n)]
		score := (i*7)%5 - 2
		tp := workshop.Touchpoint{ID: fmt.Sprintf("T%d", i+1), Name: names[i%len(names)], Phase: ph, Scores: map[string]int{"U1": score, "U2": max(-2, score-1)}}
		tps = append(tps, tp)
		c := page.Card{
			Mark: page.Emotion(tp.Mean()), Title: tp.ID + " " + tp.Name, Value: strings.Replace(workshop.FormatScore(tp.Mean()), "-", "−", 1),
			Lines: []page.Line{
				{Tone: page.Muted, Text: "site web · mécontent · 2 notes"},
				{Tone: page.Good, Label: "+", Text: "offres claires, « sans engagement »"},
				{Tone: page.Bad, Label: "−", Text: "frais cachés de 4,90 € découverts au dernier moment, ce qui agace"},
				{Tone: page.Muted, Text: "Responsable : @ben"},
			},
		}
		phases[ph.Order()].Cards = append(phases[ph.Order()].Cards, c)
	}
	return page.Sheet{
		Title:    "Refonte du tunnel de commande",
		Subtitle: "Carte du parcours client · atelier W1 · animé par ana · exporté le 22 novembre 2026",
		Badge:    "état actuel",
		Lang:     "fr",
		Chart:    curvePNG(t, tps[:min(len(tps), 12)]),
		Journey:  page.Section{Heading: "Points de contact par phase", Tag: "3. Points de contact"},
		Legend:   []page.Key{{Mark: page.Furious, Label: "furieux"}, {Mark: page.Unhappy, Label: "mécontent"}, {Mark: page.Indifferent, Label: "indifférent"}, {Mark: page.Pleased, Label: "satisfait"}, {Mark: page.Delighted, Label: "ravi"}},
		Phases:   phases,
		Side: []page.Section{
			{Heading: "Persona", Tag: "2. Profils", Cards: []page.Card{{Highlight: true, Title: "Claire, 34 ans", Lines: []page.Line{
				{Text: "cheffe de projet marketing, Lyon, sur mobile"}, {Tone: page.Muted, Text: "aime aller vite ; déteste les frais cachés"}}}}},
			{Heading: "Objectifs et verdicts", Tag: "1. Objectifs · 6. Tester", Cards: []page.Card{
				{Mark: page.PartlyAnswered, Title: "G1 Pourquoi 40 % des visiteurs quittent-ils la page de paiement ?", Lines: []page.Line{{Tone: page.Muted, Text: "en partie : abandon visible, cause inconnue"}}},
				{Mark: page.Untested, Title: "G2 Quels points de contact font appeler le support ?", Lines: []page.Line{{Tone: page.Muted, Text: "pas encore testé"}}},
			}},
			{Heading: "Ressources", Tag: "5. Ressources", Cards: []page.Card{
				{Mark: page.Have, Title: "Analytics", Value: "acquis", Lines: []page.Line{{Tone: page.Muted, Text: "comble : où les gens abandonnent · @ana"}}},
				{Mark: page.Need, Title: "Outil de relance", Value: "à trouver", Lines: []page.Line{{Tone: page.Muted, Text: "comble : pas de relance après un refus · @chloe"}}},
			}},
			{Heading: "Changements", Tag: "7. Itérer", Cards: []page.Card{
				{Title: "C1 Afficher les frais (4,90 €) sur la page des tarifs", Lines: []page.Line{{Tone: page.Muted, Text: "@ben · échéance : 15 décembre 2026"}}},
				{Title: "C2 Relancer les cartes refusées avec un message clair", Lines: []page.Line{{Tone: page.Bad, Text: "@chloe · échéance dépassée (15 janvier 2026)"}}},
			}},
		},
		Footer: "Revues : mensuelles (le 1er du mois, à 9 h) · Prochaine revue : 1er décembre 2026 à 9 h (CET)",
		Words:  words(),
		Date:   time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	}
}

func mustRender(t testing.TB, s page.Sheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(20, buf.Len())])
	}
	return buf.Bytes()
}

func TestSample(t *testing.T) {
	if *sampleDir == "" {
		t.Skip("no -sample directory")
	}
	side := frenchSheet(t, 4)
	for i := 3; i <= 12; i++ {
		side.Side[3].Cards = append(side.Side[3].Cards, page.Card{Title: fmt.Sprintf("C%d Changement numéro %d", i, i), Lines: []page.Line{{Tone: page.Muted, Text: "@ana · échéance : 1er mars 2027"}}})
	}
	for name, s := range map[string]page.Sheet{"map-sample": frenchSheet(t, 9), "map-sample-long": frenchSheet(t, 40), "map-sample-side": side} {
		if err := os.WriteFile(filepath.Join(*sampleDir, name+".pdf"), mustRender(t, s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRenderReadsBack renders a French map and reads it as a person would:
// one landscape A4 page that is not blank, and its words, accents, euro
// signs and quotes intact in the text pdftotext extracts.
func TestRenderReadsBack(t *testing.T) {
	tools := pdftest.Tools(t)
	s := frenchSheet(t, 9)
	s.Side[3].Cards[1].Title = "C2 Relancer l’été les cartes refusées avec un message “clair”"
	doc := mustRender(t, s)
	pages := tools.Pages(t, doc, 40)
	if len(pages) != 1 {
		t.Errorf("%d pages, want 1", len(pages))
	}
	pdftest.CheckLandscapeA4(t, pages)
	text := pdftest.Words(tools.Text(t, doc))
	for _, want := range []string{
		"Refonte du tunnel de commande", "Itérer", "Après", "4,90 €", "« sans engagement »", "l’été", "“clair”",
		"Claire, 34 ans", "G1 Pourquoi 40 % des visiteurs", "à trouver", "Responsable : @ben",
		"T9 Colis reçu", "Paiement par carte", // the emoji is dropped, its words kept apart
		"furieux", "ravi", "Prochaine revue",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Page 1") {
		t.Errorf("a one-page PDF is numbered:\n%s", text)
	}
}

// TestLongMapTakesTwoPages: what page 1 cannot hold goes on page 2, and
// what page 2 cannot hold either is counted in one line; never a third page.
func TestLongMapTakesTwoPages(t *testing.T) {
	tools := pdftest.Tools(t)
	for _, n := range []int{40, 500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			doc := mustRender(t, frenchSheet(t, n))
			pages := tools.Pages(t, doc, 30)
			if len(pages) != 2 {
				t.Fatalf("%d touchpoints: %d pages, want 2", n, len(pages))
			}
			pdftest.CheckLandscapeA4(t, pages)
			text := pdftest.Words(tools.Text(t, doc))
			for _, want := range []string{"Page 1 sur 2", "Page 2 sur 2", "Avant (suite)", "éléments de plus : l’export md a toute la carte.", "T1 ", "C2 Relancer"} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks %q", want)
				}
			}
			// Every touchpoint is on the page or counted as left out.
			shown := 0
			for i := 1; i <= n; i++ {
				if strings.Contains(text, fmt.Sprintf("T%d ", i)) {
					shown++
				}
			}
			more := strings.Index(text, " éléments de plus")
			left := 0
			fmt.Sscan(text[strings.LastIndex(text[:more], " ")+1:more], &left)
			if shown+left != n {
				t.Errorf("%d touchpoints shown and %d counted as left out, want %d in all", shown, left, n)
			}
		})
	}
}

// TestLongSideColumn: changes the side column cannot hold go under the
// touchpoints when these leave room (the chart shrinking for them), and
// the page stays one page.
func TestLongSideColumn(t *testing.T) {
	tools := pdftest.Tools(t)
	s := frenchSheet(t, 4)
	changes := &s.Side[len(s.Side)-1]
	for i := 3; i <= 12; i++ {
		changes.Cards = append(changes.Cards, page.Card{Title: fmt.Sprintf("C%d Changement numéro %d", i, i), Lines: []page.Line{{Tone: page.Muted, Text: "@ana · échéance : 1er mars 2027"}}})
	}
	doc := mustRender(t, s)
	pages := tools.Pages(t, doc, 30)
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	text := pdftest.Words(tools.Text(t, doc))
	for _, want := range []string{"Changements (suite)", "C12 Changement numéro 12", "T4 "} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
}

// TestEmptyMap: a workshop with nothing yet is still a page, saying so.
func TestEmptyMap(t *testing.T) {
	tools := pdftest.Tools(t)
	s := page.Sheet{Title: "Nouvel atelier", Phases: []page.Section{{Heading: "Avant"}, {Heading: "Pendant"}, {Heading: "Après"}},
		Side: []page.Section{{Heading: "Profil"}, {Heading: "Changements décidés", Tag: "7. Itérer"}}, Words: words()}
	doc := mustRender(t, s)
	pages := tools.Pages(t, doc, 30)
	if len(pages) != 1 {
		t.Errorf("%d pages, want 1", len(pages))
	}
	pdftest.CheckLandscapeA4(t, pages)
	text := pdftest.Words(tools.Text(t, doc))
	if n := strings.Count(text, "Rien pour l’instant."); n != 5 {
		t.Errorf("%d sections say they are empty, want 5:\n%s", n, text)
	}
}

func TestRenderIsReproducible(t *testing.T) {
	s := frenchSheet(t, 9)
	a, b := mustRender(t, s), mustRender(t, s)
	if !bytes.Equal(a, b) {
		t.Error("the same sheet renders to two different files")
	}
}

func TestBadChart(t *testing.T) {
	s := frenchSheet(t, 9)
	s.Chart = []byte("not a picture")
	var buf bytes.Buffer
	if err := Render(&buf, s); !errors.Is(err, ErrBadChart) {
		t.Errorf("err = %v, want ErrBadChart", err)
	}
	if buf.Len() > 0 {
		t.Errorf("%d bytes written on failure", buf.Len())
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"Paiement 💳 par carte":        "Paiement par carte",
		"deux\nlignes\t et  espaces ": "deux lignes et espaces",
		"frais\u00a0: 4,90\u202f€":    "frais\u00a0: 4,90\u202f€",
		"« citation » l’été – “ok” …": "« citation » l’été – “ok” …",
		"👩‍💻 dev":                     "dev",
		"bad \xff utf-8":              "bad utf-8",
		"emoji-only 🎉🎉":               "emoji-only",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	// One unit per rune keeps the arithmetic readable.
	w := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, c := range []struct {
		in    string
		width float64
		max   int
		want  []string
	}{
		{"un deux trois quatre", 9, 5, []string{"un deux", "trois", "quatre"}},
		{"un deux trois quatre", 9, 2, []string{"un deux", "trois…"}},
		{"prix\u00a0: 4,90 €", 8, 5, []string{"prix\u00a0:", "4,90 €"}},
		{"anticonstitutionnellement", 10, 5, []string{"anticonsti", "tutionnell", "ement"}},
		{"", 10, 3, nil},
		{"court", 10, 1, []string{"court"}},
	} {
		if got := wrap(c.in, c.width, c.max, w); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %v, %d) = %q, want %q", c.in, c.width, c.max, got, c.want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	s := frenchSheet(b, 12)
	for b.Loop() {
		if err := Render(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
