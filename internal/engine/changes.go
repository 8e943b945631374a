package engine

import (
	"context"
	"maps"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// watchedStore tells changed about the writes that change what a workshop
// shows on its people's homes or its canvas (Config.Changed), once they have succeeded.
// Watching the store rather than each command catches every path that
// writes: commands, buttons, forms, replies, and the scheduler's deadlines.
type watchedStore struct {
	Store
	changed func(id string)
}

// MetaAndCounts keeps the one-round-trip read of a store that has it.
func (s watchedStore) MetaAndCounts(ctx context.Context, id string) (*workshop.Meta, workshop.Counts, error) {
	return workshop.MetaAndCounts(ctx, s.Store, id)
}

// CountsOf keeps the one-round-trip read of many totals.
func (s watchedStore) CountsOf(ctx context.Context, ids []string) ([]workshop.Counts, error) {
	return workshop.CountsOf(ctx, s.Store, ids)
}

func (s watchedStore) Create(ctx context.Context, m *workshop.Meta) error {
	err := s.Store.Create(ctx, m)
	if err == nil {
		s.changed(m.ID)
	}
	return err
}

// UpdateMeta compares what a home shows before and after fn, on the
// attempt that is saved: bookkeeping (the header's ts, a due index
// refreshed, nudge times) changes nothing on a home.
func (s watchedStore) UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error) {
	var before, after homeFacts
	m, err := s.Store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		before = homeFactsOf(m)
		if err := fn(m); err != nil {
			return err
		}
		after = homeFactsOf(m)
		return nil
	})
	if err == nil && !before.equal(after) {
		s.changed(id)
	}
	return m, err
}

func (s watchedStore) PutInput(ctx context.Context, id string, in workshop.Input) (bool, error) {
	stored, err := s.Store.PutInput(ctx, id, in)
	if err == nil && stored {
		s.changed(id)
	}
	return stored, err
}

func (s watchedStore) DeleteInput(ctx context.Context, id, inputID string) (bool, error) {
	removed, err := s.Store.DeleteInput(ctx, id, inputID)
	if err == nil && removed {
		s.changed(id)
	}
	return removed, err
}

// PutScore counts: a first score makes its author a contributor, whose home
// then shows the workshop.
func (s watchedStore) PutScore(ctx context.Context, id string, sc workshop.Score) error {
	err := s.Store.PutScore(ctx, id, sc)
	if err == nil {
		s.changed(id)
	}
	return err
}

// PutMark counts for ratings: at the iterate step a home says how many
// changes its person has rated and which ones the team puts first.
func (s watchedStore) PutMark(ctx context.Context, id string, m workshop.Mark) error {
	err := s.Store.PutMark(ctx, id, m)
	if err == nil && m.Kind == workshop.MarkRating {
		s.changed(id)
	}
	return err
}

// homeFacts are the parts of a meta a home shows (see homePart), and those
// that decide who sees it.
type homeFacts struct {
	title, lang, facilitator, channel string
	step                              workshop.Step
	round, messages                   int
	lastTS                            string
	closed, deadline                  time.Time
	plan                              map[string]time.Duration
	// What the workshop's canvas shows beside (the review schedule, the
	// votes closed, the link to the latest chart), and whether it has one:
	// turning it on makes it.
	review        workshop.Review
	votesClosed   int
	canvasOff     bool
	canvasProblem string
	chartURL      string
}

func homeFactsOf(m *workshop.Meta) homeFacts {
	f := homeFacts{
		title: m.Title, lang: m.Lang, facilitator: m.Facilitator, channel: m.Channel,
		step: m.Step, round: m.Round, messages: len(m.Messages),
		closed: m.ClosedAt, deadline: m.Deadline, plan: maps.Clone(m.Plan),
	}
	if n := len(m.Messages); n > 0 {
		f.lastTS = m.Messages[n-1].TS
	}
	f.review, f.canvasOff, f.canvasProblem, f.chartURL = m.Review, m.CanvasOff, m.CanvasProblem, m.ChartURL
	for _, r := range m.Votes {
		if !r.Open() {
			f.votesClosed++
		}
	}
	return f
}

func (f homeFacts) equal(g homeFacts) bool {
	return f.title == g.title && f.lang == g.lang && f.facilitator == g.facilitator && f.channel == g.channel &&
		f.step == g.step && f.round == g.round && f.messages == g.messages && f.lastTS == g.lastTS &&
		f.closed.Equal(g.closed) && f.deadline.Equal(g.deadline) && maps.Equal(f.plan, g.plan) &&
		sameReview(f.review, g.review) && f.votesClosed == g.votesClosed &&
		f.canvasOff == g.canvasOff && f.canvasProblem == g.canvasProblem && f.chartURL == g.chartURL
}

// sameReview compares what a canvas shows of a review schedule; a
// reminder sent (LastReminder) changes nothing there.
func sameReview(a, b workshop.Review) bool {
	return a.Cadence == b.Cadence && a.Spec == b.Spec && a.TZ == b.TZ && a.NextDue.Equal(b.NextDue) && a.LastReview.Equal(b.LastReview)
}
