package pdf

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	"github.com/wcharczuk/go-chart/v2/roboto"
)

// fontFamily is the name the document knows the embedded font by.
const fontFamily = "roboto"

// The embedded font is go-chart's Roboto Medium, the face the emotion
// curve is drawn in, so the page and its chart read as one. It has the
// Latin letters with their accents, €, « », ’, “ ”, …, – — and the
// no-break spaces French typography puts before : ; ? !, but no emoji,
// arrows or shapes: marks are drawn as shapes instead.
type face struct {
	ttf  []byte
	font *truetype.Font
}

var (
	fontOnce sync.Once
	fontFace *face
	fontErr  error
)

func loadFont() (*face, error) {
	fontOnce.Do(func() {
		f, err := truetype.Parse(roboto.Roboto)
		if err != nil {
			fontErr = fmt.Errorf("pdf: parse the embedded font: %w", err)
			return
		}
		fontFace = &face{ttf: roboto.Roboto, font: f}
	})
	return fontFace, fontErr
}

// ellipsis ends text that was cut.
const ellipsis = "…"

// clean makes s printable in the embedded font on one line: line breaks
// and other control or space characters become one space (no-break spaces
// stay, French typography needs them), format characters such as ZWJ and
// variation selectors go, and so do runes the font has no glyph for
// (emoji): fpdf would print nothing or a box, and its line measure reads
// a table only as long as the font's last rune.
func clean(s string) string {
	f, err := loadFont()
	if err != nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending: written only before the next kept rune
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case r == '\u00a0' || r == '\u202f':
			// A no-break space binds its neighbours: keep it as it is.
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r), f.font.Index(r) == 0:
			// Dropping an emoji between two words must not glue them:
			// the spaces around it collapse to one.
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

// measure is how wide a string is in the current font, in millimetres.
type measure func(string) float64

// wrap breaks s into lines at most width wide, cutting at plain spaces
// only (a no-break space keeps its words together) and inside a word only
// when the word alone is too wide. When more than maxLines are needed, the
// last kept line ends in an ellipsis.
func wrap(s string, width float64, maxLines int, w measure) []string {
	s = clean(s)
	if s == "" || maxLines < 1 {
		return nil
	}
	var lines []string
	var cur string
	for _, word := range strings.Split(s, " ") {
		if word == "" {
			continue
		}
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if w(try) <= width {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		// The word starts a line; split it when it is too wide even so.
		for w(word) > width {
			n := fitRunes(word, width, w)
			lines = append(lines, word[:n])
			word = word[n:]
		}
		cur = word
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		last := lines[maxLines-1] + " " + lines[maxLines]
		lines = lines[:maxLines]
		lines[maxLines-1] = cut(last, width, w)
	}
	return lines
}

// fitRunes is how many bytes of s, whole runes and at least one, fit in
// width.
func fitRunes(s string, width float64, w measure) int {
	n := 0
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if n > 0 && w(s[:end]) > width {
			break
		}
		n = end
	}
	return n
}

// cut shortens s to fit in width with an ellipsis at its end (s as it is
// when it fits).
func cut(s string, width float64, w measure) string {
	if w(s) <= width {
		return s
	}
	const trim = " \u00a0\u202f,;:·–—"
	// Between words when a word can stay, else inside the first one.
	for i := strings.LastIndexByte(s, ' '); i > 0; i = strings.LastIndexByte(s[:i], ' ') {
		if t := strings.TrimRight(s[:i], trim) + ellipsis; t != ellipsis && w(t) <= width {
			return t
		}
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		t := strings.TrimRight(string(runes[:n]), trim) + ellipsis
		if w(t) <= width {
			return t
		}
	}
	return ellipsis
}
