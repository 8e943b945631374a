package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// MaxHomeWorkshops is how many workshops a home shows, the most recent
// first; a word says how many more there are.
const MaxHomeWorkshops = 10

// Home is what a person sees on the app's home: a part per open workshop
// they belong to (one in channels, the channels they are in, or one they
// contributed to), the most recent first, each with its step, deadline and
// what the step waits for from them, and buttons; an intro that teaches
// how to start when there is none. Each part is a Message, so any surface
// renders it as it renders messages.
func (e *Engine) Home(ctx context.Context, user string, channels []string) ([]Message, error) {
	list, err := e.store.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	// Who contributed to the open workshops outside the person's channels,
	// read at once: a home costs the same few round trips however many
	// workshops the store holds.
	var others []string
	for _, s := range list {
		if !s.Closed && !slices.Contains(channels, s.Channel) {
			others = append(others, s.ID)
		}
	}
	contributed := map[string]bool{}
	if counts, err := workshop.CountsOf(ctx, e.store, others); err == nil {
		for i, c := range counts {
			in := slices.Contains(c.People, user)
			if !in && slices.ContainsFunc(c.People, workshop.IsAuthorKey) {
				// Maybe anonymously: only the workshop's secret tells.
				m, err := e.store.LoadMeta(ctx, others[i])
				in = err == nil && m.Contributed(c.People, user)
			}
			contributed[others[i]] = in
		}
	} else {
		e.log.WarnContext(ctx, "home: who contributed", "user", user, "err", err) // the channels' workshops still show
	}
	var mine []*workshop.Workshop
	more := 0
	for _, s := range list {
		if s.Closed || !slices.Contains(channels, s.Channel) && !contributed[s.ID] {
			continue
		}
		if len(mine) == MaxHomeWorkshops {
			more++
			continue
		}
		w, err := e.store.Load(ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("load workshop %s: %w", s.ID, err)
		}
		mine = append(mine, w)
	}
	lang := e.lang
	if len(mine) > 0 {
		lang = mine[0].Lang
	}
	intro := Message{Kind: KindHome, Lang: lang, Title: e.T(lang, "home.title"), Blocks: Paragraphs(e.R(lang, "home.intro"))}
	if len(mine) == 0 {
		intro.Blocks = append(intro.Blocks, rich.Para(e.R(lang, "home.empty")))
		return []Message{intro}, nil
	}
	out := []Message{intro}
	for _, w := range mine {
		out = append(out, e.homePart(w, user))
	}
	if more > 0 {
		out = append(out, Message{Kind: KindHome, Lang: lang, Context: []rich.Text{e.R(lang, "home.more", "count", more)}})
	}
	return out, nil
}

// HomeAudience says whose home shows workshop id, beside the people in its
// channel: its contributors (see Home). Adapters re-publish those homes when
// it changes (Config.Changed). One read, in one round trip when the store
// can.
func (e *Engine) HomeAudience(ctx context.Context, id string) (channel string, contributors []string, err error) {
	m, c, err := workshop.MetaAndCounts(ctx, e.store, id)
	if err != nil {
		return "", nil, fmt.Errorf("audience of workshop %s: %w", id, err)
	}
	return m.Channel, c.People, nil
}

