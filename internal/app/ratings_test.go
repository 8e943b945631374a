package app

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/chart"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The five changes of the acceptance test, their ratings by ana, ben and
// chloe (impact, effort), and where the team's means put them.
var rated = []struct {
	text    string
	ratings [3][2]int
	want    workshop.Quadrant
}{
	{"Show fees on the pricing page", [3][2]int{{4, 2}, {5, 2}, {4, 2}}, workshop.QuickWin},            // 4.3, 2
	{"Rebuild checkout as a native app", [3][2]int{{5, 5}, {4, 4}, {4, 5}}, workshop.BigBet},           // 4.3, 4.7
	{"Retry refused cards with a clear message", [3][2]int{{5, 1}, {5, 1}, {4, 2}}, workshop.QuickWin}, // 4.7, 1.3
	{"Add a help link next to the card field", [3][2]int{{2, 2}, {2, 1}, {2, 2}}, workshop.FillIn},     // 2, 1.7
	{"A loyalty programme of our own", [3][2]int{{2, 4}, {1, 5}, {2, 4}}, workshop.MoneyPit},           // 1.7, 4.3
}

// By priority: impact minus effort, then impact.
const ratedOrder = "C3 C1 C4 C2 C5"

// means returns change i's mean impact and effort.
func means(i int) (impact, effort float64) {
	for _, r := range rated[i].ratings {
		impact += float64(r[0]) / 3
		effort += float64(r[1]) / 3
	}
	return impact, effort
}

// checkMatrixPNG decodes a matrix and finds each change's point where its
// means put it, in the right quadrant, and the points of each quadrant
// (and no others) inside it.
func checkMatrixPNG(t *testing.T, data []byte) {
	t.Helper()
	decoded, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the matrix is not a PNG: %v", err)
	}
	if w := decoded.Bounds().Dx(); w < 1200 {
		t.Errorf("the matrix is %d px wide, want at least 1200", w)
	}
	// Pixels are read from Pix: At allocates per pixel, slow under -race.
	img := image.NewRGBA(decoded.Bounds())
	draw.Draw(img, img.Bounds(), decoded, decoded.Bounds().Min, draw.Src)
	pc := chart.PointColor
	isPoint := func(x, y int) bool {
		i := img.PixOffset(x, y)
		d := func(v, want uint8) bool { return math.Abs(float64(v)-float64(want)) <= 6 }
		return d(img.Pix[i], pc.R) && d(img.Pix[i+1], pc.G) && d(img.Pix[i+2], pc.B)
	}
	count := func(rect image.Rectangle) int {
		n := 0
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			for x := rect.Min.X; x < rect.Max.X; x++ {
				if isPoint(x, y) {
					n++
				}
			}
		}
		return n
	}
	mid := chart.MatrixPixel(3, 3)
	plot := chart.MatrixPlot()
	quadrant := map[workshop.Quadrant]image.Rectangle{
		workshop.QuickWin: image.Rect(plot.Min.X, plot.Min.Y, mid.X, mid.Y),
		workshop.BigBet:   image.Rect(mid.X, plot.Min.Y, plot.Max.X, mid.Y),
		workshop.FillIn:   image.Rect(plot.Min.X, mid.Y, mid.X, plot.Max.Y),
		workshop.MoneyPit: image.Rect(mid.X, mid.Y, plot.Max.X, plot.Max.Y),
	}
	in := map[workshop.Quadrant]int{}
	for i, c := range rated {
		impact, effort := means(i)
		at := chart.MatrixPixel(effort, impact)
		if n := count(image.Rect(at.X-4, at.Y-4, at.X+5, at.Y+5)); n < 70 {
			t.Errorf("C%d (impact %.1f, effort %.1f): %d of 81 pixels at %v in the point colour", i+1, impact, effort, n, at)
		}
		if !at.In(quadrant[c.want]) {
			t.Errorf("C%d drawn at %v, outside %s %v", i+1, at, c.want, quadrant[c.want])
		}
		in[c.want]++
	}
	// A point is a disc of radius 13: about 530 pixels of its colour.
	for q, rect := range quadrant {
		if got := float64(count(rect)) / (math.Pi * 13 * 13); math.Abs(got-float64(in[q])) > 0.35 {
			t.Errorf("%s holds %.2f points' worth of point pixels, want %d", q, got, in[q])
		}
	}
}

