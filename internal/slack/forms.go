package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Modal callback ids. A setting form's is the command it runs.
const (
	callbackForm  = "form"
	callbackScore = "score"
	callbackVote  = "vote"
	// callbackEdit is the form of an anonymous item its author edits.
	callbackEdit     = "edit"
	callbackDeadline = engine.SettingDeadline
	callbackPlan     = engine.SettingPlan
)

// anonymousBlock is the form's "post anonymously" checkbox: its block,
// action and option.
const anonymousBlock = "anonymous"

// settingBlock is the block (and action) id of a setting form's one field.
const settingBlock = "setting"

// maxSettingText bounds what a setting form's field takes: a plan of every
// step with its length fits many times over.
const maxSettingText = 300

// voteBlock is the vote form's one input: a multi-select of the round's
// items, at most the round's votes.
const voteBlock = "votes"

// requiredFields are the form fields a step cannot do without.
var requiredFields = map[string]bool{
	"goals.text": true, "scope.text": true, "iterate.text": true,
	"personas.name":    true,
	"touchpoints.name": true, "touchpoints.channel": true, "touchpoints.phase": true, "touchpoints.emotion": true,
	"resources.kind": true, "resources.name": true,
	// The backstage lanes form: the touchpoint, and at least one lane
	// (which the engine checks). The empathy note: its quadrant, its
	// persona (asked when the map has several, the first chosen) and
	// its text.
	"resources.touchpoint": true, "resources.quadrant": true, "resources.persona": true, "resources.note": true,
	"test.goal": true, "test.verdict": true,
}

var multiline = map[string]bool{"goals.text": true, "scope.text": true, "personas.psychographics": true, "touchpoints.positive": true, "touchpoints.negative": true, "resources.gap": true, "test.note": true, "resources.note": true}

// emotionValues are the emotion choices, worst first.
var emotionValues = []string{"-2", "-1", "0", "1", "2"}

func option(value, text string) *goslack.OptionBlockObject {
	return goslack.NewOptionBlockObject(value, plainText(cut(text, maxOptionText)), nil)
}

func (b *Bot) emotionOptions(lang string) []*goslack.OptionBlockObject {
	var opts []*goslack.OptionBlockObject
	for _, v := range emotionValues {
		n, _ := strconv.Atoi(v)
		opts = append(opts, option(v, b.eng.T(lang, "form.emotion."+v, "face", workshop.Emoji(float64(n)))))
	}
	return opts
}

// fieldOptions lists the choices of the form fields that are selects.
func (b *Bot) fieldOptions(lang, field string, m *workshop.Map) []*goslack.OptionBlockObject {
	T := func(k string) string { return b.eng.T(lang, k) }
	switch field {
	case "phase":
		var out []*goslack.OptionBlockObject
		// The map type's phases: times of the day in a day-in-the-life map.
		for _, p := range workshop.PhasesOf(m.MapType()) {
			out = append(out, option(string(p), T("phase."+string(p))))
		}
		return out
	case "emotion":
		return b.emotionOptions(lang)
	case "state":
		return []*goslack.OptionBlockObject{option(workshop.StateCurrent, T("state.current")), option(workshop.StateIdeal, T("state.ideal"))}
	case "online":
		return []*goslack.OptionBlockObject{option("online", T("form.online")), option("offline", T("form.offline"))}
	case "kind":
		return []*goslack.OptionBlockObject{option(workshop.KindHave, T("kind.have")), option(workshop.KindNeed, T("kind.need"))}
	case "verdict":
		var out []*goslack.OptionBlockObject
		for _, v := range []string{workshop.VerdictYes, workshop.VerdictPartly, workshop.VerdictNo} {
			out = append(out, option(v, T("verdict."+v)))
		}
		return out
	case "touchpoint":
		if len(m.Touchpoints) > maxOptions {
			// Past 100, the touchpoint is typed, as a goal is.
			return nil
		}
		var out []*goslack.OptionBlockObject
		for _, t := range m.Touchpoints {
			out = append(out, option(t.ID, t.ID+" "+escapeUser(t.Name)))
		}
		return out
	case "quadrant":
		var out []*goslack.OptionBlockObject
		for _, q := range workshop.EmpathyQuadrants {
			out = append(out, option(q, T("export.col."+q)))
		}
		return out
	case "persona":
		// The persona by its name, as a typed line names it (a prefix
		// when the name is longer than an option's value may be); a
		// name given twice is offered once, as it stands for the first.
		var out []*goslack.OptionBlockObject
		seen := map[string]bool{}
		for _, p := range m.Personas[:min(len(m.Personas), maxOptions)] {
			v := personaValue(p.Name)
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, option(v, escapeUser(p.Name)))
		}
		return out
	case "goal":
		if len(m.Goals) > maxOptions {
			// A select holds at most 100 options: past that, the goal is
			// typed (formView says so), so no goal is left out.
			return nil
		}
		var out []*goslack.OptionBlockObject
		for _, g := range m.Goals {
			out = append(out, option(g.ID, g.ID+" "+escapeUser(g.Text)))
		}
		return out
	}
	return nil
}

