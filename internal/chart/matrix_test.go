package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/wcharczuk/go-chart/v2/drawing"
)

// renderMatrixImage draws m and decodes the PNG.
func renderMatrixImage(t testing.TB, m Matrix) *image.RGBA {
	t.Helper()
	img, err := decodeMatrix(m)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func decodeMatrix(m Matrix) (*image.RGBA, error) {
	var buf bytes.Buffer
	if err := RenderMatrix(&buf, m); err != nil {
		return nil, fmt.Errorf("RenderMatrix: %w", err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("decode PNG: %w", err)
	}
	// Pixel loops read Pix directly: img.At allocates per pixel, which is
	// slow under -race.
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	}
	return rgba, nil
}

// quadrantRects are the four quadrants of the plot, each kept clear of the
// split lines by more than a point's radius, so a point drawn in one never
// spills into another's rectangle.
func quadrantRects() map[string]image.Rectangle {
	r := MatrixPlot()
	mid := MatrixPixel(middleRating, middleRating)
	pad := int(pointR+pointRing) + 2
	return map[string]image.Rectangle{
		"quick wins": image.Rect(r.Min.X, r.Min.Y, mid.X-pad, mid.Y-pad),
		"big bets":   image.Rect(mid.X+pad, r.Min.Y, r.Max.X, mid.Y-pad),
		"fill-ins":   image.Rect(r.Min.X, mid.Y+pad, mid.X-pad, r.Max.Y),
		"money pits": image.Rect(mid.X+pad, mid.Y+pad, r.Max.X, r.Max.Y),
	}
}

// oneMatrix is one change at (2, 2), rendered once for the tests that
// only look at the frame: renders are slow under -race.
var oneMatrixOnce = sync.OnceValues(func() (*image.RGBA, error) {
	return decodeMatrix(Matrix{Title: "Frame", Points: []MatrixPoint{{Label: "C12", Impact: 2, Effort: 2}}})
})

func oneMatrix(t *testing.T) *image.RGBA {
	t.Helper()
	img, err := oneMatrixOnce()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestMatrixSize(t *testing.T) {
	img := oneMatrix(t)
	if got := img.Bounds().Dx(); got < 1200 {
		t.Errorf("width = %d, want >= 1200", got)
	}
	if got, want := img.Bounds().Dy(), MatrixHeight; got != want {
		t.Errorf("height = %d, want %d", got, want)
	}
	if !MatrixPlot().In(img.Bounds()) {
		t.Errorf("plot %v outside the picture %v", MatrixPlot(), img.Bounds())
	}
}

// Each point is drawn where its ratings put it, in the point colour, and
// nowhere else: a quadrant holds point pixels exactly when a change falls
// in it.
func TestMatrixPlacesPointsInTheirQuadrants(t *testing.T) {
	tests := []struct {
		name   string
		points []MatrixPoint
		want   []string // quadrants holding a point
	}{
		{"one in each, two alike", []MatrixPoint{
			{Label: "C1", Impact: 4.5, Effort: 1.5},
			{Label: "C2", Impact: 4.5, Effort: 4.5},
			{Label: "C3", Impact: 1.5, Effort: 1.5},
			{Label: "C4", Impact: 1.5, Effort: 4.5},
			{Label: "C5", Impact: 4.5, Effort: 4.5},
		}, []string{"quick wins", "big bets", "fill-ins", "money pits"}},
		// Out of range is clamped (C2 to 5, 1); NaN is the middle, on
		// the split, outside every quadrant's rectangle.
		{"quick wins only", []MatrixPoint{{Label: "C1", Impact: 5, Effort: 1}, {Label: "C2", Impact: 9, Effort: -3}, {Label: "C3", Impact: math.NaN(), Effort: 3}}, []string{"quick wins"}},
		{"money pit only", []MatrixPoint{{Label: "C9", Impact: 1, Effort: 5}}, []string{"money pits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := renderMatrixImage(t, Matrix{Title: "Placement", Points: tt.points})
			for name, rect := range quadrantRects() {
				want := 0
				for _, q := range tt.want {
					if q == name {
						want = 1
					}
				}
				got := count(img, rect, pointColor)
				if want == 1 && got < 200 {
					t.Errorf("%s: %d point pixels, want a point (at least 200)", name, got)
				}
				if want == 0 && got > 0 {
					t.Errorf("%s: %d point pixels, want none", name, got)
				}
			}
			for _, p := range tt.points {
				if !finite(p.Impact) {
					continue
				}
				at := MatrixPixel(p.Effort, p.Impact)
				if n := count(img, image.Rect(at.X-4, at.Y-4, at.X+5, at.Y+5), pointColor); n < 70 {
					t.Errorf("%s at %v: %d of 81 pixels in the point colour", p.Label, at, n)
				}
			}
		})
	}
}

// A point sits at its exact ratings: 1 and 5 on the grid lines, the
// middle on the split.
func TestMatrixPixel(t *testing.T) {
	r := MatrixPlot()
	unit := float64(r.Dx()) / (matrixHi - matrixLo)
	for _, tt := range []struct{ effort, impact float64 }{{1, 1}, {5, 5}, {3, 3}, {1, 5}, {2.5, 4.2}} {
		p := MatrixPixel(tt.effort, tt.impact)
		wantX := float64(r.Min.X) + (tt.effort-matrixLo)*unit
		wantY := float64(r.Max.Y) - (tt.impact-matrixLo)*unit
		if math.Abs(float64(p.X)-wantX) > 1 || math.Abs(float64(p.Y)-wantY) > 1 {
			t.Errorf("MatrixPixel(%v, %v) = %v, want (%.0f, %.0f)", tt.effort, tt.impact, p, wantX, wantY)
		}
	}
	if a, b := MatrixPixel(2, 4), MatrixPixel(4, 2); a.X >= b.X || a.Y >= b.Y {
		t.Errorf("effort grows to the right and impact upwards: %v, %v", a, b)
	}
}

// Each quadrant has its own tint, away from points, lines and labels.
func TestMatrixQuadrantTints(t *testing.T) {
	img := oneMatrix(t)
	for name, want := range map[string]drawing.Color{"quick wins": quickTint, "big bets": betTint, "fill-ins": fillTint, "money pits": pitTint} {
		// The centre of a grid cell: (1.5, 4.5) and its mirrors, away
		// from the point at (2, 2) and its label.
		effort, impact := 1.5, 4.5
		if strings.Contains("big bets money pits", name) {
			effort = 4.5
		}
		if strings.Contains("fill-ins money pits", name) {
			impact = 1.5
		}
		at := MatrixPixel(effort, impact)
		if n := count(img, image.Rect(at.X-5, at.Y-5, at.X+5, at.Y+5), want); n != 100 {
			t.Errorf("%s at %v: %d of 100 pixels in its tint %v", name, at, n, want)
		}
	}
}

// The quadrant names are written in their corners in their own ink, and
// a point's label beside it.
func TestMatrixLabels(t *testing.T) {
	img := oneMatrix(t)
	r := MatrixPlot()
	corner := 220
	for name, c := range map[string]struct {
		rect image.Rectangle
		ink  drawing.Color
	}{
		"quick wins": {image.Rect(r.Min.X, r.Min.Y, r.Min.X+corner, r.Min.Y+60), quickInk},
		"big bets":   {image.Rect(r.Max.X-corner, r.Min.Y, r.Max.X, r.Min.Y+60), betInk},
		"fill-ins":   {image.Rect(r.Min.X, r.Max.Y-60, r.Min.X+corner, r.Max.Y), fillInk},
		"money pits": {image.Rect(r.Max.X-corner, r.Max.Y-60, r.Max.X, r.Max.Y), pitInk},
	} {
		if n := count(img, c.rect, c.ink); n < 30 {
			t.Errorf("%s: %d pixels of its name's ink in its corner", name, n)
		}
	}
	at := MatrixPixel(2, 2)
	right := image.Rect(at.X+int(pointR)+4, at.Y-14, at.X+int(pointR)+60, at.Y+14)
	if n := count(img, right, textColor); n < 20 {
		t.Errorf("no label right of the point: %d text pixels in %v", n, right)
	}
}

func TestMatrixWithoutPoints(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderMatrix(&buf, Matrix{Title: "Empty"}); !errors.Is(err, ErrNoRatings) {
		t.Errorf("err = %v, want ErrNoRatings", err)
	}
	many := Matrix{}
	for i := range MaxMatrixPoints + 1 {
		many.Points = append(many.Points, MatrixPoint{Label: fmt.Sprintf("C%d", i+1), Impact: 3, Effort: 3})
	}
	if err := RenderMatrix(&buf, many); err == nil {
		t.Error("too many points rendered")
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written by failed renders", buf.Len())
	}
}

// Crowded, long and out-of-range input still renders, and its labels stay
// in the picture.
func TestMatrixEdge(t *testing.T) {
	img := renderMatrixImage(t, edgeMatrix())
	if colours(img) < 50 {
		t.Error("the edge matrix looks blank")
	}
}

func TestMatrixConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := RenderMatrix(&buf, sampleMatrix()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestPlaceLabel(t *testing.T) {
	inside := image.Rect(0, 0, 1000, 1000)
	at := image.Pt(500, 500)
	first := placeLabel(at, 40, 20, inside, nil)
	if first.Min.X <= at.X {
		t.Errorf("a free label goes right of its point, got %v", first)
	}
	second := placeLabel(at, 40, 20, inside, []image.Rectangle{first})
	if second.Overlaps(first) {
		t.Errorf("second label %v overlaps the first %v", second, first)
	}
	edge := placeLabel(image.Pt(990, 500), 40, 20, inside, nil)
	if !edge.In(inside) {
		t.Errorf("a label at the right edge goes out: %v", edge)
	}
}
