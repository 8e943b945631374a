package chart

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	gochart "github.com/wcharczuk/go-chart/v2"
)

// maxLabelRunes is how long a touchpoint label may be before it is cut with
// an ellipsis: 22 runes ("T12 Compare delivery o…") still fit under a tick
// when rotated, and a person recognises the touchpoint from its start.
const maxLabelRunes = 22

// ellipsis is drawn where text was cut. Roboto has U+2026.
const ellipsis = "…"

// clean makes s drawable with font f. The freetype rasteriser draws glyph 0
// (a "tofu" box) for any rune the font lacks, and the embedded Roboto has no
// emoji, arrows or CJK, so those runes are dropped; accented Latin letters are
// kept. Control characters and line breaks become spaces (the renderer draws
// a single line), format characters such as ZWJ and variation selectors are
// dropped, and runs of spaces collapse to one.
func clean(f *truetype.Font, s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending: written only before the next kept rune
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			// Invalid UTF-8 decodes to U+FFFD, which Roboto lacks anyway.
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		case f.Index(r) == 0:
			// Dropping an emoji between two words must not glue them
			// together ("Pay 🎉 now" -> "Pay now", not "Paynow"): the
			// spaces around it already collapse to one.
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n runes, the last one an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 1 {
			cut = i
			break
		}
		n--
	}
	return strings.TrimRight(s[:cut], " ") + ellipsis
}

// measurer measures text the way the PNG renderer will draw it, so the
// layout computed before go-chart runs matches the picture.
type measurer struct {
	r    gochart.Renderer
	font *truetype.Font
}

func newMeasurer(f *truetype.Font) (*measurer, error) {
	// A 1x1 raster is enough: only the glyph metrics are used.
	r, err := gochart.PNG(1, 1)
	if err != nil {
		return nil, err
	}
	r.SetDPI(dpi)
	r.SetFont(f)
	return &measurer{r: r, font: f}, nil
}

// width is the ink width of s at size; 0 for an empty string (go-chart's
// bounds of "" are garbage).
func (m *measurer) width(s string, size float64) int {
	if s == "" {
		return 0
	}
	m.r.SetFontSize(size)
	return m.r.MeasureText(s).Width()
}

// fit shortens s, with an ellipsis, until it is at most max pixels wide;
// it returns "" when not even the ellipsis fits.
func (m *measurer) fit(s string, size float64, max int) string {
	if m.width(s, size) <= max {
		return s
	}
	// Binary search on the rune count: titles can be long.
	lo, hi := 0, utf8.RuneCountInString(s) // lo fits, hi does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if m.width(truncate(s, mid), size) <= max {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return ""
	}
	return truncate(s, lo)
}
