// Package rich is the message model the engine speaks: text as spans (plain,
// strong, emphasis, code, a user, a channel, a link, an instant with its
// zone) and messages as blocks (heading, paragraph, list, table, fields,
// context). It knows no platform: Slack renders it as Block Kit and mrkdwn
// (internal/slack), the console as terminal text, exports as Markdown, and
// each escapes what its own syntax needs, once.
//
// User text is always held as plain spans, so nothing a person typed can
// become markup, a mention or a link on any surface.
package rich

import (
	"strings"
	"time"
)

// Style is how a span's text is set; styles combine.
type Style uint8

// Styles.
const (
	Strong Style = 1 << iota
	Emphasis
	Code
)

// Kind says what a span is.
type Kind uint8

// Span kinds.
const (
	// KindText is text: the catalog's words or what a person typed.
	KindText Kind = iota
	// KindUser refers to a person by id (Ref); Text is their display name
	// when known, for surfaces that cannot look it up.
	KindUser
	// KindChannel refers to a channel by id (Ref); Text is its name when
	// known.
	KindChannel
	// KindLink is a link to Ref labelled Text (the address when empty).
	KindLink
	// KindTime is an instant (At) that surfaces may show in each reader's
	// zone; Text is how it reads in Zone, the fallback.
	KindTime
)

// Span is a run of text of one kind and style.
type Span struct {
	Text  string
	Kind  Kind
	Style Style
	Ref   string
	At    time.Time
	Zone  string
}

// Text is a sequence of spans.
type Text []Span

// Plain is text as typed.
func Plain(s string) Text {
	if s == "" {
		return nil
	}
	return Text{{Text: s}}
}

// Styled is text set in style.
func Styled(s string, style Style) Text {
	if s == "" {
		return nil
	}
	return Text{{Text: s, Style: style}}
}

// User refers to a person; name is shown where the surface cannot.
func User(id, name string) Text { return Text{{Kind: KindUser, Ref: id, Text: name}} }

// Channel refers to a channel.
func Channel(id, name string) Text { return Text{{Kind: KindChannel, Ref: id, Text: name}} }

// Link links to url with a label (the address itself when empty).
func Link(url, label string) Text { return Text{{Kind: KindLink, Ref: url, Text: label}} }

// Time is an instant, written as fallback in zone.
func Time(at time.Time, zone, fallback string) Text {
	return Text{{Kind: KindTime, At: at, Zone: zone, Text: fallback}}
}

// With returns t with style added to every span.
func (t Text) With(style Style) Text {
	out := make(Text, len(t))
	for i, s := range t {
		s.Style |= style
		out[i] = s
	}
	return out
}

// Concat joins texts end to end.
func Concat(parts ...Text) Text {
	var out Text
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Join joins texts with a plain separator.
func Join(parts []Text, sep string) Text {
	var out Text
	for i, p := range parts {
		if i > 0 && sep != "" {
			out = append(out, Span{Text: sep})
		}
		out = append(out, p...)
	}
	return out
}

// Empty reports whether t shows nothing.
func (t Text) Empty() bool {
	for _, s := range t {
		if s.Text != "" || s.Ref != "" || s.Kind == KindTime {
			return false
		}
	}
	return true
}

// String is t as plain text with no markup: a person is @name (their id
// when the name is unknown), a link "label (address)".
func (t Text) String() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.PlainText())
	}
	return b.String()
}

// PlainText is how a span reads without any markup.
func (s Span) PlainText() string {
	switch s.Kind {
	case KindUser:
		if s.Text != "" {
			return "@" + strings.TrimPrefix(s.Text, "@")
		}
		if s.Ref == "" {
			return "?"
		}
		return "@" + s.Ref
	case KindChannel:
		if s.Text != "" {
			return "#" + strings.TrimPrefix(s.Text, "#")
		}
		return "#" + s.Ref
	case KindLink:
		if s.Text == "" || s.Text == s.Ref {
			return s.Ref
		}
		return s.Text + " (" + s.Ref + ")"
	}
	return s.Text
}

// BlockKind says what a block is.
type BlockKind uint8

// Block kinds.
const (
	// Paragraph is a run of text (it may hold line breaks).
	Paragraph BlockKind = iota
	// Heading titles what follows within a message.
	Heading
	// List is a bulleted list of Items.
	List
	// Table is Rows of cells, the first row its header.
	Table
	// Fields are label and value pairs.
	Fields
	// Context is small print: Items shown side by side.
	Context
	// Quote is text quoted from someone, set apart.
	Quote
)

// Block is one part of a message.
type Block struct {
	Kind   BlockKind
	Text   Text
	Items  []Text
	Rows   [][]Text
	Fields []Field
}

// Field is a labelled value.
type Field struct {
	Label, Value Text
}

// Para is a paragraph.
func Para(t Text) Block { return Block{Kind: Paragraph, Text: t} }

// Head is a heading.
func Head(t Text) Block { return Block{Kind: Heading, Text: t} }

// Bullets is a list.
func Bullets(items ...Text) Block { return Block{Kind: List, Items: items} }

// Quoted is a quote.
func Quoted(t Text) Block { return Block{Kind: Quote, Text: t} }

// Small is a context block.
func Small(items ...Text) Block { return Block{Kind: Context, Items: items} }

// Grid is a table whose first row is its header.
func Grid(rows ...[]Text) Block { return Block{Kind: Table, Rows: rows} }

// Pairs is a fields block.
func Pairs(fields ...Field) Block { return Block{Kind: Fields, Fields: fields} }

// Texts lists every text a block holds, in reading order.
func (b Block) Texts() []Text {
	out := []Text{}
	if b.Text != nil {
		out = append(out, b.Text)
	}
	out = append(out, b.Items...)
	for _, r := range b.Rows {
		out = append(out, r...)
	}
	for _, f := range b.Fields {
		out = append(out, f.Label, f.Value)
	}
	return out
}

// PlainBlocks renders blocks as plain text, for tests and fallbacks: a
// heading on its own line, list items after "• ", table cells and fields
// separated by " · ".
func PlainBlocks(blocks []Block) string {
	var lines []string
	for _, b := range blocks {
		switch b.Kind {
		case Paragraph, Heading:
			lines = append(lines, b.Text.String())
		case Quote:
			for _, l := range strings.Split(b.Text.String(), "\n") {
				lines = append(lines, "> "+l)
			}
		case List:
			for _, it := range b.Items {
				lines = append(lines, "• "+it.String())
			}
		case Table:
			for _, r := range b.Rows {
				cells := make([]string, len(r))
				for i, c := range r {
					cells[i] = c.String()
				}
				lines = append(lines, strings.Join(cells, " · "))
			}
		case Fields:
			for _, f := range b.Fields {
				lines = append(lines, f.Label.String()+": "+f.Value.String())
			}
		case Context:
			items := make([]string, len(b.Items))
			for i, it := range b.Items {
				items[i] = it.String()
			}
			lines = append(lines, strings.Join(items, " · "))
		}
	}
	return strings.Join(lines, "\n")
}
