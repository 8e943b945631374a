package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/journeybot/journeybot/internal/workshop"
)

// render draws c and decodes the PNG.
func render(t testing.TB, c Curve) *image.RGBA {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, c); err != nil {
		t.Fatalf("Render: %v", err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	// Pixel loops below read Pix directly: img.At allocates per pixel,
	// which is slow under -race.
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	}
	return rgba
}

// canvas returns the plot rectangle of c and a function from a score to a
// pixel row, from the same layout Render uses.
func canvas(t testing.TB, c Curve) (image.Rectangle, func(float64) int) {
	t.Helper()
	if err := Init(); err != nil {
		t.Fatal(err)
	}
	lay, err := newLayout(prepare(c))
	if err != nil {
		t.Fatal(err)
	}
	r := image.Rect(lay.pad.Left, lay.pad.Top, Width-lay.pad.Right, Height-lay.pad.Bottom)
	return r, func(v float64) int {
		return r.Max.Y - int(math.Ceil((v-minScore)/(maxScore-minScore)*float64(r.Dy())))
	}
}

func rgb(img *image.RGBA, x, y int) (r, g, b int) {
	i := img.PixOffset(x, y)
	return int(img.Pix[i]), int(img.Pix[i+1]), int(img.Pix[i+2])
}

// count returns how many pixels of rect are within 6 of want on every
// channel.
func count(img *image.RGBA, rect image.Rectangle, want drawing.Color) int {
	abs := func(v int) int { return max(v, -v) }
	n := 0
	rect = rect.Intersect(img.Bounds())
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			r, g, b := rgb(img, x, y)
			if abs(r-int(want.R)) <= 6 && abs(g-int(want.G)) <= 6 && abs(b-int(want.B)) <= 6 {
				n++
			}
		}
	}
	return n
}

// colours counts the distinct colours of img, to tell a chart from a blank.
func colours(img *image.RGBA) int {
	seen := map[[3]byte]struct{}{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl := rgb(img, x, y)
			seen[[3]byte{byte(r), byte(g), byte(bl)}] = struct{}{}
		}
	}
	return len(seen)
}

func flat(n int, phase workshop.Phase, v float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{Label: fmt.Sprintf("T%d Step", i+1), Phase: phase, Mean: v, Lo: v, Hi: v}
	}
	return pts
}

func TestRenderSize(t *testing.T) {
	img := render(t, sampleCurve())
	if got := img.Bounds().Dx(); got < 1200 {
		t.Errorf("width = %d, want >= 1200", got)
	}
	if got, want := img.Bounds().Dy(), Height; got != want {
		t.Errorf("height = %d, want %d", got, want)
	}
}

// TestTints samples the background between the points, away from lines and
// grid lines: the negative half is red, the positive half green.
func TestTints(t *testing.T) {
	c := Curve{Title: "Tints", Points: flat(4, workshop.During, 0)}
	img := render(t, c)
	rect, y := canvas(t, c)
	tests := []struct {
		name  string
		score float64
		red   bool
	}{
		{"+1.5", 1.5, false},
		{"+0.5", 0.5, false},
		{"-0.5", -0.5, true},
		{"-1.5", -1.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, frac := range []float64{0.2, 0.6, 0.9} {
				x := rect.Min.X + int(frac*float64(rect.Dx()))
				r, g, _ := rgb(img, x, y(tt.score))
				if got := r > g+10; got != tt.red {
					t.Errorf("pixel (%d,%d) rgb r=%d g=%d: red = %v, want %v", x, y(tt.score), r, g, got, tt.red)
				}
				if got := g > r+10; got == tt.red {
					t.Errorf("pixel (%d,%d) rgb r=%d g=%d: green = %v, want %v", x, y(tt.score), r, g, got, !tt.red)
				}
			}
		})
	}
}

