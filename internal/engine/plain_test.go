package engine_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/engine/enginetest"
	"github.com/journeybot/journeybot/internal/rich"
)

// TestEveryMessageReadsAsPlainText renders every kind of message the engine
// says to plain text and finds none of Slack's markup (or Markdown's): no
// *, _, <@, &lt; or &amp; that a user did not type. The sample workshop's
// user text holds none of them, so any found came from the engine.
func TestEveryMessageReadsAsPlainText(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			samples, files := enginetest.Messages(t, lang)
			kinds := map[string]bool{}
			for _, s := range samples {
				m := s.Message
				kinds[m.Kind] = true
				if m.Lang != lang {
					t.Errorf("%s (%s) says it is in %q, want %q", m.Kind, s.Said, m.Lang, lang)
				}
				// Code shows what to type, stars and all; what a user typed
				// (the review schedule) is theirs.
				text := withoutCode(m).Plain() + "\n" + m.Text + "\n" + m.Overflow.String()
				text = strings.ReplaceAll(text, "0 9 * * 1", "")
				for _, a := range m.Actions {
					text += "\n" + a.Label
				}
				for _, markup := range []string{"*", "_", "<@", "&lt;", "&gt;", "&amp;", "<!", "‹"} {
					if strings.Contains(text, markup) {
						t.Errorf("%s (%s) holds %q:\n%s", m.Kind, s.Said, markup, text)
					}
				}
				if !strings.Contains(text, enginetest.Title) && strings.Contains(text, "redesign") {
					t.Errorf("%s (%s) changed the title as typed:\n%s", m.Kind, s.Said, text)
				}
			}
			for _, f := range files {
				if c := f.Comment.String(); strings.ContainsAny(c, "*_") || strings.Contains(c, "&") && !strings.Contains(c, enginetest.Title) {
					t.Errorf("file %s comment %q holds markup", f.Name, c)
				}
			}
			var got []string
			for k := range kinds {
				got = append(got, k)
			}
			slices.Sort(got)
			want := []string{engine.KindAnswer, engine.KindError, engine.KindHeader, engine.KindHelp, engine.KindNotice, engine.KindReminder, engine.KindStep, engine.KindSummary, engine.KindDigest, engine.KindNudge, engine.KindHome}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("the samples say kinds %v, want every kind %v", got, want)
			}
		})
	}
}

// The help shows a cron example with its stars, in both languages: code
// is never read as emphasis.
func TestHelpShowsTheCronExampleIntact(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		samples, _ := enginetest.Messages(t, lang)
		help := samples[0].Message
		if help.Kind != engine.KindHelp || !strings.Contains(help.Plain(), `"0 9 * * 1"`) {
			t.Errorf("%s help lacks \"0 9 * * 1\":\n%s", lang, help.Plain())
		}
	}
}

// withoutCode is m with its code spans blanked.
func withoutCode(m engine.Message) engine.Message {
	blank := func(t rich.Text) rich.Text {
		out := make(rich.Text, 0, len(t))
		for _, sp := range t {
			if sp.Style&rich.Code != 0 {
				sp.Text = "code"
			}
			out = append(out, sp)
		}
		return out
	}
	var blocks []rich.Block
	for _, b := range m.Blocks {
		c := b
		c.Text = blank(b.Text)
		c.Items = nil
		for _, it := range b.Items {
			c.Items = append(c.Items, blank(it))
		}
		c.Rows = nil
		for _, r := range b.Rows {
			var row []rich.Text
			for _, cell := range r {
				row = append(row, blank(cell))
			}
			c.Rows = append(c.Rows, row)
		}
		c.Fields = nil
		for _, f := range b.Fields {
			c.Fields = append(c.Fields, rich.Field{Label: blank(f.Label), Value: blank(f.Value)})
		}
		blocks = append(blocks, c)
	}
	m.Blocks = blocks
	var ctx []rich.Text
	for _, c := range m.Context {
		ctx = append(ctx, blank(c))
	}
	m.Context = ctx
	return m
}
