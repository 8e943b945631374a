package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/prompts"
)

// pages is a PDFRenderer that keeps the sheets it was asked to draw.
type pages struct {
	mu  sync.Mutex
	got []page.Sheet
}

func (p *pages) RenderPDF(_ context.Context, s page.Sheet) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, s)
	return []byte("%PDF-1.3 " + s.Title), nil
}

func newPDFHarness(t *testing.T, pdfs engine.PDFRenderer) (*harness, *curves) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	ch := &curves{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: rec, Catalog: prompts.MustLoad(),
		Now: func() time.Time { return now0 }, Charts: ch, PDFs: pdfs})
	return &harness{t: t, eng: eng, rec: rec, store: store}, ch
}

// `/journey export pdf` uploads one PDF with the curve drawn inside it,
// untitled (the page names the workshop and the persona itself).
func TestExportPDF(t *testing.T) {
	pdfs := &pages{}
	h, charts := newPDFHarness(t, pdfs)
	h.cmd("ana", "start Refonte du tunnel")
	h.cmd("ana", "lang fr")
	h.reply("ana", "Pourquoi 40 % des visiteurs partent-ils")
	h.cmd("ana", "next")
	h.reply("ana", "Claire, 34 ans | cheffe de projet | pressée")
	h.cmd("ana", "next")
	h.reply("ben", "Page de paiement | site web | après | -2 | | frais de 4,90 €")

	before := len(h.rec.files)
	if posts := h.cmd("ben", "export PDF"); len(posts) != 0 {
		t.Errorf("export answered %d messages besides the file: %s", len(posts), posts[0].text())
	}
	files := h.rec.files[before:]
	if len(files) != 1 {
		t.Fatalf("%d files uploaded, want the PDF alone", len(files))
	}
	f := files[0]
	if f.Name != "journey-w1.pdf" || f.Channel != channel || !strings.HasPrefix(string(f.Data), "%PDF-") || f.Title != "Refonte du tunnel (PDF)" {
		t.Errorf("file %q in %q titled %q: %q", f.Name, f.Channel, f.Title, f.Data)
	}
	if len(pdfs.got) != 1 {
		t.Fatalf("%d sheets drawn, want 1", len(pdfs.got))
	}
	s := pdfs.got[0]
	if s.Title != "Refonte du tunnel" || s.Lang != "fr" || string(s.Chart) != "png" || s.Phases[2].Heading != "Après" {
		t.Errorf("sheet %q lang %q chart %q, third phase %q", s.Title, s.Lang, s.Chart, s.Phases[2].Heading)
	}
	if c := charts.last(); c.Title != "" || len(c.Touchpoints) != 1 || c.Labels.Phases["after"] != "Après" {
		t.Errorf("curve drawn for the PDF: %+v", c)
	}
}

// Before any touchpoint there is no curve to draw, and the PDF comes
// without one.
func TestExportPDFWithoutTouchpoints(t *testing.T) {
	pdfs := &pages{}
	h, charts := newPDFHarness(t, pdfs)
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "export pdf")
	if len(pdfs.got) != 1 || pdfs.got[0].Chart != nil || len(charts.got) != 0 {
		t.Errorf("sheets %d, chart %q, curves drawn %d: want a PDF without a curve", len(pdfs.got), pdfs.got[0].Chart, len(charts.got))
	}
}

// A server without a PDF renderer says so, and offers the other formats.
func TestExportPDFUnavailable(t *testing.T) {
	h, _ := newPDFHarness(t, nil)
	h.cmd("ana", "start Checkout")
	msg := only(t, h.cmd("ana", "export pdf"), true)
	if !strings.Contains(msg.text(), "PDF exports are not available") || len(h.rec.files) != 0 {
		t.Errorf("answer %q, %d files", msg.text(), len(h.rec.files))
	}
	msg = only(t, h.cmd("ana", "export docx"), true)
	if !strings.Contains(msg.text(), "pdf") {
		t.Errorf("unknown format answer does not offer pdf: %q", msg.text())
	}
}
