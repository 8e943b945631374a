package pdf

import (
	"github.com/go-pdf/fpdf"

	"github.com/journeybot/journeybot/internal/page"
)

// rgb is a colour.
type rgb struct{ r, g, b int }

// The palette follows the chart's (internal/chart/draw.go): the same ink,
// the same blue for the team, reds for pain and greens for delight.
var (
	white     = rgb{255, 255, 255}
	ink       = rgb{33, 37, 41}
	muted     = rgb{95, 99, 104}
	rule      = rgb{206, 212, 218}
	accent    = rgb{29, 91, 191}
	deepBlue  = rgb{22, 62, 130}
	cardFill  = rgb{244, 246, 248}
	tintFill  = rgb{228, 237, 252}
	goodColor = rgb{30, 126, 70}
	badColor  = rgb{178, 40, 48}
)

var markColors = map[page.Mark]rgb{
	page.Furious:        {192, 41, 43},
	page.Unhappy:        {230, 112, 34},
	page.Indifferent:    {128, 138, 145},
	page.Pleased:        {76, 168, 90},
	page.Delighted:      {24, 122, 62},
	page.Answered:       {39, 160, 90},
	page.PartlyAnswered: {232, 160, 20},
	page.NotAnswered:    {192, 41, 43},
	page.Untested:       {160, 166, 172},
	page.Have:           accent,
	page.Need:           {230, 112, 34},
}

var toneColors = map[page.Tone]rgb{page.Plain: ink, page.Muted: muted, page.Good: goodColor, page.Bad: badColor}

// style is a font size in points, fake bold or not, and a colour.
type style struct {
	size float64
	bold bool
	c    rgb
}

// The type scale. One face (Roboto Medium) is embedded; bold is drawn by
// stroking the glyphs' outline too, which keeps the text extractable.
var (
	titleStyle    = style{20, true, ink}
	subtitleStyle = style{8, false, muted}
	badgeStyle    = style{8, true, accent}
	headingStyle  = style{9, true, ink}
	tagStyle      = style{6.4, false, muted}
	chevronStyle  = style{8.5, true, white}
	cardTitle     = style{7.6, true, ink}
	personaTitle  = style{10.5, true, deepBlue}
	lineStyle     = style{6.6, false, ink}
	legendStyle   = style{6.4, false, muted}
	footerStyle   = style{6.5, false, muted}
)

const ptToMM = 25.4 / 72

// lineHeight is the height of one line of text in st, in millimetres.
func (st style) lineHeight() float64 { return st.size * ptToMM * 1.25 }

// baseline is where text in st sits in a line box starting at top: its
// capitals centred in the box.
func (st style) baseline(top float64) float64 {
	return top + (st.lineHeight()+0.71*st.size*ptToMM)/2
}

// doc draws one sheet.
type doc struct {
	f *fpdf.Fpdf
	s page.Sheet
	// dry lays cards and headings out without drawing them, to measure
	// how much room they take.
	dry bool
}

// card is a card to draw: one of the sheet's, or a bare line of text (an
// empty section's Nothing).
type card struct {
	page.Card
	note bool
}

// section is a section to draw; cont says its heading already says it
// continues from an earlier column.
type section struct {
	page.Section
	cont bool
}

func (d *doc) use(st style) {
	d.f.SetFont(fontFamily, "", st.size)
	d.f.SetTextColor(st.c.r, st.c.g, st.c.b)
}

// width measures s in st.
func (d *doc) width(st style) measure {
	return func(s string) float64 {
		d.use(st)
		w := d.f.GetStringWidth(s)
		if st.bold {
			w += st.size * ptToMM * 0.03
		}
		return w
	}
}

// text prints s with its baseline at y. s must be clean (see clean).
func (d *doc) text(st style, x, y float64, s string) {
	if s == "" {
		return
	}
	d.use(st)
	if st.bold {
		d.f.SetDrawColor(st.c.r, st.c.g, st.c.b)
		d.f.SetLineWidth(st.size * ptToMM * 0.035)
		d.f.SetLineJoinStyle("round")
		d.f.SetTextRenderingMode(2) // fill, then stroke
		d.f.Text(x, y, s)
		d.f.SetTextRenderingMode(0)
		return
	}
	d.f.Text(x, y, s)
}

// textRight prints s ending at x.
func (d *doc) textRight(st style, x, y float64, s string) {
	d.text(st, x-d.width(st)(s), y, s)
}

func (d *doc) fill(c rgb) { d.f.SetFillColor(c.r, c.g, c.b) }
func (d *doc) draw(c rgb) { d.f.SetDrawColor(c.r, c.g, c.b) }

