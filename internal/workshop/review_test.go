package workshop

import (
	"testing"
	"time"
)

// A review round starts from the previous version: each participant's
// score stands until they change it, and touchpoints added in the round
// belong to it alone.
func TestMapAtRounds(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	w := &Workshop{
		Meta: Meta{ID: "W1", Round: 2},
		Inputs: []Input{
			{ID: "1.000001", TS: "1.000001", Step: Touchpoints, Author: "ana", Text: "Cart | web | during | -2"},
			{ID: "2.000001", TS: "2.000001", Step: Touchpoints, Author: "ben", Text: "Chat | web | during | 1", Round: 2},
		},
		Scores: []Score{
			{Touchpoint: "1.000001#0", User: "ben", Value: -1, At: at},
			{Touchpoint: "1.000001#0", User: "ben", Value: 1, Round: 1, At: at.Add(-time.Hour)}, // an earlier clock, a later round
			{Touchpoint: "1.000001#0", User: "ana", Value: 0, Round: 2, At: at},
		},
	}
	tests := []struct {
		round int
		means map[string]float64
	}{
		{0, map[string]float64{"Cart": -1.5}},           // ana -2 (her emotion), ben -1
		{1, map[string]float64{"Cart": -0.5}},           // ben changed to +1
		{2, map[string]float64{"Cart": 0.5, "Chat": 1}}, // ana changed to 0
		{5, map[string]float64{"Cart": 0.5, "Chat": 1}},
	}
	for _, tt := range tests {
		got := w.MapAt(tt.round).Means()
		if len(got) != len(tt.means) {
			t.Errorf("round %d: means %v, want %v", tt.round, got, tt.means)
			continue
		}
		for name, want := range tt.means {
			if got[name] != want {
				t.Errorf("round %d: %s mean %v, want %v", tt.round, name, got[name], want)
			}
		}
	}
	if got := w.Map().Means(); got["Cart"] != 0.5 {
		t.Errorf("Map() is not the current round: %v", got)
	}
}

func TestReviewHistoryAndVersions(t *testing.T) {
	var r Review
	for i := range MaxReviewHistory + 5 {
		r.Record(ReviewEvent{Action: ReviewSnoozed, Round: i})
	}
	if len(r.History) != MaxReviewHistory || r.History[0].Round != 5 {
		t.Errorf("history of %d starting at %d, want the latest %d", len(r.History), r.History[0].Round, MaxReviewHistory)
	}
	created := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	m := &Meta{Facilitator: "ana", CreatedAt: created, Rounds: []Version{{Round: 1, StartedAt: created.Add(time.Hour), StartedBy: "ben"}}}
	vs := m.Versions()
	if len(vs) != 2 || vs[0] != (Version{Round: 0, StartedAt: created, StartedBy: "ana"}) || vs[1].StartedBy != "ben" {
		t.Errorf("versions %+v", vs)
	}
	now := created.Add(time.Minute)
	for _, tt := range []struct {
		r    Review
		want bool
	}{
		{Review{Cadence: CadenceMonthly, NextDue: now}, true},
		{Review{Cadence: CadenceMonthly, NextDue: now.Add(time.Second)}, false},
		{Review{Cadence: CadenceOff, NextDue: now}, false},
		{Review{Cadence: CadenceMonthly}, false},
	} {
		if got := tt.r.Due(now); got != tt.want {
			t.Errorf("%+v Due = %v", tt.r, got)
		}
	}
}
