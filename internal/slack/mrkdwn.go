package slack

import (
	"fmt"
	"strings"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Slack's own escaping: &, < and > are markup in every text Slack shows
// (https://api.slack.com/reference/surfaces/formatting#escaping). This is the
// one place text from the engine is escaped for Slack.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return slackEscaper.Replace(s) }

// escapeUser is user text for a plain_text field: a reference to a person
// shows as a name (never a mention), and &, < and > are escaped.
func escapeUser(s string) string { return escape(workshop.Names(nil).Text(s)) }

// mrkdwnSyntax writes rich text as Slack mrkdwn.
var mrkdwnSyntax = rich.Syntax{
	Open:   map[rich.Style]string{rich.Strong: "*", rich.Emphasis: "_", rich.Code: "`"},
	Close:  map[rich.Style]string{rich.Strong: "*", rich.Emphasis: "_", rich.Code: "`"},
	Escape: func(s string, _ bool) string { return escape(s) },
	Span:   mrkdwnSpan,
}

// refLabel keeps a label inside <…|label> from ending it early.
var refLabel = strings.NewReplacer("|", "", ">", "", "<", "", "\n", " ")

func mrkdwnSpan(s rich.Span) string {
	switch s.Kind {
	case rich.KindUser:
		if s.Ref == "" {
			return "?"
		}
		if label := refLabel.Replace(strings.TrimPrefix(s.Text, "@")); label != "" {
			return "<@" + refLabel.Replace(s.Ref) + "|" + escape(label) + ">"
		}
		return "<@" + refLabel.Replace(s.Ref) + ">"
	case rich.KindChannel:
		return "<#" + refLabel.Replace(s.Ref) + ">"
	case rich.KindTime:
		// Slack shows the instant in each reader's own zone and format;
		// the fallback (as written in the facilitator's zone) is for
		// clients that cannot.
		if s.At.IsZero() {
			return escape(s.Text)
		}
		return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", s.At.Unix(), escape(refLabel.Replace(s.Text)))
	case rich.KindLink:
		url := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(s.Ref)
		if label := refLabel.Replace(s.Text); label != "" && label != s.Ref {
			return "<" + url + "|" + escape(label) + ">"
		}
		return "<" + url + ">"
	}
	return escape(s.PlainText())
}

// mrkdwnOf writes rich text as mrkdwn.
func mrkdwnOf(t rich.Text) string { return rich.Render(t, mrkdwnSyntax) }

// bodyPart is a piece of a message body: a section's mrkdwn, or the items
// of a context block.
type bodyPart struct {
	section string
	context []string
}

// bodyParts writes a message body as Block Kit sections: a heading joins the
// block under it (Slack's header block is for the message's title only);
// lists are bulleted lines, tables and fields lines of their cells.
func bodyParts(blocks []rich.Block) []bodyPart {
	var out []bodyPart
	pending := ""
	add := func(s string) {
		if pending != "" {
			s = pending + "\n" + s
			pending = ""
		}
		out = append(out, bodyPart{section: s})
	}
	for _, b := range blocks {
		switch b.Kind {
		case rich.Heading:
			if pending != "" {
				pending += "\n"
			}
			pending += mrkdwnOf(b.Text.With(rich.Strong))
		case rich.Paragraph:
			add(mrkdwnOf(b.Text))
		case rich.Quote:
			// ">" opens a quote at a line's start; the text's own ">" are
			// escaped, so only these do.
			add("> " + strings.ReplaceAll(mrkdwnOf(b.Text), "\n", "\n> "))
		case rich.List:
			lines := make([]string, len(b.Items))
			for i, it := range b.Items {
				lines[i] = "• " + strings.ReplaceAll(mrkdwnOf(it), "\n", "\n   ")
			}
			add(strings.Join(lines, "\n"))
		case rich.Table:
			lines := make([]string, len(b.Rows))
			for i, r := range b.Rows {
				cells := make([]string, len(r))
				for j, c := range r {
					if i == 0 {
						c = c.With(rich.Strong)
					}
					cells[j] = mrkdwnOf(c)
				}
				lines[i] = strings.Join(cells, " · ")
			}
			add(strings.Join(lines, "\n"))
		case rich.Fields:
			lines := make([]string, len(b.Fields))
			for i, f := range b.Fields {
				lines[i] = mrkdwnOf(f.Label.With(rich.Strong)) + ": " + mrkdwnOf(f.Value)
			}
			add(strings.Join(lines, "\n"))
		case rich.Context:
			if pending != "" {
				add("")
			}
			part := bodyPart{}
			for _, it := range b.Items {
				part.context = append(part.context, mrkdwnOf(it))
			}
			out = append(out, part)
		}
	}
	if pending != "" {
		out = append(out, bodyPart{section: pending})
	}
	return out
}
