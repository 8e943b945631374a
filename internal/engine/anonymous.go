package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Anonymous input (see workshop.Secret for what is kept): the facilitator
// makes a step, or the whole workshop, anonymous with `/journey anonymous
// on|off [step]`, which ticks the form's "post anonymously" box by
// default and says so in the step message; anyone may post an item
// anonymously through the form or `/journey add anonymous <line>`. The
// bot posts such an item in the step's thread as "Anonymous", with Edit
// and Delete buttons that work for its author alone. Thread replies stay
// attributed: Slack shows who wrote them anyway.

// Item actions: the buttons under an anonymous item the bot posted. Their
// value is "<workshop id> <input id>".
const (
	ActionItemEdit   = "item_edit"
	ActionItemDelete = "item_delete"
)

func itemValue(id, input string) string { return id + " " + input }

// ParseItemValue reads an item button's value back.
func ParseItemValue(v string) (id, input string) {
	id, input, _ = strings.Cut(v, " ")
	return id, input
}

// cmdAnonymous shows or sets anonymous input: `/journey anonymous on`,
// `off`, or either with a step (`anonymous on touchpoints`).
func (e *Engine) cmdAnonymous(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	if len(c.args) == 0 {
		return e.answer(ctx, c, KindAnswer, e.anonymousState(&w.Meta), e.R(lang, "anonymous.usage"))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.anonymous")); err != nil {
		return err
	}
	var on bool
	switch e.keywords[strings.ToLower(c.args[0])] {
	case "on":
		on = true
	case "off":
	default:
		return problem("error.anonymous_usage")
	}
	var step workshop.Step
	if len(c.args) > 1 {
		s, ok := workshop.ParseStep(strings.Join(c.args[1:], "-"))
		if !ok {
			return problem("error.goto_unknown", "got", UserText(strings.Join(c.args[1:], " ")), "steps", e.stepList(lang))
		}
		step = s
	}
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.SetAnonymous(step, on)
		return nil
	})
	if err != nil {
		return fmt.Errorf("set anonymous input of %s: %w", w.ID, err)
	}
	w.Meta = *meta
	// The current step's message says whether it is anonymous.
	if ts := w.StepTS(w.Step); ts != "" && (!step.Valid() || step == w.Step) {
		// The step message lists what the map holds (the test step's
		// goals): read it whole.
		if full, err := e.store.Load(ctx, w.ID); err != nil {
			e.log.WarnContext(ctx, "update step message", "workshop", w.ID, "err", err)
		} else if err := e.notify.Update(ctx, w.Channel, ts, e.stepMessage(&full.Meta, full.Map(), w.Step)); err != nil {
			e.log.WarnContext(ctx, "update step message", "workshop", w.ID, "err", err)
		}
	}
	key := "anonymous.workshop_off"
	switch {
	case step.Valid() && on:
		key = "anonymous.step_on"
	case step.Valid():
		key = "anonymous.step_off"
	case on:
		key = "anonymous.workshop_on"
	}
	name := ""
	if step.Valid() {
		name = e.stepName(lang, step)
	}
	return e.announce(ctx, w, e.R(lang, key, "user", Mention(c.Actor.ID), "step", name))
}

// anonymousState says which steps are anonymous.
func (e *Engine) anonymousState(m *workshop.Meta) rich.Text {
	var on []string
	for _, s := range workshop.Steps {
		if m.AnonymousAt(s) {
			on = append(on, e.stepName(m.Lang, s))
		}
	}
	switch {
	case len(on) == len(workshop.Steps):
		return e.R(m.Lang, "anonymous.is_on")
	case len(on) == 0:
		return e.R(m.Lang, "anonymous.is_off")
	}
	return e.R(m.Lang, "anonymous.is_on_steps", "count", len(on), "steps", strings.Join(on, ", "))
}

