package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// ActionVote opens the vote form of a workshop's open round.
const ActionVote = "vote"

// cmdVote is dot-voting: `/journey vote [N] [attributed]` opens a round
// (the facilitator), `/journey vote T2 C1` votes (anyone, replacing their
// earlier votes), `/journey vote close` closes the round and posts the
// ranking, and `/journey vote` alone shows one's own votes.
func (e *Engine) cmdVote(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	kw := func(i int) string { return e.keywords[strings.ToLower(c.args[i])] }
	switch {
	case len(c.args) == 0 && w.CurrentVote().Open():
		return e.showVotes(ctx, c, w)
	case len(c.args) == 1 && kw(0) == "close":
		return e.closeVote(ctx, w, c.Actor)
	case len(c.args) > 0 && isVoteItem(c.args[0]):
		return e.castVote(ctx, c, w, splitItems(c.args))
	}
	// Open a round: an optional number of votes, optionally attributed.
	n, attributed := workshop.DefaultVotes, false
	for i, a := range c.args {
		if kw(i) == "attributed" {
			attributed = true
			continue
		}
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 || v > workshop.MaxVotes {
			return problem("error.vote_count", "got", UserText(a), "max", workshop.MaxVotes)
		}
		n = v
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.vote")); err != nil {
		return err
	}
	if cur := w.CurrentVote(); cur.Open() {
		return problem("error.vote_open", "id", cur.ID)
	}
	full, err := e.store.Load(ctx, w.ID)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", w.ID, err)
	}
	items := full.Map().VoteItems()
	if len(items) == 0 {
		return problem("error.vote_nothing")
	}
	now := e.now()
	var round workshop.VoteRound
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if cur := m.CurrentVote(); cur.Open() {
			return problem("error.vote_open", "id", cur.ID)
		}
		round = workshop.VoteRound{ID: m.NextVoteID(), Max: n, Attributed: attributed, Step: m.Step, Items: items, OpenedAt: now.UTC()}
		m.Votes = append(m.Votes, round)
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	if err := e.post(ctx, e.voteMessage(&w.Meta, &round)); err != nil {
		return err
	}
	e.refreshMetaHeader(ctx, w)
	return nil
}

// isVoteItem reports whether an argument names an item (T2, C1, "t2,c1").
func isVoteItem(arg string) bool {
	first, _, _ := strings.Cut(arg, ",")
	first = strings.ToUpper(strings.TrimSpace(first))
	if len(first) < 2 || (first[0] != 'T' && first[0] != 'C') {
		return false
	}
	_, err := strconv.Atoi(first[1:])
	return err == nil
}