// personaValue is the value of a persona's option: its name, or as much
// of it as an option's value holds (a prefix names it in a line too).
func personaValue(name string) string {
	if r := []rune(name); len(r) > maxOptionValue {
		name = string(r[:maxOptionValue])
	}
	return strings.TrimSpace(name)
}

// formView is the modal that adds one item to a step: the same item a
// thread line would give. kind names one of the forms a map type adds to
// the step (engine.FormKinds), "" for the step's own. values, when set,
// fill its fields in (the item an edit starts from); a new item's form
// ends with the "post anonymously" box, ticked when the step is
// anonymous.
func (b *Bot) formView(w *workshop.Workshop, step workshop.Step, kind string, values map[string]string) goslack.ModalViewRequest {
	lang, m := w.Lang, w.Map()
	var blocks []goslack.Block
	blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(b.eng.R(lang, "form.context", "title", engine.UserText(w.Title), "step", b.eng.T(lang, "step."+step.Key()+".name"))), maxContextText))))
	for _, f := range engine.FieldsOf(step, kind) {
		key := step.Key() + "." + f
		label := plainText(cut(b.eng.T(lang, "form."+key), maxInputLabel))
		switch {
		case f == "goal" && len(m.Goals) > maxOptions:
			label = plainText(cut(b.eng.T(lang, "form.goal_typed", "count", len(m.Goals)), maxInputLabel))
		case f == "touchpoint" && len(m.Touchpoints) > maxOptions:
			label = plainText(cut(b.eng.T(lang, "form.resources.touchpoint_typed", "count", len(m.Touchpoints)), maxInputLabel))
		case f == "persona" && len(m.Personas) < 2:
			continue // the first persona, or none: nothing to choose
		}
		var el goslack.BlockElement
		value := values[f]
		if f == "persona" && len(m.Personas) > 0 {
			// The persona the item names (or the first), as the map reads it.
			value = personaValue(m.Personas[workshop.PersonaOf(m.Personas, value)].Name)
		}
		switch opts := b.fieldOptions(lang, f, m); {
		case f == "owner":
			// A person in Slack, so forms and thread mentions give the same
			// owner; a name typed in the next block covers everyone else.
			sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeUser, plainText(cut(b.eng.T(lang, "form.choose"), maxPlaceholder)), f)
			input := goslack.NewInputBlock(f, label, plainText(cut(b.eng.T(lang, "form.owner_hint"), maxHint)), sel)
			input.Optional = true
			name := goslack.NewPlainTextInputBlockElement(nil, ownerName)
			name.MaxLength = workshop.MaxFieldLen
			if id, _, ok := workshop.ParseUserRef(value); ok {
				sel.InitialUser = id
			} else {
				name.InitialValue = value
			}
			byName := goslack.NewInputBlock(ownerName, plainText(cut(b.eng.T(lang, "form.owner_name"), maxInputLabel)), nil, name)
			byName.Optional = true
			blocks = append(blocks, input, byName)
			continue
		case f == "due":
			date := goslack.NewDatePickerBlockElement(f)
			date.InitialDate = value
			el = date
		case opts != nil:
			sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plainText(cut(b.eng.T(lang, "form.choose"), maxPlaceholder)), f, opts...)
			for _, o := range opts {
				if value != "" && o.Value == value {
					sel.InitialOption = o
				}
			}
			el = sel
		default:
			in := goslack.NewPlainTextInputBlockElement(nil, f)
			in.Multiline = multiline[key]
			in.MaxLength = workshop.MaxFieldLen
			in.InitialValue = value
			el = in
		}
		var hint *goslack.TextBlockObject
		if f == "people" {
			hint = plainText(cut(b.eng.T(lang, "form.resources.people_hint"), maxHint))
		}
		input := goslack.NewInputBlock(f, label, hint, el)
		input.Optional = !requiredFields[key]
		blocks = append(blocks, input)
	}
	if values == nil {
		// Anyone may post anonymously; an anonymous step ticks it first.
		opt := option(anonymousBlock, b.eng.T(lang, "form.anonymous"))
		box := goslack.NewCheckboxGroupsBlockElement(anonymousBlock, opt)
		if w.AnonymousAt(step) {
			box.InitialOptions = []*goslack.OptionBlockObject{opt}
		}
		input := goslack.NewInputBlock(anonymousBlock, plainText(cut(b.eng.T(lang, "form.anonymous_label"), maxInputLabel)),
			plainText(cut(b.eng.T(lang, "form.anonymous_hint"), maxHint)), box)
		input.Optional = true
		blocks = append(blocks, input)
	}
	meta := w.ID + " " + step.Key()
	if kind != "" {
		meta += " " + kind // "W1 resources lanes": onSubmit reads the kind back
	}
	return goslack.ModalViewRequest{
		Type:            goslack.VTModal,
		CallbackID:      callbackForm,
		Title:           plainText(cut(b.eng.T(lang, "form.title."+cmp.Or(kind, step.Key())), maxModalTitle)),
		Submit:          plainText(cut(b.eng.T(lang, "form.submit"), maxModalTitle)),
		Close:           plainText(cut(b.eng.T(lang, "form.cancel"), maxModalTitle)),
		PrivateMetadata: meta,
		Blocks:          goslack.Blocks{BlockSet: blocks},
	}
}

