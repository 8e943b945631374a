package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Reply is a human message in a thread.
type Reply struct {
	Channel  string
	ThreadTS string
	// TS is the message's own timestamp: its identity, so a retried
	// delivery of the same message is stored once.
	TS     string
	Author string
	Text   string
	// EditedTS is set when the message was edited; the newest edit wins.
	EditedTS string
	Source   string
}

// Outcome says what became of a reply.
type Outcome int

// Outcomes of Reply.
const (
	// Ignored: not in a step thread, or empty.
	Ignored Outcome = iota
	// Stored: a new input or a newer edit was stored.
	Stored
	// Duplicate: already stored (a retried delivery or an older edit).
	Duplicate
	// Rejected: a structured line could not be read; the author was told
	// why and nothing was stored.
	Rejected
)

func (o Outcome) String() string {
	return [...]string{"ignored", "stored", "duplicate", "rejected"}[o]
}

// ReactionAccepted is the reaction added to a stored reply.
const ReactionAccepted = "white_check_mark"

// Reply stores a thread reply as input to the step whose thread it is in.
// It takes two store round trips on the common path: the thread lookup and
// one idempotent write.
func (e *Engine) Reply(ctx context.Context, r Reply) (Outcome, *workshop.ThreadRef, error) {
	if r.ThreadTS == "" || r.ThreadTS == r.TS || strings.TrimSpace(r.Text) == "" {
		return Ignored, nil, nil
	}
	ref, err := e.store.Thread(ctx, r.Channel, r.ThreadTS)
	if errors.Is(err, workshop.ErrNotFound) {
		return Ignored, nil, nil
	}
	if err != nil {
		return Ignored, nil, fmt.Errorf("find the step of reply %s: %w", r.TS, err)
	}
	items, lineErrs, err := e.parseReply(ctx, ref.Workshop, ref.Step, r.Text)
	if err != nil {
		return Ignored, &ref, err
	}
	if len(lineErrs) == 0 && ref.Step == workshop.Test {
		lineErrs, err = e.checkGoals(ctx, ref.Workshop, items)
		if err != nil {
			return Ignored, &ref, err
		}
	}
	if len(lineErrs) > 0 {
		lang, err := e.langOf(ctx, ref.Workshop)
		if err != nil {
			return Ignored, &ref, err
		}
		msg := e.lineErrorMessage(lang, ref.Step, lineErrs)
		msg.Channel, msg.User, msg.ThreadTS = r.Channel, r.Author, r.ThreadTS
		if _, err := e.notify.Post(ctx, msg); err != nil {
			return Rejected, &ref, fmt.Errorf("tell %s about a bad line: %w", r.Author, err)
		}
		return Rejected, &ref, nil
	}
	in := workshop.Input{
		ID: r.TS, Step: ref.Step, Author: r.Author, Text: strings.TrimSpace(r.Text), TS: r.TS,
		Version: cmp.Or(r.EditedTS, r.TS), Source: cmp.Or(r.Source, workshop.SourceThread), Round: ref.Round,
		Items: len(items), MapType: mapTypeOf(items),
	}
	stored, err := e.store.PutInput(ctx, ref.Workshop, in)
	if err != nil {
		return Ignored, &ref, fmt.Errorf("store reply %s in %s: %w", r.TS, ref.Workshop, err)
	}
	if !stored {
		return Duplicate, &ref, nil
	}
	// An edit gets the check mark too: it may be the fix of a reply that was
	// refused, which never had one (on a reply that has it, adding it again
	// changes nothing).
	if err := e.notify.React(ctx, r.Channel, r.TS, ReactionAccepted); err != nil {
		// The input is safe; a missing check mark is cosmetic.
		e.log.WarnContext(ctx, "react to reply", "workshop", ref.Workshop, "err", err)
	}
	return Stored, &ref, nil
}

