// Package pdf lays a journey map out on one landscape A4 page, and a
// second when there is too much, to print and pin on a wall: the title and
// map type, the emotion curve big, the touchpoints as cards in one column
// per phase, and beside them the persona, the goals with their test
// verdicts, the resources and the changes.
//
// It draws what it is given: a page.Sheet whose every word is already in
// the workshop's language (internal/export builds it from a workshop). The
// drawing is done with go-pdf/fpdf (github.com/go-pdf/fpdf), with
// go-chart's Roboto embedded as a UTF-8 TrueType font, so French accents,
// the euro sign and typographic quotes print, and the text can be searched
// and copied out of the PDF (fpdf writes a ToUnicode map for it).
//
// Whatever the map holds, the PDF has at most two pages: what fits on
// neither ends in one line saying how many items were left out, since the
// Markdown export holds the whole map.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/go-pdf/fpdf"

	"github.com/journeybot/journeybot/internal/page"
)

// Page size (A4 landscape) and margin, in millimetres.
const (
	PageWidth  = 297.0
	PageHeight = 210.0
	margin     = 10.0
)

// MaxPages is the most pages Render writes.
const MaxPages = 2

// ErrBadChart is returned when Sheet.Chart is not a PNG fpdf can read.
var ErrBadChart = errors.New("pdf: the chart is not a readable PNG")

// Render draws s as a PDF into w. Nothing is written when it fails.
func Render(w io.Writer, s page.Sheet) error {
	out, err := render(s)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// render draws into memory, so that a failure half-way never leaves a
// truncated file in the caller's writer, and turns a panic inside fpdf
// into an error: a bad export must not take the bot down.
func render(s page.Sheet) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdf: render panicked: %v\n%s", p, debug.Stack())
		}
	}()
	f, err := newDoc(s)
	if err != nil {
		return nil, err
	}
	d := &doc{f: f, s: s}
	if err := d.pages(); err != nil {
		return nil, err
	}
	if f.Err() {
		return nil, fmt.Errorf("pdf: %w", f.Error())
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// newDoc starts an A4 landscape document in millimetres with the font
// loaded and the document's metadata set.
func newDoc(s page.Sheet) (*fpdf.Fpdf, error) {
	face, err := loadFont()
	if err != nil {
		return nil, err
	}
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "L", UnitStr: "mm", SizeStr: "A4"})
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)
	f.AddUTF8FontFromBytes(fontFamily, "", face.ttf)
	f.SetTitle(clean(s.Title), true)
	f.SetSubject(clean(s.Subtitle), true)
	f.SetCreator("journeybot", true)
	f.SetProducer("journeybot", true)
	if s.Lang != "" {
		f.SetLang(s.Lang)
	}
	if !s.Date.IsZero() {
		f.SetCreationDate(s.Date)
		f.SetModificationDate(s.Date)
	}
	f.SetCatalogSort(true)
	if s.Chart != nil {
		info := f.RegisterImageOptionsReader(chartImage, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(s.Chart))
		if info == nil || f.Err() {
			return nil, fmt.Errorf("%w: %v", ErrBadChart, f.Error())
		}
	}
	return f, f.Error()
}

const chartImage = "curve"