// homePart is one workshop on a person's home.
func (e *Engine) homePart(w *workshop.Workshop, user string) Message {
	lang, s := w.Lang, w.Step
	added := 0
	m := w.Map()
	for _, in := range w.InputsOf(s) {
		mine := in.Author == user || in.Anonymous() && w.Secret.Wrote(in.AuthorKey, user)
		if mine && in.Round == w.Round {
			items, _ := workshop.ParseReply(in.Step, in.Text)
			added += len(items)
		}
	}
	where := e.R(lang, "home.where", "channel", rich.Channel(w.Channel, ""), "step", e.stepTitle(lang, s))
	if line := e.deadlineLine(&w.Meta); line != nil {
		where = rich.Concat(where, rich.Plain("\n"), line)
	}
	you := e.R(lang, "home.waiting")
	if added > 0 {
		you = e.R(lang, "home.added", "count", added)
	}
	msg := Message{
		Kind: KindHome, Lang: lang, Workshop: w.ID, Step: s, Channel: w.Channel,
		Title:  "🗺️ " + UserString(w.Title),
		Blocks: Paragraphs(where, rich.Concat(you, rich.Plain(" · "), e.R(lang, "home.total", "items", e.count(lang, "items", m.Count(s))))),
	}
	rate := s == workshop.Iterate && len(m.Changes) > 0
	if rate {
		msg.Blocks = append(msg.Blocks, rich.Para(e.homeRatings(w, m, user)))
	}
	v := actionValue(w.ID, s)
	msg.Actions = append(msg.Actions, Action{ID: ActionAdd, Label: e.T(lang, "button.add"), Value: v, Style: "primary"})
	if rate {
		msg.Actions = append(msg.Actions, Action{ID: ActionRate, Label: e.T(lang, "button.rate"), Value: v, Command: "rate " + w.ID + " C1 impact 4 effort 2"})
	}
	if ts := w.StepTS(s); ts != "" {
		msg.Actions = append(msg.Actions, Action{ID: ActionOpenThread, Label: e.T(lang, "button.open_thread"), Value: v, Thread: &ThreadLink{Channel: w.Channel, TS: ts}})
	}
	if w.IsFacilitator(user) {
		if s != workshop.Iterate {
			msg.Actions = append(msg.Actions, Action{ID: ActionNext, Label: e.T(lang, "button.next"), Value: v, Command: "next " + w.ID})
		}
		msg.Actions = append(msg.Actions,
			Action{ID: ActionSetDeadline, Label: e.T(lang, "button.set_deadline"), Value: v, Command: SettingDeadline + " " + w.ID + " " + e.T(lang, "home.deadline_command")},
			Action{ID: ActionPlan, Label: e.T(lang, "button.plan"), Value: v, Command: SettingPlan + " " + w.ID + " " + e.T(lang, "home.plan_command")})
	}
	return msg
}

// cmdHome shows the caller their home as answers only they see: what the
// app's home tab shows, for surfaces without one (the console).
func (e *Engine) cmdHome(ctx context.Context, c *call) error {
	parts, err := e.Home(ctx, c.Actor.ID, []string{c.Channel})
	if err != nil {
		return err
	}
	for _, p := range parts {
		p.Channel, p.User, p.Ephemeral = c.Channel, c.Actor.ID, true
		if p.Text == "" {
			p.Text = p.Title
		}
		if _, err := e.notify.Post(ctx, p); err != nil {
			return fmt.Errorf("answer %s: %w", c.Actor.ID, err)
		}
	}
	return nil
}

// homeRatings says, at the iterate step, how many changes user has rated
// and which ones the team's ratings put first.
func (e *Engine) homeRatings(w *workshop.Workshop, m *workshop.Map, user string) rich.Text {
	lang := w.Lang
	mine := 0
	for _, c := range m.Changes {
		if _, ok := w.MyRating(c.Key, user); ok {
			mine++
		}
	}
	line := e.R(lang, "rating.home_mine", "mine", mine, "count", len(m.Changes))
	var top []rich.Text
	for _, c := range m.Priorities() {
		if len(top) == 3 || !c.Rating.Rated() {
			break
		}
		top = append(top, e.R(lang, "rating.home_item", "change", rich.Styled(c.ID, rich.Code), "quadrant", e.R(lang, "quadrant."+string(c.Rating.Quadrant()))))
	}
	if len(top) > 0 {
		line = rich.Concat(line, rich.Plain(" · "), e.R(lang, "rating.home_top", "changes", rich.Join(top, ", ")))
	}
	return line
}
