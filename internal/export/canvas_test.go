package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// canvasSample is the sample workshop with owners named as people, a
// change typed to look like a mention, and a closed vote that puts the
// last change first.
func canvasSample() *workshop.Workshop {
	w := sample()
	for i, in := range w.Inputs {
		switch in.Step {
		case workshop.Touchpoints:
			w.Inputs[i].Text = strings.Replace(in.Text, "@maria", "<@U0MARIA>", 1)
		case workshop.Iterate:
			w.Inputs[i].Text = "Show fees early | <@U0LEO> | 2026-12-15\nCall back within a day | @maria\nSay ![](@U0BOSS) hello [x](https://evil.example)"
		}
	}
	w.Names = workshop.Names{"U0MARIA": "Maria Silva"}
	closed := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	w.Votes = []workshop.VoteRound{{ID: "V1", Max: 3, Step: workshop.Iterate, ClosedAt: closed, Result: []workshop.Tally{
		{VoteItem: workshop.VoteItem{ID: "C2", Key: "1700000009.000001#1", Label: "Call back"}, Count: 3},
		{VoteItem: workshop.VoteItem{ID: "C1", Key: "1700000009.000001#0", Label: "Show fees"}, Count: 1},
	}}}
	return w
}

func renderCanvas(t *testing.T, lang, chart string) string {
	t.Helper()
	cat := prompts.MustLoad()
	w := canvasSample()
	w.Lang = lang
	var buf bytes.Buffer
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text(lang, k, a...) }, Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), ChartURL: chart, Locale: cat.Locale(lang)}
	if err := WriteCanvas(&buf, w, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The canvas is the Markdown export with people as canvas mentions, no
// title of its own, the changes by priority, and the chart as a
// link; text typed to look like a mention or a link stays text.
func TestCanvasMarkdown(t *testing.T) {
	for _, lang := range []string{workshop.LangEN, workshop.LangFR} {
		got := renderCanvas(t, lang, "https://files.example/F1 (curve)")
		golden(t, "w7-"+lang+".canvas", []byte(got))
		for _, want := range []string{"![](@ana)", "![](@U0MARIA)", "![](@U0LEO)", "📈 [", "(https://files.example/F1%20%28curve%29)", `Say !\[\](@U0BOSS) hello \[x\](https://evil.example)`} {
			if !strings.Contains(got, want) {
				t.Errorf("%s canvas lacks %q:\n%s", lang, want, got)
			}
		}
		if strings.HasPrefix(got, "# ") || strings.Contains(got, "<!channel>") {
			t.Errorf("%s canvas repeats its title or lets markup through:\n%s", lang, got)
		}
		// Changes by priority (the team's ratings), as in every export.
		pr := canvasSample().Map().Priorities()
		if first, second := strings.Index(got, "| "+pr[0].ID+" |"), strings.Index(got, "| "+pr[1].ID+" |"); first < 0 || second < 0 || first > second {
			t.Errorf("%s canvas: %s should come before %s (priority order):\n%s", lang, pr[0].ID, pr[1].ID, got)
		}
	}
	if got := renderCanvas(t, workshop.LangEN, ""); strings.Contains(got, "📈") {
		t.Errorf("a chart link with no chart known:\n%s", got)
	}
}
