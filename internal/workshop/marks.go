package workshop

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Mark kinds.
const (
	// MarkVote is a person's dot-votes in one vote round: Key the round
	// ("V1"), Items the stable keys of what they chose.
	MarkVote = "vote"
	// MarkRating is a person's rating of one change: Key the change's
	// stable key, Impact and Effort from MinRating to MaxRating.
	MarkRating = "rating"
)

// The rating scale of impact and effort.
const (
	MinRating = 1
	MaxRating = 5
)

// ErrMark: a mark of no known kind, or a rating out of range.
var ErrMark = errors.New("invalid mark")

// Mark is one person's standing choice in a workshop: their dot-votes in a
// vote round, their rating of a change. A person has one mark per kind and
// key: a later PutMark replaces it, so a repeated or retried submission
// counts once, and changing one's votes is storing them again.
type Mark struct {
	Kind   string    `json:"kind"`
	Key    string    `json:"key"`
	User   string    `json:"user"`
	Items  []string  `json:"items,omitempty"`
	Impact int       `json:"impact,omitempty"`
	Effort int       `json:"effort,omitempty"`
	At     time.Time `json:"at"`
}

// Field is where a store files the mark: one per kind, key and user.
func (m Mark) Field() string { return m.Kind + "|" + m.Key + "|" + m.User }

// Validate refuses a mark a store must not keep.
func (m Mark) Validate() error {
	if m.Key == "" || m.User == "" {
		return fmt.Errorf("%w: %s mark without key or user", ErrMark, m.Kind)
	}
	switch m.Kind {
	case MarkVote:
		return nil
	case MarkRating:
		for _, v := range []int{m.Impact, m.Effort} {
			if v < MinRating || v > MaxRating {
				return fmt.Errorf("%w: rating %s out of %d-%d", ErrMark, strconv.Itoa(v), MinRating, MaxRating)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: kind %q", ErrMark, m.Kind)
}

// MarksOf returns the workshop's marks of kind and key ("" for every key),
// in the store's order.
func (w *Workshop) MarksOf(kind, key string) []Mark {
	var out []Mark
	for _, m := range w.Marks {
		if m.Kind == kind && (key == "" || m.Key == key) {
			out = append(out, m)
		}
	}
	return out
}