// mark draws m centred at x, y, size s across.
func (d *doc) mark(m page.Mark, x, y, s float64) {
	c, ok := markColors[m]
	if !ok {
		return
	}
	d.fill(c)
	d.draw(c)
	d.f.SetLineWidth(0.45)
	switch m {
	case page.Answered, page.PartlyAnswered, page.NotAnswered:
		d.f.RoundedRect(x-s/2, y-s/2, s, s, s/5, "1234", "F")
	case page.Untested:
		d.f.RoundedRect(x-s/2+0.2, y-s/2+0.2, s-0.4, s-0.4, s/5, "1234", "D")
	case page.Need:
		d.f.Circle(x, y, s/2-0.2, "D")
	default:
		d.f.Circle(x, y, s/2, "F")
	}
}

// header draws the title, subtitle and badge, and the rule under them.
func (d *doc) header() {
	f := d.f
	right := PageWidth - margin
	badge := clean(d.s.Badge)
	badgeW := 0.0
	if badge != "" {
		badgeW = d.width(badgeStyle)(badge) + 6
		d.fill(tintFill)
		f.RoundedRect(right-badgeW, margin+0.6, badgeW, 6.4, 3.2, "1234", "F")
		d.text(badgeStyle, right-badgeW+3, badgeStyle.baseline(margin+0.6+(6.4-badgeStyle.lineHeight())/2), badge)
	}
	room := right - margin - badgeW - 6
	title := clean(d.s.Title)
	st := titleStyle
	for st.size > 14 && d.width(st)(title) > room {
		st.size -= 0.5
	}
	d.text(st, margin, margin+7.2, cut(title, room, d.width(st)))
	d.text(subtitleStyle, margin, margin+12.6, cut(clean(d.s.Subtitle), right-margin, d.width(subtitleStyle)))
	d.draw(accent)
	f.SetLineWidth(0.6)
	f.Line(margin, margin+15.6, right, margin+15.6)
}

// Page regions, in millimetres.
const (
	bodyTop    = margin + 19
	bodyBottom = PageHeight - margin - 0.5
	gutter     = 6.0
	sideWidth  = 82.0
	mainWidth  = PageWidth - 2*margin - gutter - sideWidth
	colGap     = 3.0
)

// footer prints the footer text and the page number.
func (d *doc) footer(page, of int) {
	y := PageHeight - margin + 4.5
	right := PageWidth - margin
	num := ""
	if d.s.Words.Page != nil && of > 1 {
		num = clean(d.s.Words.Page(page, of))
	}
	numW := d.width(footerStyle)(num)
	d.text(footerStyle, margin, y, cut(clean(d.s.Footer), right-margin-numW-6, d.width(footerStyle)))
	d.textRight(footerStyle, right, y, num)
}

// Card geometry.
const (
	cardPad     = 1.5
	markSize    = 2.6
	markRoom    = 4.2 // from the card's text edge to the text, when marked
	cardGap     = 1.6
	sectionGap  = 3.2
	headingRoom = 6.4
	stripWidth  = 1.0
	maxCardRows = 9 // title rows included
)

// cardLayout is a card measured for one width.
type cardLayout struct {
	h     float64
	title []string
	rows  []row
}

type row struct {
	tone  page.Tone
	label string // on the row's first line only
	text  string
	first bool
}

func (c card) titleStyle() style {
	if c.Highlight {
		return personaTitle
	}
	return cardTitle
}

// textX is where a card's text starts, from its left edge.
func (c card) textX() float64 {
	x := cardPad
	if c.Mark != page.NoMark {
		x += markRoom
	} else if !c.note {
		x += 0.6
	}
	return x
}

// lay measures c at width w.
func (d *doc) lay(c card, w float64) cardLayout {
	var l cardLayout
	if c.note {
		for _, ln := range c.Lines {
			for _, t := range wrap(ln.Text, w, 3, d.width(lineStyle)) {
				l.rows = append(l.rows, row{tone: ln.Tone, text: t, first: true})
			}
		}
		l.h = float64(len(l.rows)) * lineStyle.lineHeight()
		return l
	}
	inner := w - c.textX() - cardPad
	ts := c.titleStyle()
	titleRoom := inner
	if v := clean(c.Value); v != "" {
		titleRoom -= d.width(ts)(v) + 2
	}
	l.title = wrap(c.Title, titleRoom, 2, d.width(ts))
	budget := maxCardRows - len(l.title)
	for _, ln := range c.Lines {
		label := clean(ln.Label)
		indent := 0.0
		if label != "" {
			indent = d.width(style{lineStyle.size, true, ink})(label) + 1
		}
		for i, t := range wrap(ln.Text, inner-indent, 3, d.width(lineStyle)) {
			if budget == 0 {
				break
			}
			l.rows = append(l.rows, row{tone: ln.Tone, label: label, text: t, first: i == 0})
			budget--
		}
	}
	l.h = 2*cardPad + float64(len(l.title))*ts.lineHeight() + float64(len(l.rows))*lineStyle.lineHeight()
	if len(l.title) == 0 && len(l.rows) == 0 {
		l.h = 0
	}
	return l
}

