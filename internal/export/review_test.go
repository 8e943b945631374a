package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// A workshop in its first review round exports both versions of the map:
// round 0 with its scores, round 1 with the scores changed since (the
// others stand) and the touchpoint added in the review.
func TestVersionsAndReviewHistory(t *testing.T) {
	w := sample()
	started := time.Date(2026, 12, 1, 8, 5, 0, 0, time.UTC)
	w.Round = 1
	w.Rounds = []workshop.Version{{Round: 1, StartedAt: started, StartedBy: "ben"}}
	w.Review.LastReview = started
	w.Review.LastReminder = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	w.Review.History = []workshop.ReviewEvent{
		{At: started.Add(-time.Hour), By: "ana", Action: workshop.ReviewSnoozed, Cadence: workshop.CadenceMonthly, NextDue: started},
		{At: started, By: "ben", Action: workshop.ReviewStarted, Round: 1},
	}
	w.Scores = append(w.Scores, workshop.Score{Touchpoint: "1700000003.000001#0", User: "cid", Value: 1, Round: 1, At: started.Add(time.Minute)})
	w.Inputs = append(w.Inputs, workshop.Input{ID: "1764576400.000001", TS: "1764576400.000001", Step: workshop.Touchpoints, Author: "dan", Text: "Chatbot | website | during | -2", Round: 1})

	var buf bytes.Buffer
	if err := Write(&buf, JSON, w, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Versions) != 2 {
		t.Fatalf("%d versions, want 2", len(doc.Versions))
	}
	v0, v1 := doc.Versions[0], doc.Versions[1]
	if v0.Round != 0 || !v0.StartedAt.Equal(w.CreatedAt) || v0.StartedBy != "ana" || len(v0.Touchpoints) != 4 {
		t.Errorf("version 0: %+v", v0)
	}
	if v1.Round != 1 || !v1.StartedAt.Equal(started) || v1.StartedBy != "ben" || len(v1.Touchpoints) != 5 {
		t.Errorf("version 1: %+v", v1)
	}
	// Pricing page: ana 0, ben -1, cid -2 then +1 in the review.
	if got := v0.Touchpoints[0]; got.Name != "Pricing page" || got.Mean != -1 || got.Scores["cid"] != -2 {
		t.Errorf("version 0 pricing page %+v", got)
	}
	if got := v1.Touchpoints[0]; got.Mean != 0 || got.Scores["cid"] != 1 || got.Scores["ana"] != 0 {
		t.Errorf("version 1 pricing page %+v", got)
	}
	if got := v1.Touchpoints[4]; got.Name != "Chatbot" || got.Mean != -2 {
		t.Errorf("version 1 new touchpoint %+v", got)
	}
	r := doc.Review
	if r.LastReview == nil || !r.LastReview.Equal(started) || r.LastReminder == nil || len(r.History) != 2 || r.History[0].Action != "snoozed" {
		t.Errorf("review %+v", r)
	}

	cat := prompts.MustLoad()
	buf.Reset()
	opt := Options{T: func(k string, a ...any) rich.Text { return cat.Text("en", k, a...) }, Now: started, Locale: cat.Locale("en")}
	if err := Write(&buf, MD, w, opt); err != nil {
		t.Fatal(err)
	}
	if want := "Version 1 of the map: review started Tue 1 Dec 2026 by @ben"; !strings.Contains(buf.String(), want) {
		t.Errorf("md lacks %q", want)
	}
}