// cutWord splits s at its first blank: the first word and what follows.
func cutWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// cmdAdd adds one item to the current step from anywhere: `/journey add
// [W3] [anonymous] <line>`, the line as a thread reply would give it,
// kept as typed (quotes included).
func (e *Engine) cmdAdd(ctx context.Context, c *call) error {
	_, rest := cutWord(c.Text) // "add" or its French name
	c.args = nil
	if word, after := cutWord(rest); workshopID.MatchString(word) {
		c.args, rest = []string{word}, after
	}
	anonymous := false
	if word, after := cutWord(rest); e.keywords[strings.ToLower(word)] == "anonymous" {
		anonymous, rest = true, after
	}
	line := strings.TrimSpace(rest)
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	if line == "" || strings.ContainsAny(line, "\r\n") {
		return problem("error.add_usage")
	}
	if w.Closed() {
		return workshop.ErrClosed
	}
	step := w.Step
	items, lineErrs := workshop.ParseReply(step, line)
	if len(lineErrs) == 0 && step == workshop.Test {
		if lineErrs, err = e.checkGoals(ctx, w.ID, items); err != nil {
			return err
		}
	}
	if len(lineErrs) > 0 {
		msg := e.lineErrorMessage(w.Lang, step, lineErrs)
		// Not a reply to edit: the line is refused, the command typed again.
		head := e.R(w.Lang, "error.add_rejected")
		msg.Blocks[0], msg.Text = rich.Para(head), head.String()
		msg.Channel, msg.User = c.Channel, c.Actor.ID
		if _, err := e.notify.Post(ctx, msg); err != nil {
			return fmt.Errorf("tell %s about a bad line: %w", c.Actor.ID, err)
		}
		return nil
	}
	// Keyed by the invocation when the platform names it: two replicas
	// stamping two commands with the same microsecond keep both.
	ts := e.newTS()
	in := workshop.Input{ID: "add:" + cmp.Or(c.ID, ts), Step: step, Author: c.Actor.ID, Text: line, TS: ts, Version: ts,
		Source: workshop.SourceCommand, Round: w.Round, Items: len(items), MapType: mapTypeOf(items)}
	if anonymous {
		if in.AuthorKey, err = e.authorKey(ctx, &w.Meta, c.Actor.ID); err != nil {
			return err
		}
		in.Author = ""
	}
	if _, err := e.store.PutInput(ctx, w.ID, in); err != nil {
		return fmt.Errorf("store %s in %s: %w", in.ID, w.ID, err)
	}
	e.echoItem(ctx, &w.Meta, in, c.Actor.ID)
	e.refreshMetaHeader(ctx, w)
	key := "add.done"
	if anonymous {
		key = "add.done_anonymous"
	}
	return e.answer(ctx, c, KindAnswer, e.R(w.Lang, key, "step", e.stepName(w.Lang, step), "id", w.ID))
}

// authorKey is user's author key in workshop m, making the workshop's
// secret first when it has none yet (once: concurrent callers agree on
// the stored one).
func (e *Engine) authorKey(ctx context.Context, m *workshop.Meta, user string) (string, error) {
	if len(m.Secret) == 0 {
		var secret workshop.Secret
		_, err := e.store.UpdateMeta(ctx, m.ID, func(cur *workshop.Meta) error {
			if len(cur.Secret) > 0 {
				secret = cur.Secret
				return errUnchanged
			}
			s, err := workshop.NewSecret(nil)
			if err != nil {
				return err
			}
			cur.Secret, secret = s, s
			return nil
		})
		if err != nil && !errors.Is(err, errUnchanged) {
			return "", fmt.Errorf("make the secret of %s: %w", m.ID, err)
		}
		m.Secret = secret
	}
	return m.Secret.AuthorKey(user), nil
}

// echoItem posts an item given through a form or /journey add in its
// step's thread, so the team sees it where the replies are: under its
// author's name, or as "Anonymous" with the buttons its author may use.
func (e *Engine) echoItem(ctx context.Context, m *workshop.Meta, in workshop.Input, actor string) {
	if m.StepTS(in.Step) == "" {
		return
	}
	msg := e.itemMessage(ctx, m, in, actor, "")
	if _, err := e.notify.Post(ctx, msg); err != nil {
		e.log.WarnContext(ctx, "echo item", "workshop", m.ID, "err", err)
	}
}