// card draws c, laid out as l, with its top left corner at x, y.
func (d *doc) card(c card, l cardLayout, x, y, w float64) {
	if d.dry {
		return
	}
	f := d.f
	if !c.note {
		bg := cardFill
		if c.Highlight {
			bg = tintFill
		}
		d.fill(bg)
		f.RoundedRect(x, y, w, l.h, 1.2, "1234", "F")
		if mc, ok := markColors[c.Mark]; ok {
			d.fill(mc)
			f.RoundedRectExt(x, y, stripWidth, l.h, 0.5, 0, 0, 0.5, "F")
		}
		y += cardPad
	}
	tx := x + c.textX()
	ts := c.titleStyle()
	for i, t := range l.title {
		d.text(ts, tx, ts.baseline(y), t)
		if i == 0 {
			if c.Mark != page.NoMark {
				d.mark(c.Mark, x+cardPad+markRoom/2, y+ts.lineHeight()/2, markSize)
			}
			if v := clean(c.Value); v != "" {
				vs := ts
				if mc, ok := markColors[c.Mark]; ok {
					vs.c = mc
				}
				d.textRight(vs, x+w-cardPad, ts.baseline(y), v)
			}
		}
		y += ts.lineHeight()
	}
	for _, r := range l.rows {
		st := lineStyle
		st.c = toneColors[r.tone]
		indent := 0.0
		if r.label != "" {
			bold := style{st.size, true, st.c}
			indent = d.width(bold)(r.label) + 1
			if r.first {
				d.text(bold, tx, st.baseline(y), r.label)
			}
		}
		d.text(st, tx+indent, st.baseline(y), r.text)
		y += st.lineHeight()
	}
}

// heading draws a section heading with its tag at the right, and a rule
// under them.
func (d *doc) heading(text, tag string, x, y, w float64) {
	if d.dry {
		return
	}
	tag = clean(tag)
	tagW := 0.0
	if tag != "" {
		tagW = d.width(tagStyle)(tag) + 3
		d.textRight(tagStyle, x+w, headingStyle.baseline(y), tag)
	}
	d.text(headingStyle, x, headingStyle.baseline(y), cut(clean(text), w-tagW, d.width(headingStyle)))
	d.rule(x, y+headingStyle.lineHeight()+0.7, w)
}

// rule draws a thin line across w at y, between parts of a page.
func (d *doc) rule(x, y, w float64) {
	d.draw(rule)
	d.f.SetLineWidth(0.3)
	d.f.Line(x, y, x+w, y)
}

// chevron draws a phase's arrow-shaped band from x to x+w, notched on
// its left unless it is the first.
func (d *doc) chevron(label string, x, y, w, h float64, first bool) {
	const point = 2.6
	pts := []fpdf.PointType{{X: x, Y: y}, {X: x + w - point, Y: y}, {X: x + w, Y: y + h/2}, {X: x + w - point, Y: y + h}, {X: x, Y: y + h}}
	if !first {
		pts = append(pts, fpdf.PointType{X: x + point, Y: y + h/2})
	}
	d.fill(accent)
	d.f.Polygon(pts, "F")
	label = cut(clean(label), w-2*point-2, d.width(chevronStyle))
	lw := d.width(chevronStyle)(label)
	d.text(chevronStyle, x+(w-lw)/2, chevronStyle.baseline(y+(h-chevronStyle.lineHeight())/2), label)
}

// legend draws the keys ending at right, on the line at top.
func (d *doc) legend(keys []page.Key, right, top float64) float64 {
	const dot, gap = 2.0, 3.2
	x := right
	for i := len(keys) - 1; i >= 0; i-- {
		label := clean(keys[i].Label)
		x -= d.width(legendStyle)(label)
		d.text(legendStyle, x, headingStyle.baseline(top), label)
		x -= dot + 1
		d.mark(keys[i].Mark, x+dot/2, headingStyle.baseline(top)-0.9, dot)
		x -= gap
	}
	return right - x
}

// legendWidth is how wide legend draws keys.
func (d *doc) legendWidth(keys []page.Key) float64 {
	w := 0.0
	for _, k := range keys {
		w += d.width(legendStyle)(clean(k.Label)) + 2.0 + 1 + 3.2
	}
	return w
}