// editView is the form of an anonymous item its author edits: the step's
// form, filled in with the item, saving over it. Its metadata names the
// item and the message that shows it, which the save updates.
func (b *Bot) editView(w *workshop.Workshop, in workshop.Input, channel, ts string) goslack.ModalViewRequest {
	lang := w.Lang
	view := b.formView(w, in.Step, engine.ItemKind(in.Step, in.Text), engine.ItemFields(in.Step, in.Text))
	view.CallbackID = callbackEdit
	view.Title = plainText(cut(b.eng.T(lang, "form.title.edit"), maxModalTitle))
	view.PrivateMetadata = strings.Join([]string{w.ID, in.Step.Key(), in.ID, channel, ts}, " ")
	view.Blocks.BlockSet[0] = goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(b.eng.R(lang, "form.editing", "title", engine.UserText(w.Title),
		"step", b.eng.T(lang, "step."+in.Step.Key()+".name"))), maxContextText)))
	return view
}

// scorePage is how many touchpoints one page of the score form holds: a
// modal takes 100 blocks, and 20 selects are what a person scores at once.
const scorePage = 20

// scoreView lets one participant score the touchpoints of one page (from
// 0), starting from the scores they gave before. A journey longer than a
// page is scored page by page: each page's submit saves it and opens the
// next, so no touchpoint is left out.
func (b *Bot) scoreView(w *workshop.Workshop, user string, page int) goslack.ModalViewRequest {
	lang, m := w.Lang, w.Map()
	journey := m.Journey()
	pages := max(1, (len(journey)+scorePage-1)/scorePage)
	page = max(0, min(page, pages-1))
	from, to := page*scorePage, min((page+1)*scorePage, len(journey))
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn(mrkdwnOf(b.eng.R(lang, "form.score.intro"))), nil, nil)}
	submit := b.eng.T(lang, "form.submit")
	if pages > 1 {
		key := "form.score.last_page"
		if page < pages-1 {
			submit, key = b.eng.T(lang, "form.next_page"), "form.score.page"
		}
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(b.eng.R(lang, key, "from", from+1, "to", to, "total", len(journey), "next", submit)), maxContextText))))
	}
	opts := b.emotionOptions(lang)
	for _, t := range journey[from:to] {
		sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plainText(cut(b.eng.T(lang, "form.choose"), maxPlaceholder)), "score", opts...)
		if v, ok := t.ScoreBy(w.Secret, user); ok {
			sel.InitialOption = opts[workshop.ClampEmotion(v)+2]
		}
		label := fmt.Sprintf("%s · %s (%s)", t.ID, escapeUser(t.Name), b.eng.T(lang, "phase."+string(t.Phase)))
		input := goslack.NewInputBlock(t.ID, plainText(cut(label, maxInputLabel)), nil, sel)
		input.Optional = true
		blocks = append(blocks, input)
	}
	meta := w.ID + " " + workshop.Touchpoints.Key()
	if page < pages-1 {
		meta += " " + strconv.Itoa(page+1) // the page the submit opens
	}
	return goslack.ModalViewRequest{
		Type:            goslack.VTModal,
		CallbackID:      callbackScore,
		Title:           plainText(cut(b.eng.T(lang, "form.title.score"), maxModalTitle)),
		Submit:          plainText(cut(submit, maxModalTitle)),
		Close:           plainText(cut(b.eng.T(lang, "form.cancel"), maxModalTitle)),
		PrivateMetadata: meta,
		Blocks:          goslack.Blocks{BlockSet: blocks},
	}
}