// TestMeanLine puts one phase at +2 and the next at -2: the mean colour
// must be high on the left and low on the right.
func TestMeanLine(t *testing.T) {
	pts := append(flat(3, workshop.Before, 2), flat(3, workshop.After, -2)...)
	c := Curve{Title: "High then low", Points: pts}
	img := render(t, c)
	rect, y := canvas(t, c)
	third := rect.Dx() / 3
	tests := []struct {
		name  string
		cols  image.Rectangle
		score float64
	}{
		{"left is +2", image.Rect(rect.Min.X, rect.Min.Y-20, rect.Min.X+third, rect.Max.Y+20), 2},
		{"right is -2", image.Rect(rect.Max.X-third, rect.Min.Y-20, rect.Max.X, rect.Max.Y+20), -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, n := 0, 0
			for py := tt.cols.Min.Y; py < tt.cols.Max.Y; py++ {
				row := count(img, image.Rect(tt.cols.Min.X, py, tt.cols.Max.X, py+1), meanColor)
				sum, n = sum+row*py, n+row
			}
			if n == 0 {
				t.Fatal("no mean-colour pixel")
			}
			got, want := sum/n, y(tt.score)
			if d := got - want; d < -12 || d > 12 {
				t.Errorf("mean-colour pixels centred on row %d, want about %d", got, want)
			}
		})
	}
}

// TestLines checks that each line colour appears exactly when its line
// exists (the legend swatch included).
func TestLines(t *testing.T) {
	cur := flat(5, workshop.During, 1)
	ideal := flat(5, workshop.During, 1)
	for i := range ideal {
		ideal[i].Ideal = i == 2
	}
	allIdeal := flat(3, workshop.During, -1)
	for i := range allIdeal {
		allIdeal[i].Ideal = true
	}
	prevs := map[string]float64{"T1 Step": 0, "T2 Step": -1}
	tests := []struct {
		name                 string
		c                    Curve
		mean, idealed, prevd bool
	}{
		{"current only", Curve{Points: cur}, true, false, false},
		{"one ideal", Curve{Points: ideal}, true, true, false},
		{"all ideal", Curve{Points: allIdeal}, false, true, false},
		{"previous", Curve{Points: cur, Previous: prevs}, true, false, true},
		{"previous, no match", Curve{Points: cur, Previous: map[string]float64{"Nope": 1}}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := render(t, tt.c)
			rect, y := canvas(t, tt.c)
			for _, l := range []struct {
				name  string
				color drawing.Color
				want  bool
			}{{"mean", meanColor, tt.mean}, {"ideal", idealColor, tt.idealed}, {"previous", prevColor, tt.prevd}} {
				// Inside the plot, but off the zero line, whose
				// anti-aliased edges are greys too. 30 pixels: more
				// than stray anti-aliasing, less than any line.
				n := count(img, image.Rect(rect.Min.X, rect.Min.Y-12, rect.Max.X, y(0)-4), l.color) +
					count(img, image.Rect(rect.Min.X, y(0)+4, rect.Max.X, rect.Max.Y+12), l.color)
				if got := n > 30; got != l.want {
					t.Errorf("%s colour present = %v, want %v", l.name, got, l.want)
				}
			}
		})
	}
}