// parseReply reads a reply (or a form's line) of step. The steps whose
// lines depend on the map type (the touchpoints' phases, the resources
// step's lanes and quadrants) are checked against the workshop's type and
// touchpoints, one read of the totals the store keeps; the others need no
// read at all.
func (e *Engine) parseReply(ctx context.Context, id string, step workshop.Step, text string) ([]workshop.Item, []*workshop.LineError, error) {
	if step != workshop.Touchpoints && step != workshop.Resources {
		items, errs := workshop.ParseReply(step, text)
		return items, errs, nil
	}
	mc, err := e.mapContext(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	items, errs := workshop.ParseReplyIn(step, text, mc)
	return items, errs, nil
}

// mapContext is the workshop's map type and touchpoint count, from the
// store's totals (the whole workshop only when it predates them).
func (e *Engine) mapContext(ctx context.Context, id string) (workshop.Context, error) {
	c, err := e.store.Counts(ctx, id)
	if err != nil {
		return workshop.Context{}, fmt.Errorf("read the totals of %s: %w", id, err)
	}
	if c.Known {
		return workshop.Context{MapType: c.MapType, Touchpoints: c.Items[workshop.Touchpoints]}, nil
	}
	w, err := e.store.Load(ctx, id)
	if err != nil {
		return workshop.Context{}, fmt.Errorf("load workshop %s: %w", id, err)
	}
	m := w.Map()
	return workshop.Context{MapType: m.MapType(), Touchpoints: len(m.Touchpoints)}, nil
}

// checkGoals refuses test lines about goals that do not exist.
func (e *Engine) checkGoals(ctx context.Context, id string, items []workshop.Item) ([]*workshop.LineError, error) {
	goals, err := e.goalCount(ctx, id)
	if err != nil {
		return nil, err
	}
	var errs []*workshop.LineError
	for i, it := range items {
		if tr, ok := it.(*workshop.TestResult); ok && !goalExists(tr.Goal, goals) {
			errs = append(errs, &workshop.LineError{Step: workshop.Test, Line: i + 1, Field: workshop.FieldGoal, Got: tr.Goal, Max: goals})
		}
	}
	return errs, nil
}

// goalCount is how many goals workshop id has: one read of the step totals
// the store keeps, whatever the workshop's size. Only a workshop stored
// before totals were kept is loaded whole.
func (e *Engine) goalCount(ctx context.Context, id string) (int, error) {
	c, err := e.store.Counts(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Known {
		return c.Items[workshop.Goals], nil
	}
	w, err := e.store.Load(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("load workshop %s: %w", id, err)
	}
	return len(w.Map().Goals), nil
}

// mapTypeOf is the map type an input's items choose: the last keyword, as
// the map reads them.
func mapTypeOf(items []workshop.Item) string {
	mt := ""
	for _, it := range items {
		if n, ok := it.(*workshop.ScopeNote); ok && n.MapType != "" {
			mt = n.MapType
		}
	}
	return mt
}

// goalExists reports whether goal ref ("G3") is among goals G1..Gn: goals
// are numbered in input order, so the count says which exist.
func goalExists(ref string, goals int) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(ref, "G"))
	return err == nil && n >= 1 && n <= goals
}

func (e *Engine) langOf(ctx context.Context, id string) (string, error) {
	m, err := e.store.LoadMeta(ctx, id)
	if err != nil {
		return "", fmt.Errorf("load workshop %s: %w", id, err)
	}
	return m.Lang, nil
}

// Delete removes the input of a deleted thread message. It reports
// whether an input was removed, and from which workshop step.
func (e *Engine) Delete(ctx context.Context, channel, threadTS, ts string) (bool, *workshop.ThreadRef, error) {
	if threadTS == "" {
		return false, nil, nil
	}
	ref, err := e.store.Thread(ctx, channel, threadTS)
	if errors.Is(err, workshop.ErrNotFound) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("find the step of deleted reply %s: %w", ts, err)
	}
	ok, err := e.store.DeleteInput(ctx, ref.Workshop, ts)
	if err != nil {
		return false, &ref, fmt.Errorf("delete reply %s in %s: %w", ts, ref.Workshop, err)
	}
	return ok, &ref, nil
}

