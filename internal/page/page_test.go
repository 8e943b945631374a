package page

import (
	"math"
	"testing"
)

func TestEmotion(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want Mark
	}{{-2, Furious}, {-1.5, Furious}, {-1.4, Unhappy}, {-0.5, Unhappy}, {0, Indifferent}, {0.4, Indifferent}, {1, Pleased}, {1.6, Delighted}, {9, Delighted}, {-9, Furious}, {math.NaN(), Indifferent}} {
		if got := Emotion(c.v); got != c.want {
			t.Errorf("Emotion(%v) = %v, want %v", c.v, got, c.want)
		}
	}
}