// TestEdgeCases renders awkward curves: each must give a real picture (many
// colours, full size), never an error or a panic.
func TestEdgeCases(t *testing.T) {
	long := strings.Repeat("Très long nom ", 15)[:200]
	nan := math.NaN()
	many := func(n int, label func(int) string) []Point {
		pts := make([]Point, n)
		for i := range pts {
			v := float64(i%5) - 2
			pts[i] = Point{Label: label(i), Phase: workshop.Phases[i*3/n], Mean: v, Lo: v - 1, Hi: v + 1, Ideal: i%7 == 3}
		}
		return pts
	}
	tests := []struct {
		name string
		c    Curve
	}{
		{"one touchpoint", Curve{Title: "One", Points: []Point{{Label: "T1 Alone", Phase: workshop.Before, Mean: 1, Lo: 0, Hi: 2}}}},
		{"one ideal touchpoint", Curve{Points: []Point{{Label: "T1 Dream", Mean: 2, Lo: 2, Hi: 2, Ideal: true}}}},
		{"all scores equal", Curve{Points: flat(6, workshop.During, 1)}},
		{"all zero", Curve{Points: flat(6, workshop.During, 0)}},
		{"two touchpoints", Curve{Points: flat(2, workshop.After, -2)}},
		{"5 touchpoints, flat labels", Curve{Points: many(5, func(i int) string { return fmt.Sprintf("T%d Pricing", i+1) })}},
		{"24 touchpoints, rotated labels", Curve{Points: many(24, func(i int) string { return fmt.Sprintf("T%d Compare delivery options", i+1) })}},
		{"50 touchpoints", Curve{Points: many(50, func(i int) string { return fmt.Sprintf("T%d Step", i+1) })}},
		{"500 touchpoints", Curve{Points: many(500, func(i int) string { return fmt.Sprintf("T%d", i+1) })}},
		{"200-character names", Curve{Title: long, Points: many(8, func(int) string { return long })}},
		{"emoji and accents", Curve{Title: "🎉 Fête 🎉", Points: many(12, func(i int) string {
			return "Réservation 🏨👨‍👩‍👧 façade ñ " + strings.Repeat("😀", i)
		})}},
		{"emoji-only names", Curve{Title: "🎉", Points: many(5, func(int) string { return "🚀🔥" })}},
		{"empty labels", Curve{Points: many(5, func(int) string { return "" })}},
		{"control characters", Curve{Title: "a\nb\tc\x00", Points: many(4, func(int) string { return "line\r\nbreak\x1b[31m" })}},
		{"invalid UTF-8", Curve{Title: "\xff\xfe", Points: many(4, func(int) string { return "bad \xc3\x28 utf8" })}},
		{"NaN mean", Curve{Points: []Point{{Label: "a", Mean: nan}, {Label: "b", Mean: 1}, {Label: "c", Mean: nan}}}},
		{"all NaN", Curve{Points: []Point{{Label: "a", Mean: nan, Lo: nan, Hi: nan}, {Label: "b", Mean: nan}}}},
		{"NaN bounds", Curve{Points: []Point{{Label: "a", Mean: 1, Lo: nan, Hi: math.Inf(1)}, {Label: "b", Mean: -1, Lo: math.Inf(-1), Hi: nan}}}},
		{"out of range", Curve{Points: []Point{{Label: "a", Mean: 10, Lo: -50, Hi: 99}, {Label: "b", Mean: -1e300, Lo: 5, Hi: -5}}}},
		{"previous NaN", Curve{Points: flat(3, workshop.Before, 0), Previous: map[string]float64{"T1 Step": nan, "T2 Step": math.Inf(1), "T3 Step": 1}}},
		{"unknown phase", Curve{Points: []Point{{Label: "a", Phase: "", Mean: 1}, {Label: "b", Phase: "weird", Mean: 0}}}},
		{"long localized labels", Curve{
			Points:      flat(3, workshop.Before, 1),
			PhaseLabels: map[workshop.Phase]string{workshop.Before: strings.Repeat("Avant l'achat ", 20)},
			YLabel:      strings.Repeat("Émotion ", 40),
			LegendMean:  strings.Repeat("Moyenne ", 40),
		}},
		{"phases out of order", Curve{Points: []Point{
			{Label: "a", Phase: workshop.After, Mean: 1}, {Label: "b", Phase: workshop.Before, Mean: -1},
			{Label: "c", Phase: workshop.After, Mean: 0}, {Label: "d", Phase: workshop.Before, Mean: 2},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := render(t, tt.c)
			if *sampleDir != "" {
				writePNG(t, filepath.Join(*sampleDir, "chart-edge-"+strings.ReplaceAll(tt.name, " ", "-")+".png"), img)
			}
			if got := img.Bounds().Dx(); got < 1200 {
				t.Errorf("width = %d, want >= 1200", got)
			}
			// A blank or background-only image has a handful of colours;
			// text and anti-aliased lines give hundreds.
			if got := colours(img); got < 50 {
				t.Errorf("%d distinct colours, want >= 50 (blank image?)", got)
			}
		})
	}
}

func TestTooManyTouchpoints(t *testing.T) {
	var buf bytes.Buffer
	err := Render(&buf, Curve{Points: flat(MaxPoints+1, workshop.During, 0)})
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("err = %v, want a too-many-touchpoints error", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes on error, want 0", buf.Len())
	}
}

func TestNoTouchpoints(t *testing.T) {
	tests := []struct {
		name string
		pts  []Point
	}{
		{"nil", nil},
		{"empty", []Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, Curve{Title: "Nothing", Points: tt.pts})
			if !errors.Is(err, ErrNoTouchpoints) {
				t.Errorf("err = %v, want ErrNoTouchpoints", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes on error, want 0", buf.Len())
			}
		})
	}
}