// onInteraction handles a button click or a form submission. What it
// returns is the response body (view_submission errors), or nil.
func (b *Bot) onInteraction(ctx context.Context, cb goslack.InteractionCallback) (any, error) {
	switch cb.Type {
	case goslack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, nil
		}
		act := cb.ActionCallback.BlockActions[0]
		channel, user, trigger := cmp.Or(cb.Channel.ID, cb.Container.ChannelID), cb.User.ID, cb.TriggerID
		// The message the button is on: an item's buttons change it.
		ts := cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp)
		b.spawn(withEventID(ctx, trigger), "button "+act.ActionID, func(ctx context.Context) error {
			actor := b.users.actor(ctx, user)
			switch act.ActionID {
			case engine.ActionAdd, engine.ActionScore, engine.ActionRate, engine.ActionLanes, engine.ActionEmpathy:
				return b.openForm(ctx, channel, actor, trigger, act.ActionID, act.Value)
			case engine.ActionItemEdit:
				return b.openEdit(ctx, channel, actor, trigger, act.Value, ts)
			case engine.ActionItemDelete:
				return b.eng.DeleteItem(ctx, channel, actor, act.Value, ts)
			case engine.ActionVote:
				return b.openVote(ctx, channel, actor, trigger, act.Value)
			case engine.ActionSetDeadline, engine.ActionPlan:
				return b.openSetting(ctx, channel, actor, trigger, engine.SettingOf(act.ActionID), act.Value)
			case engine.ActionOpenThread:
				return nil // a link: Slack opens it; the click needs no answer
			default:
				return b.eng.Press(ctx, channel, actor, act.ActionID, act.Value)
			}
		})
		return nil, nil
	case goslack.InteractionTypeViewSubmission:
		return b.onSubmit(ctx, cb)
	}
	return nil, nil
}

