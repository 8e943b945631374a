package chart

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/journeybot/journeybot/internal/workshop"
)

// futureCurve is the same journey twice: today's touchpoints at -1 and
// the ideal ones at +1.
func futureCurve(future bool) Curve {
	var pts []Point
	for i, ph := range []workshop.Phase{workshop.Before, workshop.Before, workshop.During, workshop.During, workshop.After, workshop.After} {
		p := Point{Label: "Step", Phase: ph, Mean: -1, Lo: -1, Hi: -1}
		if i%2 == 1 {
			p.Mean, p.Lo, p.Hi, p.Ideal = 1, 1, 1, true
		}
		pts = append(pts, p)
	}
	return Curve{Title: "Checkout — future state", Points: pts, Future: future}
}

// TestFutureStateIdealIsTheMainLine checks, on the decoded PNG, that a
// future-state chart draws the ideal as the main line (thicker, on top)
// and today's as a thinner comparison, and lists the ideal first.
func TestFutureStateIdealIsTheMainLine(t *testing.T) {
	ratio := func(c Curve) float64 {
		img := render(t, c)
		rect, y := canvas(t, c)
		band := func(v float64) image.Rectangle {
			return image.Rect(rect.Min.X, y(v)-15, rect.Max.X, y(v)+15)
		}
		ideal, mean := count(img, band(1), idealColor), count(img, band(-1), meanColor)
		if mean == 0 || ideal == 0 {
			t.Fatalf("ideal %d, mean %d pixels: a line is missing", ideal, mean)
		}
		if dir := os.Getenv("CHART_OUT"); dir != "" {
			name := "current-with-ideal.png"
			if c.Future {
				name = "future-state.png"
			}
			writePNG(t, filepath.Join(dir, name), img)
		}
		return float64(ideal) / float64(mean)
	}
	plain, future := ratio(futureCurve(false)), ratio(futureCurve(true))
	if future < 1.5 || future < plain*1.4 {
		t.Errorf("ideal/today pixel ratio %.2f in a future-state chart (%.2f otherwise): the ideal is not the main line", future, plain)
	}
	d := prepare(futureCurve(true))
	if len(d.legend) < 2 || d.legend[0].color != idealColor || d.legend[1].kind != legendDashed {
		t.Errorf("legend %+v: want the ideal first, today dashed", d.legend)
	}
}

// TestDayInTheLifePhases checks that times of the day band the x axis, in
// order, with their own labels.
func TestDayInTheLifePhases(t *testing.T) {
	var pts []Point
	for _, ph := range workshop.DayPhases {
		pts = append(pts, flat(2, ph, 0)...)
	}
	for i := range pts {
		v := float64(i%5) - 2
		pts[i].Mean, pts[i].Lo, pts[i].Hi = v, v, v
	}
	c := Curve{Title: "A day of Claire", Points: pts, PhaseLabels: map[workshop.Phase]string{workshop.Afternoon: "Après-midi"}}
	var got []string
	for _, r := range prepare(c).phases {
		got = append(got, r.label)
	}
	if want := []string{"Morning", "Midday", "Après-midi", "Evening", "Night"}; !slices.Equal(got, want) {
		t.Errorf("phase bands %q, want %q", got, want)
	}
	img := render(t, c)
	if n := colours(img); n < 50 {
		t.Errorf("%d colours: the chart looks blank", n)
	}
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		writePNG(t, filepath.Join(dir, "day-in-the-life.png"), img)
	}
}