// FieldError is a form field that could not be read, with the sentence to
// show beside it.
type FieldError struct {
	Field   string
	Message string
}

// Form is a form submission: one item of a step, field by field.
type Form struct {
	Workshop string
	Step     workshop.Step
	Actor    Actor
	// ID identifies the submission (Slack's view id), so a retried
	// submission is stored once.
	ID     string
	Fields map[string]string
	// Kind is one of the forms a map type adds to the step (FormLanes,
	// FormEmpathy); empty for the step's own form.
	Kind string
	// Anonymous posts the item without its author (see workshop.Secret).
	Anonymous bool
	// Edit, when set, replaces an anonymous item its author posted (the
	// form was opened from the item's Edit button) rather than adding one.
	Edit *ItemEdit
}

// ItemEdit names the item a form edits: its input, and the bot's message
// that shows it (updated once the edit is stored).
type ItemEdit struct {
	Input       string
	Channel, TS string
}

// FormFields lists, per step, the fields of its form in the order of the
// structured line they make.
var FormFields = map[workshop.Step][]string{
	workshop.Goals:       {"text"},
	workshop.Personas:    {"name", "demographics", "psychographics"},
	workshop.Touchpoints: {"name", "channel", "phase", "emotion", "positive", "negative", "state", "online", "owner"},
	workshop.Scope:       {"text"},
	workshop.Resources:   {"kind", "name", "gap", "owner"},
	workshop.Test:        {"goal", "verdict", "note"},
	workshop.Iterate:     {"text", "owner", "due"},
}

// Form kinds: the forms a map type adds to a step beside the step's own
// (Form.Kind ""). Each builds the line a thread reply would be, so a form
// and a typed line give the same item.
const (
	// FormLanes is a service blueprint's backstage lanes of one
	// touchpoint: "T2 | people | process | technology".
	FormLanes = "lanes"
	// FormEmpathy is an empathy map's note in one quadrant of a persona:
	// "says | note | persona".
	FormEmpathy = "empathy"
)

// KindFields lists, per form kind, the fields of its form in the order
// the form shows them. Each kind's first field is always in its form (an
// empathy note's persona is asked only when the map has several).
var KindFields = map[string][]string{
	FormLanes:   {"touchpoint", "people", "process", "technology"},
	FormEmpathy: {"quadrant", "persona", "note"},
}

// FieldsOf lists the fields of step's form of kind ("" for the step's own).
func FieldsOf(step workshop.Step, kind string) []string {
	if kind != "" {
		return KindFields[kind]
	}
	return FormFields[step]
}

// FormKinds lists the forms a map of type mt adds to step: the backstage
// lanes at a service blueprint's resources step, the empathy note at an
// empathy map's.
func FormKinds(step workshop.Step, mt string) []string {
	if step != workshop.Resources {
		return nil
	}
	switch mt {
	case workshop.MapServiceBlueprint:
		return []string{FormLanes}
	case workshop.MapEmpathyMap:
		return []string{FormEmpathy}
	}
	return nil
}

// firstField is the first field of step's form of kind, where errors
// about the whole item are shown.
func firstField(step workshop.Step, kind string) string {
	if fs := FieldsOf(step, kind); len(fs) > 0 {
		return fs[0]
	}
	return "text"
}

// KindLine turns a form of kind into the line a thread reply would be.
func KindLine(kind string, fields map[string]string) string {
	var parts []string
	switch kind {
	case FormLanes:
		// Each lane keeps its place, empty or not.
		parts = []string{cleanField(fields, "touchpoint"), cleanField(fields, "people"), cleanField(fields, "process"), cleanField(fields, "technology")}
	case FormEmpathy:
		parts = []string{cleanField(fields, "quadrant"), cleanField(fields, "note"), cleanField(fields, "persona")}
	}
	return strings.TrimRight(strings.Join(parts, " | "), " |")
}