// openForm opens the Add, Score or Rate modal of a step message's button.
// The trigger id lives 3 seconds, so this runs straight after the ack.
func (b *Bot) openForm(ctx context.Context, channel string, a engine.Actor, trigger, action, value string) error {
	id, step := engine.ParseActionValue(value)
	w, err := workshop.Open(ctx, b.store, id)
	if errors.Is(err, workshop.ErrNotFound) {
		return b.eng.Tell(ctx, channel, a.ID, b.eng.DefaultLang(), "error.unknown_workshop", "id", id)
	}
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	if w.Closed() {
		return b.eng.Tell(ctx, channel, a.ID, w.Lang, "error.closed")
	}
	var view goslack.ModalViewRequest
	switch {
	case action == engine.ActionScore && len(w.Map().Touchpoints) == 0:
		return b.eng.Tell(ctx, channel, a.ID, w.Lang, "error.no_touchpoints")
	case action == engine.ActionScore:
		view = b.scoreView(w, a.ID, 0)
	case action == engine.ActionRate && len(w.Map().Changes) == 0:
		return b.eng.Tell(ctx, channel, a.ID, w.Lang, "error.rate.no_changes")
	case action == engine.ActionRate:
		view = b.rateView(w, a.ID, 0)
	case step == workshop.Test && len(w.Map().Goals) == 0:
		return b.eng.Tell(ctx, channel, a.ID, w.Lang, "error.line.goal_missing", "line", 1, "got", "G1", "goals", b.eng.T(w.Lang, "error.line.no_goals"))
	case action == engine.ActionLanes && len(w.Map().Touchpoints) == 0:
		return b.eng.Tell(ctx, channel, a.ID, w.Lang, "error.no_touchpoints_lanes")
	case step.Valid():
		view = b.formView(w, step, engine.ActionKind(action), nil)
	default:
		return nil
	}
	if _, err := b.notify.API.OpenViewContext(ctx, trigger, view); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// openVote opens the vote form of a workshop's open round, with the votes
// the person gave already chosen.
func (b *Bot) openVote(ctx context.Context, channel string, a engine.Actor, trigger, value string) error {
	id, _, _ := strings.Cut(value, " ")
	w, r, mine, err := b.eng.VoteForm(ctx, id, a)
	if err != nil {
		lang := b.eng.DefaultLang()
		if w != nil {
			lang = w.Lang
		}
		return b.eng.Refuse(ctx, channel, a, lang, err)
	}
	view := b.voteView(w, r, mine)
	if _, err := b.notify.API.OpenViewContext(ctx, trigger, view); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// voteView is the vote form: a multi-select of the round's items (a select
// holds 100 options: past that, the context says to vote with the
// command), at most the round's votes, the person's votes chosen.
func (b *Bot) voteView(w *workshop.Workshop, r *workshop.VoteRound, mine []string) goslack.ModalViewRequest {
	lang := w.Lang
	var opts, chosen []*goslack.OptionBlockObject
	for _, it := range r.Items[:min(len(r.Items), maxOptions)] {
		o := option(it.ID, it.ID+" "+escapeUser(it.Label))
		opts = append(opts, o)
		if slices.Contains(mine, it.Key) {
			chosen = append(chosen, o)
		}
	}
	sel := goslack.NewOptionsMultiSelectBlockElement(goslack.MultiOptTypeStatic, plainText(cut(b.eng.T(lang, "form.choose"), maxPlaceholder)), voteBlock, opts...)
	sel.WithMaxSelectedItems(r.Max)
	if len(chosen) > 0 {
		sel.InitialOptions = chosen
	}
	input := goslack.NewInputBlock(voteBlock, plainText(cut(b.eng.T(lang, "vote.form_label", "count", r.Max), maxInputLabel)), nil, sel)
	input.Optional = true // no choice withdraws one's votes
	intro := b.eng.R(lang, "vote.intro", "count", r.Max, "id", r.ID)
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn(cut(mrkdwnOf(intro), maxSectionText)), nil, nil), input}
	who := b.eng.R(lang, "vote.counts_only")
	if r.Attributed {
		who = b.eng.R(lang, "vote.attributed")
	}
	blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(who), maxContextText))))
	return goslack.ModalViewRequest{
		Type:            goslack.VTModal,
		CallbackID:      callbackVote,
		Title:           plainText(cut(b.eng.T(lang, "vote.form_title", "id", r.ID), maxModalTitle)),
		Submit:          plainText(cut(b.eng.T(lang, "button.vote"), maxModalTitle)),
		Close:           plainText(cut(b.eng.T(lang, "form.cancel"), maxModalTitle)),
		PrivateMetadata: w.ID + " " + r.ID,
		Blocks:          goslack.Blocks{BlockSet: blocks},
	}
}