// itemMessage shows an item given through a form or /journey add; state
// is "" for a new item, "edited" once its author changed it.
func (e *Engine) itemMessage(ctx context.Context, m *workshop.Meta, in workshop.Input, actor, state string) Message {
	lang := m.Lang
	var names workshop.Names
	if ids := workshop.UserRefs(in.Text); len(ids) > 0 {
		names, _ = e.store.Names(ctx, ids) // a cache: without it, ids show
	}
	quoted := UserText(names.Text(in.Text))
	var head rich.Text
	switch {
	case in.Anonymous() && state == "edited":
		head = e.R(lang, "anonymous.edited")
	case in.Anonymous():
		head = e.R(lang, "anonymous.added")
	case in.Source == workshop.SourceCommand:
		head = e.R(lang, "add.added", "user", Mention(actor))
	default:
		head = e.R(lang, "form.added", "user", Mention(actor))
	}
	msg := Message{Channel: m.Channel, ThreadTS: m.StepTS(in.Step), Kind: KindNotice, Lang: lang, Blocks: []rich.Block{rich.Para(head), rich.Quoted(quoted)},
		Text: head.String() + " " + quoted.String(), Workshop: m.ID, Step: in.Step}
	if in.Anonymous() {
		v := itemValue(m.ID, in.ID)
		msg.Context = []rich.Text{e.R(lang, "anonymous.item_context")}
		msg.Actions = []Action{
			{ID: ActionItemEdit, Label: e.T(lang, "button.edit"), Value: v},
			{ID: ActionItemDelete, Label: e.T(lang, "button.delete"), Value: v, Style: "danger",
				Confirm: &Confirm{Title: e.T(lang, "anonymous.confirm_title"), Text: e.T(lang, "anonymous.confirm_text"),
					Yes: e.T(lang, "button.delete"), No: e.T(lang, "form.cancel")}},
		}
	}
	return msg
}

// ownItem finds the anonymous item an item button names and checks that
// a wrote it.
func (e *Engine) ownItem(ctx context.Context, a Actor, value string) (*workshop.Workshop, workshop.Input, error) {
	id, inputID := ParseItemValue(value)
	w, err := e.store.Load(ctx, id)
	if errors.Is(err, workshop.ErrNotFound) {
		return nil, workshop.Input{}, problem("error.unknown_workshop", "id", UserText(id))
	}
	if err != nil {
		return nil, workshop.Input{}, fmt.Errorf("load workshop %s: %w", id, err)
	}
	for _, in := range w.Inputs {
		if in.ID != inputID {
			continue
		}
		if !in.Anonymous() || !w.Secret.Wrote(in.AuthorKey, a.ID) {
			return w, in, problem("error.item_not_yours")
		}
		if w.Closed() {
			return w, in, problem("error.closed")
		}
		return w, in, nil
	}
	return w, workshop.Input{}, problem("error.item_gone")
}

// EditableItem returns the workshop and the input an Edit button names
// when a wrote it, for the adapter to open its form. Otherwise it tells a
// why (in channel) and returns a nil workshop.
func (e *Engine) EditableItem(ctx context.Context, channel string, a Actor, value string) (*workshop.Workshop, workshop.Input, error) {
	w, in, err := e.ownItem(ctx, a, value)
	if err != nil {
		lang := e.lang
		if w != nil {
			lang = w.Lang
		}
		return nil, workshop.Input{}, e.answerError(ctx, channel, a, lang, err)
	}
	return w, in, nil
}