// cleanField is a form field as a field of a structured line: a pipe or a
// newline inside it would shift the fields after it.
func cleanField(fields map[string]string, k string) string {
	return strings.TrimSpace(strings.NewReplacer("|", "/", "\n", " ", "\r", " ").Replace(fields[k]))
}

// FormLine turns a form into the structured line a thread reply would be,
// so both paths produce the same item.
func FormLine(step workshop.Step, fields map[string]string) string {
	clean := func(k string) string { return cleanField(fields, k) }
	var parts []string
	switch step {
	case workshop.Goals, workshop.Scope:
		return clean("text")
	case workshop.Test:
		parts = []string{clean("goal") + " " + clean("verdict"), clean("note")}
	case workshop.Touchpoints:
		// Positive and negative keep their places even when empty; the
		// keyword fields and the owner follow only when given.
		for _, k := range FormFields[step][:6] {
			parts = append(parts, clean(k))
		}
		for _, k := range FormFields[step][6:] {
			if v := clean(k); v != "" {
				parts = append(parts, v)
			}
		}
	default:
		for _, k := range FormFields[step] {
			parts = append(parts, clean(k))
		}
	}
	return strings.TrimRight(strings.Join(parts, " | "), " |")
}

// formField maps a line error to the form field it concerns.
var formField = map[string]string{
	workshop.FieldName: "name", workshop.FieldChannel: "channel", workshop.FieldPhase: "phase",
	workshop.FieldEmotion: "emotion", workshop.FieldKind: "kind", workshop.FieldGoal: "goal",
	workshop.FieldVerdict: "verdict", workshop.FieldDue: "due", workshop.FieldText: "text",
}

// kindField maps a line error to the field of a form kind it concerns.
// A line with no lane (or no note) has too few fields, which the form
// calls a missing lane (or note).
var kindField = map[string]map[string]string{
	FormLanes:   {workshop.FieldTPoint: "touchpoint", workshop.FieldLanes: "people", workshop.FieldCount: "people"},
	FormEmpathy: {workshop.FieldQuadrant: "quadrant", workshop.FieldNote: "note", workshop.FieldCount: "note"},
}

// kindMessage is, per form kind, the sentence of a field left empty
// (rather than the typed line's "give at least one lane").
var kindMessage = map[string]map[string]string{
	FormLanes:   {"people": "form.resources.lanes_missing"},
	FormEmpathy: {"note": "form.resources.note_missing"},
}