// splitItems reads item ids given as separate words or separated by commas.
func splitItems(args []string) []string {
	var out []string
	for _, a := range args {
		for _, id := range strings.Split(a, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// voteMessage announces an open round in the thread of the step it was
// opened at: what can be voted for, how many votes each, how to vote.
func (e *Engine) voteMessage(m *workshop.Meta, r *workshop.VoteRound) Message {
	lang := m.Lang
	var items []rich.Text
	for _, it := range r.Items {
		items = append(items, e.R(lang, "vote.item", "id", it.ID, "label", UserText(it.Label)))
	}
	who := e.R(lang, "vote.counts_only")
	if r.Attributed {
		who = e.R(lang, "vote.attributed")
	}
	title := e.T(lang, "vote.title", "id", r.ID, "title", UserString(m.Title))
	msg := Message{
		Channel: m.Channel, ThreadTS: m.StepTS(r.Step), Kind: KindNotice, Workshop: m.ID, Step: r.Step, Lang: lang,
		Title: title, Text: title,
		Blocks: []rich.Block{
			rich.Para(e.R(lang, "vote.intro", "count", r.Max, "id", r.ID)),
			rich.Bullets(items...),
			rich.Para(rich.Concat(e.R(lang, "vote.how", "example", strings.Join(exampleIDs(r), " ")), rich.Plain(" "), who)),
		},
		Actions: []Action{{ID: ActionVote, Label: e.T(lang, "button.vote"), Value: m.ID + " " + r.ID, Style: "primary", Command: "vote " + strings.Join(exampleIDs(r), " ")}},
	}
	return msg
}

// exampleIDs are the first ids of a round, up to its votes: an example of
// a vote.
func exampleIDs(r *workshop.VoteRound) []string {
	var out []string
	for _, it := range r.Items[:min(len(r.Items), r.Max, 2)] {
		out = append(out, it.ID)
	}
	return out
}

// castVote stores a person's votes in the open round, replacing their
// earlier ones: the command's way, and the form's (Vote).
func (e *Engine) castVote(ctx context.Context, c *call, w *workshop.Workshop, ids []string) error {
	keys, err := e.Vote(ctx, w.ID, c.Actor, ids)
	if err != nil {
		return err
	}
	return e.answer(ctx, c, KindAnswer, e.yourVotes(&w.Meta, w.CurrentVote(), keys))
}

// Vote stores a, who votes for the items ids of the workshop's open round
// (their earlier votes replaced), and returns the keys stored. A refusal
// (no open round, an unknown item, more items than the round's votes) is a
// Problem and stores nothing.
func (e *Engine) Vote(ctx context.Context, id string, a Actor, ids []string) ([]string, error) {
	keys, _, err := e.vote(ctx, id, a, ids)
	return keys, err
}

// vote is Vote, also returning the workshop's meta as last read (nil when
// it could not be read), for callers that answer in its language.
func (e *Engine) vote(ctx context.Context, id string, a Actor, ids []string) ([]string, *workshop.Meta, error) {
	m, err := e.store.LoadMeta(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	r := m.CurrentVote()
	if !r.Open() {
		return nil, m, problem("error.vote_none_open")
	}
	var keys []string
	for _, it := range ids {
		item, ok := r.Item(it)
		if !ok {
			return nil, m, problem("error.vote_unknown_item", "got", UserText(it), "id", r.ID, "ids", strings.Join(itemIDs(r), ", "))
		}
		if !slices.Contains(keys, item.Key) {
			keys = append(keys, item.Key)
		}
	}
	if len(keys) > r.Max {
		return nil, m, problem("error.vote_too_many", "count", len(keys), "max", r.Max, "id", r.ID)
	}
	if err := e.store.PutMark(ctx, id, workshop.Mark{Kind: workshop.MarkVote, Key: r.ID, User: a.ID, Items: keys, At: e.now().UTC()}); err != nil {
		return nil, m, err
	}
	// The round may have closed between the check and the write: then the
	// ranking was counted without these votes, and the voter is told so.
	if after, err := e.store.LoadMeta(ctx, id); err == nil {
		if cur := after.CurrentVote(); cur == nil || cur.ID != r.ID || !cur.Open() {
			return nil, after, problem("error.vote_closed_meanwhile", "id", r.ID)
		}
		m = after
	}
	return keys, m, nil
}

func itemIDs(r *workshop.VoteRound) []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.ID
	}
	return out
}

// VoteForm is what the adapter's vote form needs: the open round and the
// votes a already gave in it.
func (e *Engine) VoteForm(ctx context.Context, id string, a Actor) (*workshop.Workshop, *workshop.VoteRound, []string, error) {
	w, err := e.store.Load(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	r := w.CurrentVote()
	if !r.Open() {
		return w, nil, nil, problem("error.vote_none_open")
	}
	return w, r, myVotes(w, r, a.ID), nil
}

// myVotes are the keys user voted for in round r.
func myVotes(w *workshop.Workshop, r *workshop.VoteRound, user string) []string {
	for _, mk := range w.MarksOf(workshop.MarkVote, r.ID) {
		if mk.User == user {
			return mk.Items
		}
	}
	return nil
}

// yourVotes tells a voter what they voted for: only their own votes, while
// the round is open.
func (e *Engine) yourVotes(m *workshop.Meta, r *workshop.VoteRound, keys []string) rich.Text {
	lang := m.Lang
	if len(keys) == 0 {
		return e.R(lang, "vote.yours_none", "id", r.ID, "count", r.Max)
	}
	var ids []string
	for _, k := range keys {
		for _, it := range r.Items {
			if it.Key == k {
				ids = append(ids, it.ID)
			}
		}
	}
	return e.R(lang, "vote.yours", "id", r.ID, "items", strings.Join(ids, ", "), "used", len(ids), "count", r.Max)
}

// showVotes answers `/journey vote` during a round: the caller's own votes
// and the round's items.
func (e *Engine) showVotes(ctx context.Context, c *call, w *workshop.Workshop) error {
	full, err := e.store.Load(ctx, w.ID)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", w.ID, err)
	}
	r := full.CurrentVote()
	msg := e.voteMessage(&full.Meta, r)
	msg.Channel, msg.ThreadTS, msg.User, msg.Ephemeral, msg.Kind = c.Channel, "", c.Actor.ID, true, KindAnswer
	msg.Blocks = append([]rich.Block{rich.Para(e.yourVotes(&full.Meta, r, myVotes(full, r, c.Actor.ID)))}, msg.Blocks...)
	if _, err := e.notify.Post(ctx, msg); err != nil {
		return fmt.Errorf("answer %s: %w", c.Actor.ID, err)
	}
	return nil
}

// closeVote closes the open round (the facilitator) and posts its ranking.
func (e *Engine) closeVote(ctx context.Context, w *workshop.Workshop, a Actor) error {
	if err := e.steer(w, a, e.T(w.Lang, "action.vote_close")); err != nil {
		return err
	}
	if !w.CurrentVote().Open() {
		return problem("error.vote_none_open")
	}
	closed, err := e.endVote(ctx, w.ID)
	if err != nil {
		return err
	}
	if !closed {
		return problem("error.vote_none_open")
	}
	return nil
}

// endVote closes the workshop's open round, if there is one: the close is
// saved first, so no vote is taken after it (a vote that lands meanwhile
// is refused, see Vote), then the votes are counted, the result saved and
// posted in the round's thread, and the header shows it. It reports
// whether this call closed a round: of two at once (two replicas, the
// deadline and the facilitator), one does.
func (e *Engine) endVote(ctx context.Context, id string) (bool, error) {
	now := e.now().UTC()
	var roundID string
	_, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		r := m.CurrentVote()
		if !r.Open() {
			return errNoVote
		}
		r.ClosedAt, roundID = now, r.ID
		return nil
	})
	if errors.Is(err, errNoVote) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	w, err := workshop.Open(ctx, e.store, id)
	if err != nil {
		return true, fmt.Errorf("load workshop %s: %w", id, err)
	}
	r := w.CurrentVote()
	if r == nil || r.ID != roundID {
		return true, nil
	}
	result := r.Count(w.MarksOf(workshop.MarkVote, r.ID))
	meta, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		if cur := m.CurrentVote(); cur != nil && cur.ID == roundID {
			cur.Result = result
		}
		return nil
	})
	if err != nil {
		return true, err
	}
	w.Meta = *meta
	r = w.CurrentVote()
	if err := e.post(ctx, e.voteResult(w, r)); err != nil {
		return true, err
	}
	e.refreshMetaHeader(ctx, w)
	return true, nil
}