// DeleteItem is an anonymous item's Delete button: its author's click
// deletes it (for good: a late retry cannot bring it back) and turns the
// message at ts in channel, which showed it, into a note that it is gone;
// anyone else is told the item is not theirs.
func (e *Engine) DeleteItem(ctx context.Context, channel string, a Actor, value, ts string) error {
	w, in, err := e.ownItem(ctx, a, value)
	if err == nil {
		_, err = e.store.DeleteInput(ctx, w.ID, in.ID)
	}
	if err != nil {
		lang := e.lang
		if w != nil {
			lang = w.Lang
		}
		return e.answerError(ctx, channel, a, lang, err)
	}
	if ts != "" {
		note := e.R(w.Lang, "anonymous.deleted")
		msg := Message{Channel: w.Channel, ThreadTS: w.StepTS(in.Step), Kind: KindNotice, Lang: w.Lang, Blocks: Paragraphs(note.With(rich.Emphasis)), Text: note.String(), Workshop: w.ID, Step: in.Step}
		if err := e.notify.Update(ctx, channel, ts, msg); err != nil {
			e.log.WarnContext(ctx, "update deleted item", "workshop", w.ID, "err", err)
		}
	}
	e.refreshMetaHeader(ctx, w)
	return e.tell(ctx, channel, a.ID, w.Lang, KindAnswer, e.R(w.Lang, "anonymous.deleted_yours"))
}

// ItemFields are the form fields that give back an input's first item,
// for a form that edits it: the reverse of FormLine.
func ItemFields(step workshop.Step, text string) map[string]string {
	items, _ := workshop.ParseReply(step, text)
	out := map[string]string{}
	if len(items) == 0 {
		return out
	}
	switch it := items[0].(type) {
	case *workshop.Goal:
		out["text"] = it.Text
	case *workshop.ScopeNote:
		out["text"] = strings.TrimSpace(text)
	case *workshop.Persona:
		out["name"], out["demographics"], out["psychographics"] = it.Name, it.Demographics, it.Psychographics
	case *workshop.Touchpoint:
		out["name"], out["channel"], out["phase"] = it.Name, it.Channel, string(it.Phase)
		out["emotion"] = fmt.Sprint(it.Emotion)
		out["positive"], out["negative"], out["state"], out["owner"] = it.Positive, it.Negative, it.State, it.Owner
		out["online"] = "offline"
		if it.Online {
			out["online"] = "online"
		}
	case *workshop.Resource:
		out["kind"], out["name"], out["gap"], out["owner"] = it.Kind, it.Name, it.Gap, it.Owner
	case *workshop.TestResult:
		out["goal"], out["verdict"], out["note"] = it.Goal, it.Verdict, it.Note
	case *workshop.Change:
		out["text"], out["owner"], out["due"] = it.Text, it.Owner, it.Due
	case *workshop.Lanes:
		out["touchpoint"], out["people"], out["process"], out["technology"] = it.Touchpoint, it.People, it.Process, it.Technology
	case *workshop.EmpathyNote:
		out["quadrant"], out["note"], out["persona"] = it.Quadrant, it.Text, it.Persona
	}
	return out
}

// ItemKind is the form kind that edits an input's first item: FormLanes
// or FormEmpathy for a blueprint's lanes or an empathy note, "" for the
// step's own form.
func ItemKind(step workshop.Step, text string) string {
	items, _ := workshop.ParseReply(step, text)
	if len(items) == 0 {
		return ""
	}
	switch items[0].(type) {
	case *workshop.Lanes:
		return FormLanes
	case *workshop.EmpathyNote:
		return FormEmpathy
	}
	return ""
}

// contributors shows who contributed: the people who did under their
// name, mentioned, and how many did anonymously (their keys name nobody).
func (e *Engine) contributors(lang string, people []string) rich.Text {
	named, anonymous := workshop.SplitContributors(people)
	parts := []rich.Text{}
	if len(named) > 0 {
		parts = append(parts, Mentions(named))
	}
	if anonymous > 0 {
		parts = append(parts, e.R(lang, "anonymous.people", "count", anonymous))
	}
	return e.R(lang, "header.contributors", "count", len(people), "people", rich.Join(parts, ", "))
}

// byline says who gave an item: "(@Maria)", or "(Anonymous)".
func (e *Engine) byline(lang, author string, anonymous bool) rich.Text {
	if anonymous {
		return e.R(lang, "item.by", "user", e.R(lang, "anonymous.name"))
	}
	return e.R(lang, "item.by", "user", Mention(author))
}