// Submit stores a form as an input of its step and posts it in the step's
// thread, so the team sees it where the other replies are: under its
// author's name, or as "Anonymous" (f.Anonymous). A form that edits an
// anonymous item (f.Edit) replaces it, when its author sent it, and updates
// the message that shows it. Field errors are returned for the form to
// show; nothing is stored then.
func (e *Engine) Submit(ctx context.Context, f Form) ([]FieldError, error) {
	// What the acknowledgement needs, and no more: the meta and, for the
	// test step, the goal count (and, for an edit, the item edited).
	w, err := e.store.LoadMeta(ctx, f.Workshop)
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", f.Workshop, err)
	}
	var orig workshop.Input
	if f.Edit != nil {
		full, in, err := e.ownItem(ctx, f.Actor, itemValue(f.Workshop, f.Edit.Input))
		var p *Problem
		if errors.As(err, &p) {
			return []FieldError{{Field: firstField(f.Step, f.Kind), Message: e.R(w.Lang, p.Key, p.Args...).String()}}, nil
		}
		if err != nil {
			return nil, err
		}
		// The item's own form: what it is decides, not what was asked.
		w, orig, f.Step, f.Kind = &full.Meta, in, in.Step, ItemKind(in.Step, in.Text)
	}
	if f.Kind != "" && (f.Step != workshop.Resources || KindFields[f.Kind] == nil) {
		return nil, fmt.Errorf("form %s of %s: no %q form at the %s step", f.ID, f.Workshop, f.Kind, f.Step.Key())
	}
	line := FormLine(f.Step, f.Fields)
	if f.Kind != "" {
		line = KindLine(f.Kind, f.Fields)
	}
	items, lineErrs, err := e.parseReply(ctx, f.Workshop, f.Step, line)
	if err != nil {
		return nil, err
	}
	if f.Kind == FormLanes && len(lineErrs) == 0 && len(items) == 1 {
		if _, ok := items[0].(*workshop.Lanes); !ok {
			// A touchpoint typed (past 100 touchpoints) that is none: the
			// line read as something else.
			items, lineErrs = nil, []*workshop.LineError{{Step: f.Step, Line: 1, Field: workshop.FieldTPoint, Got: f.Fields["touchpoint"]}}
		}
	}
	if f.Kind == FormLanes && len(lineErrs) > 0 && lineErrs[0].Field != workshop.FieldTPoint {
		if _, ok := workshop.ParseTouchpointRef(f.Fields["touchpoint"]); !ok {
			lineErrs = []*workshop.LineError{{Step: f.Step, Line: 1, Field: workshop.FieldTPoint, Got: f.Fields["touchpoint"]}}
		}
	}
	if len(lineErrs) == 1 && lineErrs[0].Field == workshop.FieldTPoint && lineErrs[0].Max == 0 {
		mc, err := e.mapContext(ctx, f.Workshop)
		if err != nil {
			return nil, err
		}
		lineErrs[0].Max, lineErrs[0].MapType = mc.Touchpoints, mc.MapType
	}
	if len(lineErrs) == 0 && f.Step == workshop.Test {
		goals, err := e.goalCount(ctx, f.Workshop)
		if err != nil {
			return nil, err
		}
		if !goalExists(items[0].(*workshop.TestResult).Goal, goals) {
			lineErrs = []*workshop.LineError{{Step: workshop.Test, Field: workshop.FieldGoal, Got: f.Fields["goal"]}}
		}
	}
	if len(lineErrs) > 0 {
		var out []FieldError
		for _, le := range lineErrs {
			// The form's own block, or its first: a line error names what
			// the line lacks ("name"), which some forms call otherwise (the
			// iterate form's change is its "text").
			field := formField[le.Field]
			if k, ok := kindField[f.Kind][le.Field]; ok {
				field = k
			}
			if !slices.Contains(FieldsOf(f.Step, f.Kind), field) {
				field = firstField(f.Step, f.Kind)
			}
			msg := e.lineErrorText(w.Lang, le)
			if key := kindMessage[f.Kind][field]; key != "" {
				msg = e.R(w.Lang, key)
			}
			out = append(out, FieldError{Field: field, Message: msg.String()})
		}
		return out, nil
	}
	ts := e.newTS()
	in := workshop.Input{ID: "form:" + f.ID, Step: f.Step, Author: f.Actor.ID, Text: line, TS: ts, Version: ts, Source: workshop.SourceForm, Round: w.Round, Items: len(items), MapType: mapTypeOf(items)}
	switch {
	case f.Edit != nil:
		// The same input, newer: it keeps its place in the journey, its
		// round and its author key.
		in = orig
		in.Text, in.Version, in.Items, in.MapType = line, ts, len(items), mapTypeOf(items)
	case f.Anonymous:
		if in.AuthorKey, err = e.authorKey(ctx, w, f.Actor.ID); err != nil {
			return nil, err
		}
		in.Author = ""
	}
	stored, err := e.store.PutInput(ctx, w.ID, in)
	if err != nil {
		return nil, fmt.Errorf("store form %s in %s: %w", f.ID, w.ID, err)
	}
	switch {
	case !stored:
	case f.Edit != nil && f.Edit.TS != "":
		msg := e.itemMessage(ctx, w, in, f.Actor.ID, "edited")
		if err := e.notify.Update(ctx, f.Edit.Channel, f.Edit.TS, msg); err != nil {
			e.log.WarnContext(ctx, "update edited item", "workshop", w.ID, "err", err)
		}
	case f.Edit == nil:
		e.echoItem(ctx, w, in, f.Actor.ID)
	}
	return nil, nil
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lineErrorText is one line error as a sentence.
func (e *Engine) lineErrorText(lang string, le *workshop.LineError) rich.Text {
	args := []any{"line", le.Line, "got", UserText(le.Got), "min", le.Min, "max", le.Max}
	if le.Field == workshop.FieldCount {
		n, _ := strconv.Atoi(le.Got)
		args = append(args, "count", n)
	}
	switch le.Field {
	case workshop.FieldTPoint:
		if le.Max == 0 {
			return e.R(lang, "error.line.touchpoint_none", args...)
		}
		return e.R(lang, "error.line.touchpoint", append(args, "count", le.Max)...)
	case workshop.FieldLane, workshop.FieldQuadrant:
		args = append(args, "map_type", e.T(lang, "maptype."+le.MapType+".name"))
	}
	if key := e.mapTypeKey(lang, "error.line."+le.Field, le.MapType); key != "error.line."+le.Field {
		return e.R(lang, key, args...)
	}
	if le.Field == workshop.FieldGoal && le.Max > 0 {
		return e.R(lang, "error.line.goal_missing", append(args, "goals", goalRange(le.Max))...)
	}
	if le.Field == workshop.FieldGoal && le.Got != "" {
		if _, ok := workshop.ParseGoalRef(le.Got); ok {
			return e.R(lang, "error.line.goal_missing", append(args, "goals", e.R(lang, "error.line.no_goals"))...)
		}
	}
	return e.R(lang, "error.line."+le.Field, args...)
}

