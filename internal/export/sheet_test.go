package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

func sheet(lang string, now time.Time) page.Sheet {
	cat := prompts.MustLoad()
	w := sample()
	w.Lang = lang
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text(lang, k, a...) }, Now: now, Locale: cat.Locale(lang)}
	return Sheet(w, w.Map(), opt)
}

// dump writes what a sheet says, one thing a line, for golden files.
func dump(s page.Sheet) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("title: %s\nsubtitle: %s\nbadge: %s\nlang: %s\n", s.Title, s.Subtitle, s.Badge, s.Lang)
	var keys []string
	for _, k := range s.Legend {
		keys = append(keys, fmt.Sprintf("%s=%s", marks[k.Mark], k.Label))
	}
	p("legend: %s\n", strings.Join(keys, " "))
	section := func(sec page.Section) {
		p("\n## %s [%s]\n", sec.Heading, sec.Tag)
		for _, c := range sec.Cards {
			p("- (%s) %s", marks[c.Mark], c.Title)
			if c.Value != "" {
				p(" | %s", c.Value)
			}
			if c.Highlight {
				p(" | highlighted")
			}
			p("\n")
			for _, l := range c.Lines {
				p("    %s: %s%s\n", tones[l.Tone], l.Label+strings.Repeat(" ", min(1, len(l.Label))), l.Text)
			}
		}
	}
	section(s.Journey)
	for _, ph := range s.Phases {
		section(ph)
	}
	for _, sec := range s.Side {
		section(sec)
	}
	p("\nfooter: %s\n", s.Footer)
	p("continued: %s\nmore: %s / %s\npage: %s\nnothing: %s\n", s.Words.Continued("X"), s.Words.More(1), s.Words.More(2), s.Words.Page(1, 2), s.Words.Nothing)
	return b.Bytes()
}

var marks = map[page.Mark]string{
	page.NoMark: "", page.Furious: "furious", page.Unhappy: "unhappy", page.Indifferent: "indifferent", page.Pleased: "pleased", page.Delighted: "delighted",
	page.Answered: "answered", page.PartlyAnswered: "partly", page.NotAnswered: "not answered", page.Untested: "untested", page.Have: "have", page.Need: "need",
}

var tones = map[page.Tone]string{page.Plain: "plain", page.Muted: "muted", page.Good: "good", page.Bad: "bad"}

// TestPDFSheet: what the PDF says, in English and in French (the drawing
// itself is internal/pdf's, tested there).
func TestPDFSheet(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			golden(t, "w7-"+lang+".sheet", dump(sheet(lang, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))))
		})
	}
}

// A change past its due date says so, in red.
func TestPDFOverdueChange(t *testing.T) {
	s := sheet("en", time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	for _, c := range s.Side[len(s.Side)-1].Cards {
		if strings.HasPrefix(c.Title, "C1 ") { // due 15 Dec 2026
			if l := c.Lines[0]; l.Tone != page.Bad || !strings.Contains(l.Text, "overdue since") {
				t.Errorf("overdue change: %+v", l)
			}
			return
		}
	}
	t.Fatalf("no C1 among the changes: %+v", s.Side[len(s.Side)-1])
}

func TestWriteLeavesPDFToARenderer(t *testing.T) {
	if err := Write(&bytes.Buffer{}, PDF, sample(), Options{}); err == nil {
		t.Error("Write wrote a PDF")
	}
	if !ValidFormat(PDF) || FileName(sample(), PDF) != "journey-w7.pdf" {
		t.Errorf("pdf: valid %v, file name %q", ValidFormat(PDF), FileName(sample(), PDF))
	}
}

// The PDF names nobody for an anonymous item either: its author is
// counted among the contributors, never shown, nor their key.
func TestPDFSheetNamesNobody(t *testing.T) {
	key := sampleSecret.AuthorKey("dee")
	for _, lang := range []string{"en", "fr"} {
		out := string(dump(sheet(lang, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))))
		for _, secret := range []string{key, workshop.AuthorKeyPrefix, string(sampleSecret), "dee"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s sheet holds %q", lang, secret)
			}
		}
	}
}