func TestFromTouchpoints(t *testing.T) {
	tps := []workshop.Touchpoint{
		{ID: "T1", Name: "Pricing page", Phase: workshop.Before, Scores: map[string]int{"a": -1, "b": 2, "c": 2}},
		{ID: "T2", Name: "Checkout", Phase: workshop.During, Emotion: -2},
		{ID: "T3", Name: "Delivery SMS", Phase: workshop.After, Scores: map[string]int{"a": 1}, State: workshop.StateIdeal},
	}
	got := FromTouchpoints(tps)
	want := []Point{
		{Label: "T1 Pricing page", Name: "Pricing page", Phase: workshop.Before, Mean: 1, Lo: -1, Hi: 2},
		{Label: "T2 Checkout", Name: "Checkout", Phase: workshop.During, Mean: -2, Lo: -2, Hi: -2},
		{Label: "T3 Delivery SMS", Name: "Delivery SMS", Phase: workshop.After, Mean: 1, Lo: 1, Hi: 1, Ideal: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d points, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestClean(t *testing.T) {
	if err := Init(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
	}{
		{"Pricing page", "Pricing page"},
		{"Réception à la façade, œuvre, naïve, ß, ñ", "Réception à la façade, œuvre, naïve, ß, ñ"},
		{"Pay 🎉 now", "Pay now"},
		{"🚀 Launch", "Launch"},
		{"Family 👨‍👩‍👧 trip", "Family trip"},
		{"Heart ❤️ flag 🇫🇷 keycap 1️⃣", "Heart flag keycap 1"},
		{"arrow → ✓ ok", "arrow ok"},
		{"line\nbreak\ttab", "line break tab"},
		{"  lots   of   space  ", "lots of space"},
		{"zero\u200bwidth", "zerowidth"},
		{"bad \xff byte", "bad byte"},
		{"Checkout — Claire, 34 €", "Checkout — Claire, 34 €"},
		{"🎉🎉", ""},
	}
	for _, tt := range tests {
		if got := clean(font, tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"T3 Pricing page", 22, "T3 Pricing page"},
		{"T12 Compare delivery options with competitors", 22, "T12 Compare delivery…"},
		{"Réception à domicile très tardive", 12, "Réception à…"},
		{"exactly ten", 11, "exactly ten"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"", 5, ""},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > max(tt.n, 0) {
			t.Errorf("truncate(%q, %d) has %d runes", tt.in, tt.n, n)
		}
	}
}

func TestPrevious(t *testing.T) {
	if err := Init(); err != nil {
		t.Fatal(err)
	}
	pts := []Point{
		{Label: "T1 Pricing page", Name: "Pricing page", Mean: 1},
		{Label: "T2 Checkout", Name: "checkout ", Mean: 0},
		{Label: "T3 New", Name: "New", Mean: 0},
		{Label: "T4 Label only", Mean: 0},
	}
	prev := map[string]float64{"Pricing page": -1, "Checkout": 5, "T4 Label only": 0.5, "Gone": 2}
	d := prepare(Curve{Points: pts, Previous: prev})
	wantX := []float64{0, 1, 3}
	wantY := []float64{-1, 2, 0.5} // "checkout " matches "Checkout", 5 is clamped
	if fmt.Sprint(d.prev.x) != fmt.Sprint(wantX) || fmt.Sprint(d.prev.y) != fmt.Sprint(wantY) {
		t.Errorf("previous = %v %v, want %v %v", d.prev.x, d.prev.y, wantX, wantY)
	}
}

// TestConcurrent renders from several goroutines at once; run with -race.
// The first renders of a process are the dangerous ones (go-chart loads its
// font lazily, without locking), and other tests have loaded it by now, so
// the test also re-runs itself in a fresh process where nothing has.
func TestConcurrent(t *testing.T) {
	if os.Getenv("CHART_CONCURRENT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrent$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CHART_CONCURRENT_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fresh process: %v\n%s", err, out)
		}
	}
	curves := []Curve{sampleCurve(), edgeCurve(), {Points: flat(1, workshop.Before, 0)}}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for g := range cap(errs) {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := Render(&buf, curves[g%len(curves)]); err != nil {
				errs <- err
				return
			}
			if _, err := png.Decode(&buf); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzRender throws arbitrary names, scores and counts at Render: it must
// return a decodable PNG, never panic, and never keep a rune the font
// cannot draw.
func FuzzRender(f *testing.F) {
	f.Add("Pricing page", 1.5, -1.0, 2.0, uint8(12), uint8(0))
	f.Add("", 0.0, 0.0, 0.0, uint8(1), uint8(1))
	f.Add("🎉 Fête à la façade 👨‍👩‍👧", math.NaN(), math.Inf(1), math.Inf(-1), uint8(50), uint8(7))
	f.Add(strings.Repeat("x", 200), 1e308, -1e308, 2.0, uint8(255), uint8(3))
	f.Add("\xff\x00\n", -2.0, 2.0, -2.0, uint8(2), uint8(255))
	f.Fuzz(func(t *testing.T, name string, mean, lo, hi float64, n, flags uint8) {
		count := int(n)%120 + 1
		pts := make([]Point, count)
		for i := range pts {
			// Vary the values per point so that lines, bands and gaps
			// all occur, from the fuzzed ones.
			m := mean
			if flags&1 != 0 {
				m += float64(i%5) - 2
			}
			pts[i] = Point{
				Label: fmt.Sprintf("T%d %s", i+1, name),
				Name:  name,
				Phase: workshop.Phases[(i*3/count+int(flags>>4))%3],
				Mean:  m, Lo: lo, Hi: hi,
				Ideal: flags&2 != 0 && i%3 == int(flags>>2)%3,
			}
		}
		c := Curve{Title: name, Points: pts, YLabel: name, LegendMean: name}
		if flags&8 != 0 {
			c.Previous = map[string]float64{name: lo}
		}
		if flags&16 != 0 {
			c.PhaseLabels = map[workshop.Phase]string{workshop.Before: name}
		}
		// Only the header is decoded: a full decode would halve the
		// fuzzing rate, and the edge-case tests decode real pictures.
		var buf bytes.Buffer
		if err := Render(&buf, c); err != nil {
			t.Fatalf("Render: %v", err)
		}
		cfg, err := png.DecodeConfig(&buf)
		if err != nil {
			t.Fatalf("decode PNG header: %v", err)
		}
		if cfg.Width < 1200 {
			t.Fatalf("width %d", cfg.Width)
		}
		d := prepare(c)
		for _, s := range append([]string{d.title, d.yLabel}, d.labels...) {
			for _, r := range s {
				if font.Index(r) == 0 {
					t.Fatalf("kept undrawable rune %U in %q", r, s)
				}
			}
		}
	})
}

func benchmarkRender(b *testing.B, c Curve) {
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender12 is the realistic sample; BenchmarkRender50 the long
// journey with long emoji names.
func BenchmarkRender12(b *testing.B) { benchmarkRender(b, sampleCurve()) }
func BenchmarkRender50(b *testing.B) { benchmarkRender(b, edgeCurve()) }

func writePNG(t testing.TB, path string, img *image.RGBA) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
