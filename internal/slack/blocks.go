// Package slack is journeybot's Slack adapter: it turns Slack requests
// (events, slash commands, interactions; over HTTP or Socket Mode) into
// engine calls, and the engine's messages into Block Kit posted through the
// Web API. Block Kit JSON is built only here.
package slack

import (
	"strings"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/rich"
)

// Block Kit limits (https://api.slack.com/reference/block-kit). Messages
// past them are rejected whole, so everything we send is cut to fit here.
const (
	maxBlocks        = 50
	maxModalBlocks   = 100
	maxSectionText   = 3000
	maxHeaderText    = 150
	maxContextText   = 2000
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionID      = 255
	maxModalTitle    = 24
	maxOptionText    = 75
	maxOptionValue   = 150
	maxOptions       = 100
	maxFallbackText  = 3000
	maxInputLabel    = 2000
	maxPlaceholder   = 150
	maxHint          = 2000
	maxMetadata      = 3000
	maxActionButtons = 25
	// A button's confirmation dialog: its title, text and buttons.
	maxConfirmTitle  = 100
	maxConfirmText   = 300
	maxConfirmButton = 30
	// maxMessageChars is a budget for all the text of one message: Slack
	// fails whole messages (msg_blocks_too_long) from about 13k characters.
	maxMessageChars = 11000
)

// trimEntity drops an HTML entity (&amp; &lt; &gt;) cut in half at the end
// of s: Slack would show the remains raw. It never empties s.
func trimEntity(s string) string {
	i := strings.LastIndexByte(s, '&')
	if i <= 0 || len(s)-i > 5 || strings.IndexByte(s[i:], ';') >= 0 {
		return s
	}
	return s[:i]
}

// cut shortens s to at most n runes, ending with an ellipsis when it cuts.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return trimEntity(string(r[:n-1])) + "…"
}

// splitText splits mrkdwn into chunks of at most n runes, at line breaks
// where it can, never inside an entity.
func splitText(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		head := string([]rune(s)[:n])
		if i := strings.LastIndexByte(head, '\n'); i > 0 {
			head = head[:i]
		} else {
			head = trimEntity(head)
		}
		out = append(out, head)
		s = strings.TrimLeft(s[len(head):], "\n")
	}
	if strings.TrimSpace(s) != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

func mrkdwn(s string) *goslack.TextBlockObject {
	return goslack.NewTextBlockObject(goslack.MarkdownType, s, false, false)
}

func plainText(s string) *goslack.TextBlockObject {
	return goslack.NewTextBlockObject(goslack.PlainTextType, s, true, false)
}

// Blocks renders an engine message as Block Kit within Slack's limits, and
// returns the fallback text for notifications.
func Blocks(m engine.Message) ([]goslack.Block, string) {
	var blocks []goslack.Block
	budget := maxMessageChars
	reserve := 1 // room for the overflow note
	if len(m.Actions) > 0 {
		reserve++
	}
	if len(m.Context) > 0 {
		reserve++
	}
	truncated := false
	if m.Title != "" {
		title := cut(escape(m.Title), maxHeaderText)
		budget -= utf8.RuneCountInString(title)
		blocks = append(blocks, goslack.NewHeaderBlock(plainText(title)))
	}
	parts := bodyParts(m.Blocks)
sections:
	for _, p := range parts {
		if p.context != nil {
			if len(blocks)+reserve >= maxBlocks {
				truncated = true
				break
			}
			blocks = append(blocks, contextBlock(p.context))
			continue
		}
		for _, chunk := range splitText(p.section, maxSectionText) {
			n := utf8.RuneCountInString(chunk)
			if len(blocks)+reserve >= maxBlocks || n > budget {
				truncated = true
				break sections
			}
			budget -= n
			blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(chunk), nil, nil))
		}
	}
	if truncated {
		note := mrkdwnOf(m.Overflow)
		if note == "" {
			note = "…"
		}
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(cut(note, maxContextText))))
	}
	if len(m.Context) > 0 {
		items := make([]string, len(m.Context))
		for i, c := range m.Context {
			items[i] = mrkdwnOf(c)
		}
		blocks = append(blocks, contextBlock(items))
	}
	if len(m.Actions) > 0 {
		var els []goslack.BlockElement
		for _, a := range m.Actions[:min(len(m.Actions), maxActionButtons)] {
			b := goslack.NewButtonBlockElement(cut(a.ID, maxActionID), cut(a.Value, maxButtonValue), plainText(cut(a.Label, maxButtonText)))
			if a.Style != "" {
				b.Style = goslack.Style(a.Style)
			}
			if a.URL != "" {
				b.URL = a.URL
			}
			if c := a.Confirm; c != nil {
				b.Confirm = goslack.NewConfirmationBlockObject(plainText(cut(c.Title, maxConfirmTitle)), plainText(cut(c.Text, maxConfirmText)),
					plainText(cut(c.Yes, maxConfirmButton)), plainText(cut(c.No, maxConfirmButton)))
				if a.Style == "danger" {
					b.Confirm.Style = goslack.StyleDanger
				}
			}
			els = append(els, b)
		}
		blocks = append(blocks, goslack.NewActionBlock("actions", els...))
	}
	fallback := escape(m.Text)
	if fallback == "" && len(m.Blocks) > 0 {
		fallback = escape(rich.PlainBlocks(m.Blocks[:1]))
	}
	if fallback == "" {
		fallback = escape(m.Title)
	}
	return blocks, cut(fallback, maxFallbackText)
}

// contextBlock is a context block of mrkdwn items, within Slack's limits.
func contextBlock(items []string) *goslack.ContextBlock {
	var els []goslack.MixedElement
	for _, c := range items[:min(len(items), 10)] {
		els = append(els, mrkdwn(cut(c, maxContextText)))
	}
	return goslack.NewContextBlock("", els...)
}