// Acceptance (issue 15, 3): five changes rated by three people through
// Slack; the summary orders them by the ratings; /journey matrix uploads
// a PNG at least 1200 px wide with the five changes in the right
// quadrants, in the iterate thread.
func TestFiveChangesRatedByThreePeople(t *testing.T) {
	fake := newFake(t)
	s := startServe(t, fake, serveEnv(t, fake))
	s.command("U1", "start Checkout")
	s.waitTopLevel(2)
	s.command("U1", "goto iterate")
	it := s.waitTopLevel(3)
	var lines []string
	for _, c := range rated {
		lines = append(lines, c.text)
	}
	s.waitReaction(s.reply("U2", it, strings.Join(lines, "\n")))
	people := []string{"U1", "U2", "U3"}
	for i, c := range rated {
		for p, r := range c.ratings {
			s.command(people[p], "rate C"+string(rune('1'+i))+" impact "+string(rune('0'+r[0]))+" effort "+string(rune('0'+r[1])))
		}
	}
	s.waitFor("fifteen ratings answered", func() bool {
		n := 0
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && strings.Contains(m.Text, "Your rating of") {
				n++
			}
		}
		return n == 15
	})

	s.command("U3", "summary")
	s.waitNotice("Journey map: Checkout")
	var summary string
	for _, m := range fake.Messages("C1") {
		if !m.Ephemeral && strings.Contains(m.Text, "Journey map: Checkout") {
			summary = string(m.Blocks)
		}
	}
	last := -1
	for _, id := range strings.Fields(ratedOrder) {
		i := strings.Index(summary, "`"+id+"`")
		if i < last {
			t.Errorf("summary lists %s out of the order %s:\n%s", id, ratedOrder, summary)
		}
		last = i
	}
	for _, want := range []string{"impact 4.7 · effort 1.3 (3 ratings) · quick win", "impact 1.7 · effort 4.3 (3 ratings) · money pit"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}

	s.command("U2", "matrix")
	s.waitFor("the matrix upload", func() bool {
		for _, u := range fake.Uploads() {
			if u.Filename == "journey-w1-matrix.png" {
				return true
			}
		}
		return false
	})
	for _, u := range fake.Uploads() {
		if u.Filename != "journey-w1-matrix.png" {
			continue
		}
		if u.Channel != "C1" || u.ThreadTS != it {
			t.Errorf("matrix shared in %q thread %q, want the iterate thread %q", u.Channel, u.ThreadTS, it)
		}
		if !strings.Contains(u.AltText, "Quick wins: C3, C1. Big bets: C2. Fill-ins: C4. Money pits: C5.") {
			t.Errorf("alt text %q", u.AltText)
		}
		checkMatrixPNG(t, u.Data)
	}
}

// The console plays ratings and the matrix: `/journey rate …` (French
// words too), a refusal, `/journey matrix` writing the PNG under -out,
// and the summary by priority.
func TestConsolePlaysRatingsAndTheMatrix(t *testing.T) {
	var script strings.Builder
	script.WriteString("/journey start Checkout\n/journey goto iterate\n")
	for _, c := range rated {
		script.WriteString("as ben: " + c.text + "\n")
	}
	people := []string{"ana", "ben", "chloe"}
	for i, c := range rated {
		for p, r := range c.ratings {
			verb := "rate"
			if p == 2 {
				verb = "évaluer" // the French command word works in any workshop
			}
			script.WriteString("as " + people[p] + ": /journey " + verb + " C" + string(rune('1'+i)) + " impact " + string(rune('0'+r[0])) + " effort " + string(rune('0'+r[1])) + "\n")
		}
	}
	script.WriteString("as chloe: /journey rate C6 impact 3 effort 3\n/journey matrix\n/journey summary\n")
	out := t.TempDir()
	stdout, stderr, err := runApp(t, nil, script.String(), "console", "-state", filepath.Join(t.TempDir(), "state.db"), "-user", "ana", "-out", out)
	if err != nil {
		t.Fatalf("console: %v\n%s", err, stderr)
	}
	path := filepath.Join(out, "journey-w1-matrix.png")
	for _, want := range []string{
		"(only @chloe sees this)\n  │ Your rating of C5 A loyalty programme of our own: impact 2, effort 4. The team now says impact 1.7, effort 4.3 (3 ratings): money pit.",
		"There is no change C6; this workshop has 5 (C1 to C5).",
		"📎 Impact and effort · Checkout",
		"→ " + path,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("console output lacks %q:\n%s", want, stdout)
		}
	}
	summary := stdout[strings.LastIndex(stdout, "JOURNEY MAP: CHECKOUT"):]
	last := -1
	for _, id := range strings.Fields(ratedOrder) {
		i := strings.Index(summary, "`"+id+"`")
		if i < last {
			t.Errorf("the summary lists %s out of the order %s:\n%s", id, ratedOrder, summary)
		}
		last = i
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no matrix under -out: %v", err)
	}
	checkMatrixPNG(t, data)
}
