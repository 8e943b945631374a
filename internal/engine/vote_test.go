package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/workshop"
)

// votingWorkshop is W1 at the iterate step with two pain points (T1, T3
// scored below zero; T2 is not), and two changes.
func votingWorkshop(t *testing.T) *harness {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "goto touchpoints")
	h.reply("ben", "Pricing page | website | before | -1 | clear tiers | hidden fees\nCart | website | during | 1\nSupport chat | chat | after | -2 | | slow answers")
	h.cmd("ana", "goto iterate")
	h.reply("ben", "Show fees on the pricing page | @ana | 2026-12-15\nAnswer chats within 5 minutes")
	return h
}

func errorText(posts []posted) string {
	for _, p := range posts {
		if p.Kind == engine.KindError {
			return p.text()
		}
	}
	return ""
}

// Dot-voting: the facilitator opens a round on the pain points and the
// changes; four people vote (one changes their mind, one asks for too
// many, one votes twice the same way); closing posts the ranking of the
// final votes in the thread and the header shows it; the export has the
// counts and no voters.
func TestDotVoting(t *testing.T) {
	h := votingWorkshop(t)
	if e := errorText(h.cmd("ben", "vote 3")); !strings.Contains(e, "facilitator") {
		t.Errorf("vote opened by ben: %q, want a refusal", e)
	}
	if e := errorText(h.cmd("ben", "vote T1")); !strings.Contains(e, "No vote is open") {
		t.Errorf("a vote with none open: %q", e)
	}
	posts := h.cmd("ana", "vote 2")
	var open posted
	for _, p := range posts {
		if strings.Contains(p.Title, "Vote V1") {
			open = p
		}
	}
	w := h.workshop()
	if open.ThreadTS != w.StepTS(workshop.Iterate) || open.Ephemeral {
		t.Fatalf("vote message in thread %q (ephemeral %v), want the iterate thread: %+v", open.ThreadTS, open.Ephemeral, posts)
	}
	body := open.text()
	for _, want := range []string{"T1 Pricing page — hidden fees", "T3 Support chat — slow answers", "C1 Show fees on the pricing page", "C2 Answer chats within 5 minutes", "2 votes each", "Only the counts"} {
		if !strings.Contains(body, want) {
			t.Errorf("vote message lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "T2 ") {
		t.Errorf("T2 is scored above zero, yet in the vote:\n%s", body)
	}
	if e := errorText(h.cmd("ana", "vote 3")); !strings.Contains(e, "still open") {
		t.Errorf("a second round while one is open: %q", e)
	}

	vote := func(user, ids string) string {
		t.Helper()
		posts := h.cmd(user, "vote "+ids)
		if e := errorText(posts); e != "" {
			return e
		}
		return only(t, posts, true).text()
	}
	if got := vote("ben", "T1 C1"); !strings.Contains(got, "Your votes in V1: T1, C1 (2 of 2)") {
		t.Errorf("ben's answer: %q", got)
	}
	vote("chloe", "C1")
	vote("chloe", "C1") // the same vote again counts once
	vote("dan", "t3,c2")
	if got := vote("dan", "C2"); !strings.Contains(got, "C2 (1 of 2)") { // changes their mind
		t.Errorf("dan's change: %q", got)
	}
	if got := vote("eve", "T1 T3 C1 C2 T1"); !strings.Contains(got, "chose 4 items: pick at most 2") {
		t.Errorf("eve's four items: %q", got)
	}
	if got := vote("eve", "T2"); !strings.Contains(got, "T2 is not in vote V1. Choose among T1, T3, C1, C2") {
		t.Errorf("eve's T2: %q", got)
	}
	vote("eve", "T1")
	// Votes are secret while the round is open: ben sees his own only.
	mine := only(t, h.cmd("ben", "vote"), true).text()
	if !strings.Contains(mine, "Your votes in V1: T1, C1") || strings.Contains(mine, "chloe") {
		t.Errorf("ben's own votes: %q", mine)
	}

	if e := errorText(h.cmd("ben", "vote close")); !strings.Contains(e, "facilitator") {
		t.Errorf("close by ben: %q", e)
	}
	posts = h.cmd("ana", "vote close")
	var result posted
	for _, p := range posts {
		if strings.Contains(p.Title, "Vote V1 results") {
			result = p
		}
	}
	got := result.text()
	// T1: ben, eve = 2; C1: ben, chloe = 2; C2: dan = 1; T3: 0.
	for _, want := range []string{"4 people voted", "1. T1 Pricing page — hidden fees: 2 votes", "2. C1 Show fees on the pricing page: 2 votes", "3. C2 Answer chats within 5 minutes: 1 vote", "4. T3 Support chat — slow answers: 0 votes"} {
		if !strings.Contains(got, want) {
			t.Errorf("result lacks %q:\n%s", want, got)
		}
	}
	if result.ThreadTS != w.StepTS(workshop.Iterate) || strings.Contains(got, "@ben") {
		t.Errorf("result in thread %q, or with voters:\n%s", result.ThreadTS, got)
	}
	if e := errorText(h.cmd("ben", "vote T1")); !strings.Contains(e, "No vote is open") {
		t.Errorf("a vote after close: %q", e)
	}
	if e := errorText(h.cmd("ana", "vote close")); !strings.Contains(e, "No vote is open") {
		t.Errorf("a second close: %q", e)
	}
	header := h.rec.lastUpdate(t).Plain()
	if !strings.Contains(header, "🗳️ Vote V1: T1 (2) · C1 (2) · C2 (1)") {
		t.Errorf("header lacks the result:\n%s", header)
	}

	doc := h.votesExport(t)
	var counts []string
	for _, v := range doc.Votes {
		counts = append(counts, v.ID+"="+strings.Repeat("|", v.Count))
		if len(v.Voters) > 0 {
			t.Errorf("anonymous round exported voters %v", v.Voters)
		}
	}
	if want := []string{"T1=||", "C1=||", "C2=|", "T3="}; !slices.Equal(counts, want) {
		t.Errorf("exported votes %q, want %q", counts, want)
	}
}

// An attributed round names the voters in the result and the export.
func TestDotVotingAttributed(t *testing.T) {
	h := votingWorkshop(t)
	h.cmd("ana", "vote 1 attributed")
	h.cmd("ben", "vote C2")
	h.cmd("chloe", "vote C2")
	var got string
	for _, p := range h.cmd("ana", "vote close") {
		got += p.text()
	}
	if !strings.Contains(got, "1. C2 Answer chats within 5 minutes: 2 votes · @ben, @chloe") {
		t.Errorf("attributed result:\n%s", got)
	}
	if v := h.votesExport(t).Votes[0]; v.ID != "C2" || !slices.Equal(v.Voters, []string{"ben", "chloe"}) {
		t.Errorf("exported %+v, want C2 with ben and chloe", v)
	}
}

// The French workshop votes in French: `vote clore`, `nominatif`.
func TestDotVotingInFrench(t *testing.T) {
	h := votingWorkshop(t)
	h.cmd("ana", "lang fr")
	h.cmd("ana", "vote 2 nominatif")
	h.cmd("ben", "vote T1")
	var got string
	for _, p := range h.cmd("ana", "vote clore") {
		got += p.text()
	}
	for _, want := range []string{"Résultats du vote V1", "1 personne a voté", "1. T1 Pricing page — hidden fees\u00a0: 1 voix · @ben"} {
		if !strings.Contains(got, want) {
			t.Errorf("French result lacks %q:\n%s", want, got)
		}
	}
}

func (h *harness) votesExport(t *testing.T) export.Document {
	t.Helper()
	files, err := h.eng.ExportFiles(context.Background(), h.workshop(), export.JSON)
	if err != nil || len(files) == 0 {
		t.Fatalf("export: %v", err)
	}
	var doc export.Document
	if err := json.Unmarshal(files[len(files)-1].Data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// lastUpdate is the latest message the engine rewrote (the header).
func (r *recorder) lastUpdate(t *testing.T) engine.Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.updates) == 0 {
		t.Fatal("no message updated")
	}
	return r.updates[len(r.updates)-1]
}

// A vote open at the step's deadline closes with it.
func TestVoteClosesAtTheDeadline(t *testing.T) {
	h := votingWorkshop(t)
	h.cmd("ana", "deadline 2d")
	h.cmd("ana", "vote")
	h.cmd("ben", "vote C2")
	m, err := h.store.LoadMeta(t.Context(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	n := h.rec.count()
	if err := h.eng.Deadline(t.Context(), "W1", m.Step, m.Deadline); err != nil {
		t.Fatal(err)
	}
	var got string
	for _, p := range h.rec.since(n) {
		got += p.Title + "\n" + p.text() + "\n"
	}
	if !strings.Contains(got, "Vote V1 results") || !strings.Contains(got, "1. C2 Answer chats within 5 minutes: 1 vote") {
		t.Errorf("at the deadline:\n%s", got)
	}
	if r := h.workshop().CurrentVote(); r.Open() || len(r.Result) == 0 {
		t.Errorf("round after the deadline: %+v", r)
	}
}