func goalRange(n int) string {
	if n == 1 {
		return "G1"
	}
	return "G1–G" + strconv.Itoa(n)
}

// lineErrorMessage tells an author why their reply was not stored, line by
// line, with the step's format and an example.
func (e *Engine) lineErrorMessage(lang string, step workshop.Step, errs []*workshop.LineError) Message {
	var items []rich.Text
	for _, le := range errs {
		text := e.lineErrorText(lang, le)
		if le.Text != "" && len(errs) > 1 {
			text = rich.Concat(text, rich.Plain("\n“"), UserText(truncateRunes(le.Text, 200)).With(rich.Emphasis), rich.Plain("”"))
		}
		items = append(items, text)
	}
	head := e.R(lang, "error.reply_rejected", "count", len(errs))
	mt := ""
	if len(errs) > 0 {
		mt = errs[0].MapType
	}
	key := "step." + step.Key()
	body := []rich.Block{rich.Para(head), rich.Bullets(items...),
		rich.Para(e.R(lang, "error.expected_format", "format", e.T(lang, e.mapTypeKey(lang, key+".format", mt)), "example", e.T(lang, e.mapTypeKey(lang, key+".example", mt))))}
	if len(items) == 1 {
		body[1] = rich.Para(items[0])
	}
	return Message{Ephemeral: true, Kind: KindError, Blocks: body, Text: head.String(), Step: step, Lang: lang}
}

// mapTypeSuffix names each map type that has sentences of its own: a key
// "<key>_<suffix>" in the catalogs replaces "<key>" for that type.
var mapTypeSuffix = map[string]string{
	workshop.MapFutureState:      "future",
	workshop.MapDayInTheLife:     "day",
	workshop.MapServiceBlueprint: "blueprint",
	workshop.MapEmpathyMap:       "empathy",
}

// mapTypeKey is key's variant for map type mt when the catalog has one,
// else key itself.
func (e *Engine) mapTypeKey(lang, key, mt string) string {
	if sfx := mapTypeSuffix[mt]; sfx != "" && e.cat.Has(lang, key+"_"+sfx) {
		return key + "_" + sfx
	}
	return key
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
