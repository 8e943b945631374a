package export

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"github.com/journeybot/journeybot/internal/workshop"
)

// MaxCanvas is the largest canvas document Slack takes (1 MiB of Markdown).
const MaxCanvas = 1 << 20

// WriteCanvas writes w's map as the Markdown of a Slack canvas: the
// Markdown export, with people as canvas mentions, the chart as a link
// (Options.ChartURL) and the changes most voted first. The canvas's own
// title is the workshop's, so the document does not repeat it.
//
// Mentions use the canvas syntax as Slack's "Canvases" formatting guide
// (docs.slack.dev) describes it, ![](@U123) for a person and ![](#C123) for
// a channel; it could not be tried against Slack here.
func WriteCanvas(out io.Writer, w *workshop.Workshop, opt Options) error {
	opt.Canvas = true
	return writeMD(out, w, w.Map(), opt)
}

// canvasMention mentions a person in a canvas.
func canvasMention(user string) string {
	if user == "" {
		return ""
	}
	return "![](@" + user + ")"
}

// CanvasChannel mentions a channel in a canvas.
func CanvasChannel(channel string) string { return "![](#" + channel + ")" }

// canvasText is mdText for a canvas: brackets are escaped too, so what a
// person typed can never become a mention or a link there.
func canvasText(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(mdText(s))
}

// mdURL keeps a link's address from ending the link early.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(u)
}

// byVotes orders changes by the votes they got in the latest closed vote
// that counted any (most first, ties and unvoted in their order): the
// team's priority, where it gave one.
func byVotes(w *workshop.Workshop, changes []workshop.Change) []workshop.Change {
	var votes map[string]int
	for i := len(w.Votes) - 1; i >= 0 && votes == nil; i-- {
		r := w.Votes[i]
		if r.Open() {
			continue
		}
		for _, t := range r.Result {
			if t.Count > 0 {
				if votes == nil {
					votes = map[string]int{}
				}
				votes[t.Key] = t.Count
			}
		}
	}
	if votes == nil {
		return changes
	}
	out := slices.Clone(changes)
	slices.SortStableFunc(out, func(a, b workshop.Change) int { return cmp.Compare(votes[b.Key], votes[a.Key]) })
	return out
}
