package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/pdf/pdftest"
)

// TestExportPDF is issue 16's acceptance for the PDF: a French workshop
// played in the console writes its PDF under -out, and `journeybot export
// -workshop W1 -format pdf` writes one of one or two landscape A4 pages
// that pdftoppm renders, not blank, whose text (read back with pdftotext)
// keeps its accents, euro signs and typographic quotes.
func TestExportPDF(t *testing.T) {
	tools := pdftest.Tools(t)
	script, err := os.ReadFile("testdata/carte.txt")
	if err != nil {
		t.Fatal(err)
	}
	state, out := filepath.Join(t.TempDir(), "s.db"), t.TempDir()
	console, errOut, err := runApp(t, nil, string(script), "console", "-state", state, "-user", "ana", "-lang", "fr", "-out", out)
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut)
	}
	written := filepath.Join(out, "journey-w1.pdf")
	if !strings.Contains(console, "(PDF)") || !strings.Contains(console, written) {
		t.Errorf("the console does not print where it wrote the PDF (%s):\n%s", written, console)
	}
	fromConsole, err := os.ReadFile(written)
	if err != nil {
		t.Fatalf("the console wrote no PDF under -out: %v", err)
	}

	file := filepath.Join(t.TempDir(), "carte.pdf")
	if _, errOut, err := runApp(t, nil, "", "export", "-workshop", "W1", "-format", "pdf", "-state", state, "-out", file); err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string][]byte{"console": fromConsole, "export": doc} {
		pages := tools.Pages(t, d, 40)
		if len(pages) < 1 || len(pages) > 2 {
			t.Errorf("%s: %d pages, want one or two", name, len(pages))
		}
		pdftest.CheckLandscapeA4(t, pages)
		text := pdftest.Words(tools.Text(t, d))
		for _, want := range []string{
			"Itérer", "Après", "€", "4,90 €", "« offre d’essai »", // as typed
			"Refonte du tunnel de commande", "Claire, 34 ans", "T3 Page de paiement", "Objectifs et verdicts",
			"sans réponse : pas de donnée du support", "Afficher les frais de port (4,90 €) dès la page des tarifs", "échéance : 15 décembre 2026",
			"cité dans C2", // goal coverage: the change mentions G1
			"Changements, par priorité", "impact 5 · effort 2 (1 évaluation) · gain rapide",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", name, want, text)
			}
		}
		if c2, c1 := strings.Index(text, "C2 Relancer"), strings.Index(text, "C1 Afficher"); c2 < 0 || c2 > c1 {
			t.Errorf("%s: C2, the quick win, does not come before C1", name)
		}
	}
	if !bytes.Contains(doc, []byte("/Subtype /Image")) {
		t.Error("the PDF has no picture: the emotion curve is missing")
	}

	// On standard output, the PDF is the same document, curve included.
	stdout, errOut, err := runApp(t, nil, "", "export", "-workshop", "W1", "-format", "pdf", "-state", state)
	if err != nil {
		t.Fatalf("export to stdout: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(stdout, "%PDF-") || !strings.Contains(stdout, "/Subtype /Image") {
		t.Errorf("export to stdout: %d bytes, want a PDF with the curve", len(stdout))
	}
}
