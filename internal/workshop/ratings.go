package workshop

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Rating is the team's view of one change: the mean of every participant's
// impact and effort (each from MinRating to MaxRating) and how many rated
// it. A change nobody rated has Count 0.
type Rating struct {
	Impact float64
	Effort float64
	Count  int
}

// Rated reports whether anybody rated the change.
func (r Rating) Rated() bool { return r.Count > 0 }

// Quadrant is where a rated change falls on the impact/effort matrix.
type Quadrant string

// The four quadrants, in the order they are worth doing.
const (
	// QuickWin: high impact, low effort: do these first.
	QuickWin Quadrant = "quick_win"
	// BigBet: high impact, high effort: worth planning.
	BigBet Quadrant = "big_bet"
	// FillIn: low impact, low effort: when there is time.
	FillIn Quadrant = "fill_in"
	// MoneyPit: low impact, high effort: think twice.
	MoneyPit Quadrant = "money_pit"
)

// Quadrants lists the quadrants in the order they are worth doing.
var Quadrants = []Quadrant{QuickWin, BigBet, FillIn, MoneyPit}

// RatingMiddle splits the scale in two: a mean above it is high, a mean at
// or below it is low. A change rated 3 for impact is not yet one the team
// calls high-impact, and 3 for effort not yet a heavy one.
const RatingMiddle = 3

// Quadrant says where r falls; "" when nobody rated the change.
func (r Rating) Quadrant() Quadrant {
	if !r.Rated() {
		return ""
	}
	high, heavy := r.Impact > RatingMiddle, r.Effort > RatingMiddle
	switch {
	case high && !heavy:
		return QuickWin
	case high:
		return BigBet
	case !heavy:
		return FillIn
	}
	return MoneyPit
}

// Ratings returns the team's rating of every change rated so far, by the
// change's stable key (see Change.Key), from the workshop's rating marks.
func (w *Workshop) Ratings() map[string]Rating {
	type sum struct{ impact, effort, n int }
	sums := map[string]*sum{}
	for _, m := range w.Marks {
		if m.Kind != MarkRating || m.Impact < MinRating || m.Impact > MaxRating || m.Effort < MinRating || m.Effort > MaxRating {
			continue // stores refuse a rating out of range; one written by hand is ignored
		}
		s := sums[m.Key]
		if s == nil {
			s = &sum{}
			sums[m.Key] = s
		}
		s.impact += m.Impact
		s.effort += m.Effort
		s.n++
	}
	out := make(map[string]Rating, len(sums))
	for k, s := range sums {
		out[k] = Rating{Impact: float64(s.impact) / float64(s.n), Effort: float64(s.effort) / float64(s.n), Count: s.n}
	}
	return out
}

// MyRating returns user's own rating of the change with key, if they gave
// one.
func (w *Workshop) MyRating(key, user string) (Mark, bool) {
	for _, m := range w.MarksOf(MarkRating, key) {
		if m.User == user {
			return m, true
		}
	}
	return Mark{}, false
}

// Priorities returns the changes in the order to do them, by the team's
// ratings: rated changes first, the highest impact minus effort first
// (impact 5 effort 1 gives 4, impact 1 effort 5 gives -4), then the higher
// impact, then the lower effort; changes nobody rated last. Ties keep the
// changes' own order (C1, C2, …).
func (m *Map) Priorities() []Change {
	out := slices.Clone(m.Changes)
	slices.SortStableFunc(out, func(a, b Change) int {
		ra, rb := a.Rating, b.Rating
		if ra.Rated() != rb.Rated() {
			if ra.Rated() {
				return -1
			}
			return 1
		}
		if !ra.Rated() {
			return 0
		}
		return cmp.Or(
			cmp.Compare(fixed(rb.Impact-rb.Effort), fixed(ra.Impact-ra.Effort)),
			cmp.Compare(fixed(rb.Impact), fixed(ra.Impact)),
			cmp.Compare(fixed(ra.Effort), fixed(rb.Effort)),
		)
	})
	return out
}

// fixed rounds a mean to a millionth, so that two means equal on paper
// (11/3 - 5/3 and 4 - 2) compare equal in floating point.
func fixed(v float64) int64 { return int64(math.Round(v * 1e6)) }

// Rated reports whether any change of the map has been rated.
func (m *Map) Rated() bool {
	for _, c := range m.Changes {
		if c.Rating.Rated() {
			return true
		}
	}
	return false
}

var changeRef = regexp.MustCompile(`^[cC](\d{1,4})$`)

// ParseChangeRef reads "C3" and returns 3.
func ParseChangeRef(s string) (int, bool) {
	mm := changeRef.FindStringSubmatch(strings.TrimSpace(s))
	if mm == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(mm[1])
	return n, n >= 1
}

// Change returns change number n (C<n>), if there is one.
func (m *Map) Change(n int) (*Change, bool) {
	if n < 1 || n > len(m.Changes) {
		return nil, false
	}
	return &m.Changes[n-1], true
}