// openSetting opens the Set deadline or Plan form of a home's button, for
// the workshop's current step (the home may be older than a move). A
// workshop that cannot be set is answered at once (in a direct message,
// from the home) rather than with a form that would refuse.
func (b *Bot) openSetting(ctx context.Context, channel string, a engine.Actor, trigger, command, value string) error {
	id, _ := engine.ParseActionValue(value)
	m, err := b.store.LoadMeta(ctx, id)
	if errors.Is(err, workshop.ErrNotFound) {
		return b.eng.Tell(ctx, channel, a.ID, b.eng.DefaultLang(), "error.unknown_workshop", "id", engine.UserText(id))
	}
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	switch {
	case m.Closed():
		return b.eng.Tell(ctx, channel, a.ID, m.Lang, "error.closed", "id", m.ID)
	case !m.IsFacilitator(a.ID) && !a.Admin:
		return b.eng.Tell(ctx, channel, a.ID, m.Lang, "error.not_facilitator", "action", b.eng.T(m.Lang, "action."+command), "facilitator", engine.Mention(m.Facilitator))
	}
	if _, err := b.notify.API.OpenViewContext(ctx, trigger, b.settingView(m, command)); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// settingView is the Set deadline or Plan form: the workshop and step, the
// setting as it stands, and one field taking what would follow the command,
// with its forms as the hint.
func (b *Bot) settingView(m *workshop.Meta, command string) goslack.ModalViewRequest {
	lang, key := m.Lang, "form."+command+"."
	now, zone := b.eng.SettingNow(m, command)
	step := b.eng.StepName(lang, m.Step)
	in := goslack.NewPlainTextInputBlockElement(plainText(cut(b.eng.T(lang, key+"placeholder"), maxPlaceholder)), settingBlock)
	in.MaxLength = maxSettingText
	input := goslack.NewInputBlock(settingBlock, plainText(cut(b.eng.T(lang, key+"label", "step", step), maxInputLabel)),
		plainText(cut(b.eng.R(lang, key+"hint", "tz", zone).String(), maxHint)), in)
	blocks := []goslack.Block{
		goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(b.eng.R(lang, "form.context", "title", engine.UserText(m.Title), "step", step)), maxContextText))),
		goslack.NewSectionBlock(mrkdwn(cut(mrkdwnOf(now), maxSectionText)), nil, nil),
		input,
	}
	return goslack.ModalViewRequest{
		Type:            goslack.VTModal,
		CallbackID:      command,
		Title:           plainText(cut(b.eng.T(lang, key+"title"), maxModalTitle)),
		Submit:          plainText(cut(b.eng.T(lang, "form.submit"), maxModalTitle)),
		Close:           plainText(cut(b.eng.T(lang, "form.cancel"), maxModalTitle)),
		PrivateMetadata: m.ID + " " + m.Step.Key(),
		Blocks:          goslack.Blocks{BlockSet: blocks},
	}
}

