package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/workshop"
)

// Dot-voting across three replicas on one Redis: four people vote through
// different replicas, one changes their votes, one asks for too many and
// is refused, a vote arrives twice; the ranking posted at close matches
// the final votes, each person counted once.
func TestDotVotingThreeReplicas(t *testing.T) {
	fake := newFake(t)
	env := serveEnv(t, fake)
	rs := []*server{startServe(t, fake, env), startServe(t, fake, env), startServe(t, fake, env)}
	rs[0].command("U1", "start Checkout")
	rs[0].waitTopLevel(2)
	rs[1].command("U1", "goto touchpoints")
	tp := rs[1].waitTopLevel(3)
	rs[1].waitReaction(rs[1].reply("U2", tp, "Pricing page | website | before | -1 | clear tiers | hidden fees\nSupport chat | chat | after | -2 | | slow answers"))
	rs[2].command("U1", "goto iterate")
	it := rs[2].waitTopLevel(4)
	rs[2].waitReaction(rs[2].reply("U2", it, "Show fees on the pricing page\nAnswer chats within 5 minutes"))
	rs[0].command("U1", "vote 3")
	rs[0].waitNotice("Vote V1")

	votes := []struct {
		replica int
		user    string
		ids     string
	}{
		{0, "U2", "T1 C1"},
		{1, "U3", "T2 C2 C1"},
		{2, "U3", "T2"}, // U3 changes their mind
		{1, "U4", "T1"},
		{2, "U4", "T1"}, // the same vote again, through another replica
		{0, "U5", "T1 T2 C1 C2"},
		{1, "U5", "C2"},
	}
	answers := func(user string) int {
		n := 0
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && m.User == user {
				n++
			}
		}
		return n
	}
	// Each person waits for the answer to a vote before voting again, as
	// one does; different people's votes run at once.
	for _, v := range votes {
		before := answers(v.user)
		rs[v.replica].command(v.user, "vote "+v.ids)
		if v.user == "U3" || v.user == "U5" || v.user == "U4" {
			rs[v.replica].waitFor("the answer to "+v.user+"'s vote", func() bool { return answers(v.user) > before })
		}
	}
	rs[0].waitFor("the refusal of U5's four items", func() bool {
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && m.User == "U5" && strings.Contains(m.Text, "chose 4 items: pick at most 3") {
				return true
			}
		}
		return false
	})
	rs[0].waitFor("every vote answered", func() bool {
		n := 0
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && strings.Contains(m.Text, "Your votes in V1") {
				n++
			}
		}
		return n == len(votes)-1
	})
	if w, err := rs[0].store.Load(t.Context(), "W1"); err != nil || len(w.MarksOf(workshop.MarkVote, "V1")) != 4 {
		t.Fatalf("marks of V1: %v, want one per voter (4)", err)
	}
	rs[2].command("U1", "vote close")
	rs[2].waitNotice("Vote V1 results")
	var result string
	for _, m := range fake.Messages("C1") {
		if strings.Contains(m.Text, "Vote V1 results") {
			result = string(m.Blocks)
		}
	}
	// T1: U2, U4 = 2; T2: U3 = 1; C1: U2 = 1; C2: U5 = 1.
	for _, want := range []string{"4 people voted", "1. `T1` Pricing page — hidden fees: *2 votes*", "2. `T2` Support chat — slow answers: *1 vote*", "3. `C1` Show fees on the pricing page: *1 vote*", "4. `C2` Answer chats within 5 minutes: *1 vote*"} {
		if !bytes.Contains([]byte(result), []byte(want)) {
			t.Errorf("result lacks %q:\n%s", want, result)
		}
	}
	if n := strings.Count(strings.Join(func() []string {
		var out []string
		for _, m := range fake.Messages("C1") {
			out = append(out, m.Text)
		}
		return out
	}(), "\n"), "Vote V1 results"); n != 1 {
		t.Errorf("%d results posted, want 1", n)
	}
	doc := rs[1].export()
	if len(doc.Votes) != 4 || doc.Votes[0].ID != "T1" || doc.Votes[0].Count != 2 {
		t.Errorf("exported votes %+v", doc.Votes)
	}
}
