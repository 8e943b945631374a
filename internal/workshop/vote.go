package workshop

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultVotes is how many votes each person has in a round when the
// facilitator does not say.
const DefaultVotes = 3

// MaxVotes bounds the votes a round gives each person.
const MaxVotes = 20

// VoteRound is one dot-voting round on the pain points: the touchpoints
// the team scores negative and the changes proposed, as they stood when
// the round opened. Each person's votes are a Mark (MarkVote, Key the
// round's ID).
type VoteRound struct {
	ID         string     `json:"id"` // V1, V2, …
	Max        int        `json:"max"`
	Attributed bool       `json:"attributed,omitempty"`
	Step       Step       `json:"step"`      // whose thread the round was posted in
	Items      []VoteItem `json:"items"`     // what can be voted for
	OpenedAt   time.Time  `json:"opened_at"` // when the facilitator opened it
	ClosedAt   time.Time  `json:"closed_at,omitzero"`
	Result     []Tally    `json:"result,omitempty"` // set when it closes
}

// VoteItem is something a round lets people vote for: a pain point (a
// touchpoint scored negative) or a change, by the id it had when the round
// opened (T2, C1) and its stable key.
type VoteItem struct {
	ID    string `json:"id"`
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Tally is one item's votes: how many, and by whom when the round is
// attributed.
type Tally struct {
	VoteItem
	Count  int      `json:"count"`
	Voters []string `json:"voters,omitempty"`
}

// Open reports whether the round still takes votes.
func (r *VoteRound) Open() bool { return r != nil && r.ClosedAt.IsZero() }

// Item finds an item by id (case-insensitive: t2 is T2).
func (r *VoteRound) Item(id string) (VoteItem, bool) {
	for _, it := range r.Items {
		if strings.EqualFold(it.ID, id) {
			return it, true
		}
	}
	return VoteItem{}, false
}

// Count tallies the votes of marks (the round's marks, at most one per
// person): every item, the most voted first, ties in the round's order.
// Voters are named only in an attributed round. Votes for an item the
// round does not hold are ignored.
func (r *VoteRound) Count(marks []Mark) []Tally {
	out := make([]Tally, len(r.Items))
	at := map[string]int{}
	for i, it := range r.Items {
		out[i].VoteItem = it
		at[it.Key] = i
	}
	for _, m := range marks {
		if m.Kind != MarkVote || m.Key != r.ID {
			continue
		}
		seen := map[string]bool{}
		for _, k := range m.Items {
			i, ok := at[k]
			if !ok || seen[k] {
				continue
			}
			seen[k] = true
			out[i].Count++
			if r.Attributed {
				out[i].Voters = append(out[i].Voters, m.User)
			}
		}
	}
	order := make(map[string]int, len(r.Items))
	for i, it := range r.Items {
		order[it.Key] = i
	}
	slices.SortStableFunc(out, func(a, b Tally) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(order[a.Key], order[b.Key]))
	})
	return out
}

// CurrentVote is the latest vote round, open or closed; nil when none was
// held.
func (m *Meta) CurrentVote() *VoteRound {
	if len(m.Votes) == 0 {
		return nil
	}
	return &m.Votes[len(m.Votes)-1]
}

// NextVoteID names the next round.
func (m *Meta) NextVoteID() string { return "V" + strconv.Itoa(len(m.Votes)+1) }

// VoteItems lists what a round opened now may hold: the touchpoints the
// team scores negative (their mean below zero), with their pain, and every
// change, in map order.
func (m *Map) VoteItems() []VoteItem {
	var out []VoteItem
	for _, t := range m.Touchpoints {
		if t.Mean() >= 0 {
			continue
		}
		label := t.Name
		if t.Negative != "" {
			label += " — " + t.Negative
		}
		out = append(out, VoteItem{ID: t.ID, Key: t.Key, Label: label})
	}
	for _, c := range m.Changes {
		out = append(out, VoteItem{ID: c.ID, Key: c.Key, Label: c.Text})
	}
	return out
}