// openEdit opens the form of an anonymous item for its author (the engine
// tells anyone else it is not theirs): the message at ts shows the item.
func (b *Bot) openEdit(ctx context.Context, channel string, a engine.Actor, trigger, value, ts string) error {
	w, in, err := b.eng.EditableItem(ctx, channel, a, value)
	if err != nil || w == nil {
		return err
	}
	if _, err := b.notify.API.OpenViewContext(ctx, trigger, b.editView(w, in, channel, ts)); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// nextPage answers the submission of one page of a paged form (scores,
// ratings): when the private metadata names a next page ("W1 step 2"),
// the submit opens it in place, drawn by view; after the last, the form
// closes.
func (b *Bot) nextPage(ctx context.Context, meta []string, id, user string, view func(*workshop.Workshop, string, int) goslack.ModalViewRequest) (any, error) {
	if len(meta) < 3 {
		return nil, nil
	}
	page, err := strconv.Atoi(meta[2])
	if err != nil {
		return nil, nil
	}
	w, err := workshop.Open(ctx, b.store, id)
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	v := view(w, user, page)
	return goslack.NewUpdateViewSubmissionResponse(&v), nil
}

// fieldValue reads what a form field holds, whatever its element.
func fieldValue(a goslack.BlockAction) string {
	switch {
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	case a.SelectedDate != "":
		return a.SelectedDate
	case a.SelectedUser != "":
		return a.SelectedUser
	}
	return a.Value
}

// ownerName is the block of the owner typed by name, beside the user
// select of the "owner" block.
const ownerName = "owner_name"

// formFields reads a submitted form into the engine's fields: an owner
// picked in the user select is a user reference, as a mention in a thread
// is; otherwise the name typed, if any.
func formFields(values map[string]map[string]goslack.BlockAction) map[string]string {
	fields := map[string]string{}
	for block, acts := range values {
		if block == anonymousBlock {
			continue // not a field of the item (see postAnonymously)
		}
		fields[block] = strings.TrimSpace(fieldValue(acts[block]))
	}
	if id := fields["owner"]; id != "" {
		if _, _, ok := workshop.ParseUserRef(workshop.UserRef(id)); ok {
			fields["owner"] = workshop.UserRef(id)
		} else {
			fields["owner"] = ""
		}
	}
	if fields["owner"] == "" {
		fields["owner"] = fields[ownerName]
	}
	delete(fields, ownerName)
	return fields
}

// postAnonymously reads the form's "post anonymously" box: ticked, its
// option is among the selected ones (none, or an empty list, when not).
func postAnonymously(values map[string]map[string]goslack.BlockAction) bool {
	for _, o := range values[anonymousBlock][anonymousBlock].SelectedOptions {
		if o.Value == anonymousBlock {
			return true
		}
	}
	return false
}

func (b *Bot) onSubmit(ctx context.Context, cb goslack.InteractionCallback) (any, error) {
	// Slack closes the modal with an error after 3 seconds: answer within
	// the same deadline as events.
	ctx, cancel := context.WithTimeout(withEventID(ctx, cb.View.ID), AckTimeout)
	defer cancel()
	meta := strings.Fields(cb.View.PrivateMetadata)
	id, step := engine.ParseActionValue(cb.View.PrivateMetadata)
	values := map[string]map[string]goslack.BlockAction{}
	if cb.View.State != nil {
		values = cb.View.State.Values
	}
	user := cb.User.ID
	if id == "" || user == "" {
		return nil, nil
	}
	switch cb.View.CallbackID {
	case callbackRate:
		return b.onRateSubmit(ctx, id, user, meta, values)
	case callbackVote:
		var ids []string
		for _, o := range values[voteBlock][voteBlock].SelectedOptions {
			ids = append(ids, o.Value)
		}
		q := &engine.Queue{}
		msg, err := b.eng.WithNotifier(q).SubmitVote(ctx, id, b.users.actor(ctx, user), ids)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return goslack.NewErrorsViewSubmissionResponse(map[string]string{voteBlock: cut(msg, 150)}), nil
		}
		b.spawn(ctx, "echo vote", func(ctx context.Context) error { return q.Flush(ctx, b.notify) })
		return nil, nil
	case callbackScore:
		scores := map[int]int{}
		for block, acts := range values {
			n, ok := workshop.ParseTouchpointRef(block)
			if v, err := strconv.Atoi(fieldValue(acts["score"])); ok && err == nil && v >= workshop.MinEmotion && v <= workshop.MaxEmotion {
				scores[n] = v
			}
		}
		b.spawn(ctx, "save scores", func(ctx context.Context) error {
			return b.eng.SaveScores(ctx, id, b.users.actor(ctx, user), scores)
		})
		return b.nextPage(ctx, meta, id, user, b.scoreView)
	case callbackForm, callbackEdit:
		fields := formFields(values)
		f := engine.Form{Workshop: id, Step: step, Actor: engine.Actor{ID: user}, ID: cb.View.ID, Fields: fields, Anonymous: postAnonymously(values)}
		if cb.View.CallbackID == callbackForm && len(meta) > 2 {
			// A form a map type adds: "W1 resources lanes".
			f.Step, _ = workshop.ParseStep(meta[1])
			f.Kind = meta[2]
		}
		if cb.View.CallbackID == callbackEdit {
			if len(meta) < 5 {
				return nil, nil
			}
			f.Step, _ = workshop.ParseStep(meta[1])
			f.Edit, f.Anonymous = &engine.ItemEdit{Input: meta[2], Channel: meta[3], TS: meta[4]}, false
		}
		q := &engine.Queue{}
		errs, err := b.eng.WithNotifier(q).Submit(ctx, f)
		if err != nil {
			return nil, err
		}
		if len(errs) > 0 {
			m := map[string]string{}
			for _, fe := range errs {
				m[fe.Field] = cut(fe.Message, 150)
			}
			return goslack.NewErrorsViewSubmissionResponse(m), nil
		}
		author := user
		if f.Anonymous || f.Edit != nil {
			// Nothing about an anonymous author is kept, not even their
			// name in the cache.
			author = ""
		}
		b.learnNames(ctx, fields["owner"], author)
		b.touch(id)
		b.spawn(ctx, "echo form", func(ctx context.Context) error { return q.Flush(ctx, b.notify) })
	case callbackDeadline, callbackPlan:
		// Run before the answer, so what cannot be read is said in the
		// form; what the command posts goes after.
		q := &engine.Queue{}
		refused, err := b.eng.WithNotifier(q).Set(ctx, engine.Setting{
			Workshop: id, Step: step, Actor: b.users.actor(ctx, user), Command: cb.View.CallbackID,
			Text: strings.TrimSpace(fieldValue(values[settingBlock][settingBlock])),
		})
		if err != nil {
			return nil, err
		}
		if refused != "" {
			return goslack.NewErrorsViewSubmissionResponse(map[string]string{settingBlock: cut(refused, 150)}), nil
		}
		b.spawn(ctx, "setting", func(ctx context.Context) error { return q.Flush(ctx, b.notify) })
	}
	return nil, nil
}
