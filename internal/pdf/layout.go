package pdf

import (
	"math"

	"github.com/go-pdf/fpdf"

	"github.com/journeybot/journeybot/internal/page"
)

// region is a column cards flow down.
type region struct{ x, y, w, bottom float64 }

// The chart is drawn between these widths: as wide as the main column
// when the touchpoints leave room, narrower (never less than half the
// page) so that more of them fit under it.
const (
	minChartWidth = 140.0
	chartGap      = 2.0
	chevronHeight = 7.0
	bandGap       = sectionGap + 1 // between the touchpoints and a band under them
)

// pages lays the sheet out: page 1, and page 2 for what page 1 could not
// hold.
func (d *doc) pages() error {
	d.f.AddPage()
	d.header()
	side := make([]section, len(d.s.Side))
	for i, s := range d.s.Side {
		side[i] = section{Section: s}
	}
	main := region{x: margin, y: bodyTop, w: mainWidth, bottom: bodyBottom}
	sideCol := []region{{x: margin + mainWidth + gutter, y: bodyTop, w: sideWidth, bottom: bodyBottom}}
	// What the side column cannot hold continues under the touchpoints
	// (the chart gives up some of its size for it), and then on page 2
	// before the touchpoints that did not fit: the goals and the changes
	// matter more to a reader than the fortieth touchpoint.
	d.dry = true
	under := 0.0
	if over := d.flow(side, sideCol); len(over) > 0 {
		_, under = d.band(over, region{x: main.x, w: main.w, bottom: math.Inf(1)}, 3)
		under += bandGap
	}
	d.dry = false
	journey, end := d.journey(main, under)
	rest := d.flow(side, sideCol)
	if len(rest) > 0 && len(journey) == 0 {
		rest, _ = d.band(rest, region{x: main.x, y: end + bandGap, w: main.w, bottom: main.bottom}, 3)
	}
	rest = append(rest, journey...)
	if len(rest) == 0 {
		d.footer(1, 1)
		return d.f.Error()
	}
	d.footer(1, 2)
	d.f.AddPage()
	d.header()
	// The bottom keeps room for the line saying what is left out.
	r := region{x: margin, y: bodyTop, w: PageWidth - 2*margin, bottom: bodyBottom - lineStyle.lineHeight() - 1}
	left, _ := d.band(rest, r, 4)
	n := 0
	for _, s := range left {
		n += len(s.Cards)
	}
	if n > 0 && d.s.Words.More != nil {
		st := lineStyle
		st.c = badColor
		d.text(st, r.x, st.baseline(r.bottom+1), cut(clean(d.s.Words.More(n)), r.w, d.width(st)))
	}
	d.footer(2, 2)
	return d.f.Error()
}

