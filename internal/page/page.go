// Package page is a journey map as one printed page shows it: a title,
// the emotion curve, the touchpoints in one column per phase, and a side
// column of sections (persona, goals, resources, changes), each a heading
// over cards. Every word is already in the workshop's language.
//
// It is plain data, built by internal/export from a workshop and drawn by
// internal/pdf, so that the engine can hand a page to a renderer without
// depending on a PDF library (as it hands the chart package a curve).
package page

import (
	"math"
	"time"
)

// Sheet is one journey map as a page shows it.
type Sheet struct {
	// Title names the workshop; Subtitle says what the page is (a
	// journey map, which workshop, who facilitated, when it was exported).
	Title, Subtitle string
	// Badge is shown in a pill at the top right: the map type.
	Badge string
	// Lang is the language of the words (en, fr), recorded in the PDF.
	Lang string
	// Chart is the emotion curve as a PNG, drawn across the top of the
	// page; nil leaves it out.
	Chart []byte
	// Journey heads the touchpoint area; its Tag names the step.
	Journey Section
	// Legend says what the touchpoints' coloured marks mean, from the
	// worst emotion to the best. It is drawn beside the Journey heading.
	Legend []Key
	// Phases are the touchpoint columns, in journey order: each section's
	// heading is the phase's name, its cards the phase's touchpoints.
	Phases []Section
	// Side is the right-hand column, top to bottom: the persona, goals,
	// resources, changes.
	Side []Section
	// Footer is printed at the bottom left of each page (the review
	// schedule); the page number goes to the right.
	Footer string
	Words  Words
	// Date is the PDF's creation date, so that one map gives one file.
	Date time.Time
}

// Words are the sentences a renderer needs while it lays the page out.
type Words struct {
	// Continued heads a section that runs over from an earlier column:
	// "Before (continued)".
	Continued func(heading string) string
	// More is the last line when n items fit on neither page.
	More func(n int) string
	// Page numbers a page: "Page 1 of 2".
	Page func(n, of int) string
	// Nothing is what an empty section shows.
	Nothing string
}

// Section is a heading and its cards.
type Section struct {
	Heading string
	// Tag is small text right of the heading: the method's step.
	Tag   string
	Cards []Card
}

// Card is one item: a touchpoint, the persona, a goal, a resource, a
// change.
type Card struct {
	// Mark is the coloured marker left of the title; its colour edges the
	// card.
	Mark Mark
	// Title is the card's first line(s), in bold.
	Title string
	// Value is drawn right of the title in the mark's colour: a score, a
	// kind.
	Value string
	Lines []Line
	// Highlight draws the card tinted, with a bigger title: the persona.
	Highlight bool
}

// Line is one line of a card (wrapped when long).
type Line struct {
	Tone Tone
	// Label is printed in bold before Text, e.g. "+" before a gain.
	Label string
	Text  string
}

// Tone colours a line.
type Tone uint8

// Tones.
const (
	Plain Tone = iota
	Muted      // secondary facts: channel, owner, date
	Good       // gains, answered goals
	Bad        // pains, unanswered goals, overdue dates
)

// Mark is a card's coloured marker: an emotion, a test verdict or a
// resource's kind.
type Mark uint8

// Marks. Emotions are round, verdicts square.
const (
	NoMark Mark = iota
	Furious
	Unhappy
	Indifferent
	Pleased
	Delighted
	Answered
	PartlyAnswered
	NotAnswered
	Untested
	Have
	Need
)

// Emotion is the mark of a mean score on the -2..+2 scale (rounded to the
// nearest step; NaN is indifferent).
func Emotion(v float64) Mark {
	if math.IsNaN(v) {
		return Indifferent
	}
	i := int(math.Round(max(-2, min(2, v))))
	return [...]Mark{Furious, Unhappy, Indifferent, Pleased, Delighted}[i+2]
}

// Key is one entry of the legend.
type Key struct {
	Mark  Mark
	Label string
}