var errNoVote = errors.New("no open vote")

// post posts a message in the workshop's channel or thread.
func (e *Engine) post(ctx context.Context, m Message) error {
	if _, err := e.notify.Post(ctx, m); err != nil {
		return fmt.Errorf("post in %s: %w", m.Channel, err)
	}
	return nil
}

// voteResult is the ranking of a closed round, posted in its thread.
func (e *Engine) voteResult(w *workshop.Workshop, r *workshop.VoteRound) Message {
	lang := w.Lang
	voters := 0
	for range w.MarksOf(workshop.MarkVote, r.ID) {
		voters++
	}
	var rows []rich.Text
	for i, t := range r.Result {
		row := e.R(lang, "vote.result_item", "rank", i+1, "id", t.ID, "label", UserText(t.Label), "count", t.Count)
		if len(t.Voters) > 0 {
			row = rich.Concat(row, rich.Plain(" · "), Mentions(t.Voters))
		}
		rows = append(rows, row)
	}
	title := e.T(lang, "vote.result_title", "id", r.ID, "title", UserString(w.Title))
	return Message{
		Channel: w.Channel, ThreadTS: w.StepTS(r.Step), Kind: KindSummary, Workshop: w.ID, Step: r.Step, Lang: lang,
		Title: title, Text: title,
		Blocks: []rich.Block{
			rich.Para(e.R(lang, "vote.result_intro", "count", voters, "votes", r.Max)),
			rich.Bullets(rows...),
		},
	}
}

// voteLine is the header's line about the latest round: open, or its top
// items once closed.
func (e *Engine) voteLine(m *workshop.Meta) rich.Text {
	r := m.CurrentVote()
	if r == nil {
		return nil
	}
	if r.Open() {
		return e.R(m.Lang, "header.vote_open", "id", r.ID, "count", r.Max)
	}
	var top []string
	for _, t := range r.Result[:min(3, len(r.Result))] {
		if t.Count > 0 {
			top = append(top, fmt.Sprintf("%s (%d)", t.ID, t.Count))
		}
	}
	if len(top) == 0 {
		return e.R(m.Lang, "header.vote_empty", "id", r.ID)
	}
	return e.R(m.Lang, "header.vote_result", "id", r.ID, "top", strings.Join(top, " · "))
}

// Refuse answers err to a alone, as a command's error is answered: a
// Problem as its sentence, anything else as an internal error (returned).
func (e *Engine) Refuse(ctx context.Context, channel string, a Actor, lang string, err error) error {
	return e.answerError(ctx, channel, a, lang, err)
}

// SubmitVote is the vote form's submission: a's votes for the items ids
// of workshop id's open round. A refusal comes back as the sentence the
// form shows (nothing stored); otherwise a is told their votes in the
// workshop's channel, only they see them.
func (e *Engine) SubmitVote(ctx context.Context, id string, a Actor, ids []string) (string, error) {
	keys, m, err := e.vote(ctx, id, a, ids)
	var p *Problem
	if errors.As(err, &p) {
		lang := e.lang
		if m != nil {
			lang = m.Lang
		}
		return e.R(lang, p.Key, p.Args...).String(), nil
	}
	if err != nil {
		return "", err
	}
	return "", e.tell(ctx, m.Channel, a.ID, m.Lang, KindAnswer, e.yourVotes(m, m.CurrentVote(), keys))
}