// journey draws the chart and the touchpoint columns in r, keeping room
// under the columns for what is drawn there (reserve, when the chart can
// spare it), and returns the touchpoints that do not fit, as sections to
// continue elsewhere, and where the longest column ends.
func (d *doc) journey(r region, reserve float64) ([]section, float64) {
	n := len(d.s.Phases)
	colW := r.w
	if n > 1 {
		colW = (r.w - float64(n-1)*colGap) / float64(n)
	}
	// The tallest column says how much room the cards want; the chart
	// takes the rest, within its bounds.
	chrome := headingRoom + chevronHeight + 1.6
	want := 0.0
	for _, ph := range d.s.Phases {
		h := 0.0
		for _, c := range cardsOf(section{Section: ph}, d.s.Words.Nothing) {
			h += d.lay(c, colW).h + cardGap
		}
		want = max(want, h)
	}
	y := r.y
	if d.s.Chart != nil {
		info := d.f.GetImageInfo(chartImage)
		ratio := info.Height() / info.Width()
		cw := (r.bottom - r.y - chrome - want - reserve - chartGap) / ratio
		cw = max(minChartWidth, min(r.w, cw))
		ch := cw * ratio
		d.f.ImageOptions(chartImage, r.x+(r.w-cw)/2, y, cw, ch, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		y += ch + chartGap
	}

	// The touchpoints heading, its step and the legend of the marks.
	lw := 0.0
	if len(d.s.Legend) > 0 {
		lw = d.legend(d.s.Legend, r.x+r.w, y)
	}
	tag := clean(d.s.Journey.Tag)
	head := cut(clean(d.s.Journey.Heading), r.w-lw-4, d.width(headingStyle))
	d.text(headingStyle, r.x, headingStyle.baseline(y), head)
	if tag != "" {
		x := r.x + d.width(headingStyle)(head) + 2.5
		if room := r.x + r.w - lw - 4 - x; room > 5 {
			d.text(tagStyle, x, headingStyle.baseline(y), cut(tag, room, d.width(tagStyle)))
		}
	}
	y += headingRoom - 1

	var rest []section
	end := y + chevronHeight
	for i, ph := range d.s.Phases {
		x := r.x + float64(i)*(colW+colGap)
		w := colW
		if i < n-1 {
			w += colGap + 1.3 // the point reaches into the gap, nested in the next notch
		}
		d.chevron(ph.Heading, x, y, w, chevronHeight, i == 0)
		cy := y + chevronHeight + 1.6
		cards := cardsOf(section{Section: ph}, d.s.Words.Nothing)
		for j, c := range cards {
			l := d.lay(c, colW)
			if cy+l.h > r.bottom && !c.note {
				rest = append(rest, d.continued(section{Section: ph}, cards[j:]))
				break
			}
			d.card(c, l, x, cy, colW)
			end = max(end, cy+l.h)
			cy += l.h + cardGap
		}
	}
	return rest, end
}

// continued is what is left of s from cards on: its heading says it
// continues.
func (d *doc) continued(s section, cards []card) section {
	h := s.Heading
	if !s.cont && d.s.Words.Continued != nil {
		h = d.s.Words.Continued(h)
	}
	out := section{Section: page.Section{Heading: h, Tag: s.Tag}, cont: true}
	for _, c := range cards {
		if !c.note {
			out.Cards = append(out.Cards, c.Card)
		}
	}
	return out
}

// cardsOf is what a section shows: its cards, or a line saying it is
// empty.
func cardsOf(s section, nothing string) []card {
	if len(s.Cards) == 0 && nothing != "" {
		return []card{{Card: page.Card{Lines: []page.Line{{Tone: page.Muted, Text: nothing}}}, note: true}}
	}
	out := make([]card, len(s.Cards))
	for i, c := range s.Cards {
		out[i] = card{Card: c}
	}
	return out
}

// flow draws the sections down the regions in turn, moving to the next
// region when a card does not fit, and returns what fits in none of them.
// A heading is never left alone at the bottom of a region.
func (d *doc) flow(secs []section, regs []region) []section {
	ri := 0
	y := 0.0
	if len(regs) > 0 {
		y = regs[0].y
	}
	for si, s := range secs {
		cards := cardsOf(s, d.s.Words.Nothing)
		headed := false // the section's heading is drawn in this region
		for ci := 0; ci < len(cards); {
			if ri == len(regs) {
				left := d.continued(s, cards[ci:])
				if ci == 0 { // nothing of it drawn: it does not continue, it starts
					left.Heading, left.cont = s.Heading, s.cont
				}
				return append([]section{left}, secs[si+1:]...)
			}
			r := regs[ri]
			l := d.lay(cards[ci], r.w)
			need := l.h
			if !headed {
				need += headingRoom
			}
			if y+need > r.bottom && y > r.y {
				ri++
				if ri < len(regs) {
					y = regs[ri].y
				}
				headed = false
				continue
			}
			if !headed {
				h := s.Heading
				if ci > 0 {
					h = d.continued(s, nil).Heading
				}
				d.heading(h, s.Tag, r.x, y, r.w)
				y += headingRoom
				headed = true
			}
			d.card(cards[ci], l, r.x, y, r.w)
			y += l.h + cardGap
			ci++
		}
		y += sectionGap - cardGap
	}
	return nil
}

// band draws sections across r in cols columns: each heading spans them
// all, and a section's cards follow it left to right, row by row. It
// returns what does not fit, and how tall what it drew is.
func (d *doc) band(secs []section, r region, cols int) ([]section, float64) {
	w := (r.w - float64(cols-1)*colGap) / float64(cols)
	y := r.y
	for si, s := range secs {
		cards := cardsOf(s, d.s.Words.Nothing)
		for ci := 0; ci < len(cards); {
			row := cards[ci:min(ci+cols, len(cards))]
			lays := make([]cardLayout, len(row))
			h := 0.0
			for i, c := range row {
				lays[i] = d.lay(c, w)
				h = max(h, lays[i].h)
			}
			need := h
			if ci == 0 {
				need += headingRoom
			}
			if y+need > r.bottom {
				left := d.continued(s, cards[ci:])
				if ci == 0 { // nothing of it drawn: it does not continue, it starts
					left.Heading, left.cont = s.Heading, s.cont
				}
				return append([]section{left}, secs[si+1:]...), y - r.y
			}
			if ci == 0 {
				d.heading(s.Heading, s.Tag, r.x, y, r.w)
				y += headingRoom
			}
			for i, c := range row {
				d.card(c, lays[i], r.x+float64(i)*(w+colGap), y, w)
			}
			y += h + cardGap
			ci += len(row)
		}
		y += sectionGap - cardGap
	}
	return nil, y - r.y
}
