package export

import (
	"io"
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
