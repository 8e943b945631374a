package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The home's Set deadline and Plan buttons open a form (adapters build it)
// whose one field is what would follow `/journey deadline` or `/journey
// plan`; Set runs it as that command.
const (
	ActionSetDeadline = "set_deadline"
	ActionPlan        = "plan"
)

// Setting commands: the command a setting form runs.
const (
	SettingDeadline = "deadline"
	SettingPlan     = "plan"
)

// SettingOf is the setting command a button opens the form of ("" for
// other buttons).
func SettingOf(actionID string) string {
	return map[string]string{ActionSetDeadline: SettingDeadline, ActionPlan: SettingPlan}[actionID]
}

// Setting is a facilitator's setting given in a form rather than typed
// after /journey: the current step's deadline, or the plan, of a workshop.
type Setting struct {
	Workshop string
	// Step is the step the form was opened at: a workshop that has moved on
	// since is not changed. Zero takes the current step.
	Step  workshop.Step
	Actor Actor
	// Command is SettingDeadline or SettingPlan; Text what the form's
	// field holds, as it would follow the command.
	Command string
	Text    string
}

var settings = map[string]handler{SettingDeadline: (*Engine).cmdDeadline, SettingPlan: (*Engine).cmdPlan}

// Set runs a setting form as its command would run for the workshop
// (`/journey deadline <Text>`, `/journey plan <Text>`): the same checks,
// the same change, the same announcement in the channel. What the person
// got wrong (a time it cannot read or one passed, the workshop moved on or
// closed, not theirs to steer) is returned as the sentence the form shows
// beside its field, and nothing is changed; err is an internal fault, which
// the form cannot show.
func (e *Engine) Set(ctx context.Context, s Setting) (string, error) {
	h, ok := settings[s.Command]
	if !ok {
		return "", fmt.Errorf("set: no setting %q", s.Command)
	}
	m, err := e.store.LoadMeta(ctx, s.Workshop)
	if errors.Is(err, workshop.ErrNotFound) {
		return e.R(e.lang, "error.unknown_workshop", "id", UserText(s.Workshop)).String(), nil
	}
	if err != nil {
		return "", fmt.Errorf("load workshop %s: %w", s.Workshop, err)
	}
	lang := m.Lang
	args := SplitArgs(s.Text)
	switch {
	case len(args) == 0:
		// Alone, the command would show the setting: a form asks for one.
		return e.R(lang, "form."+s.Command+".empty").String(), nil
	case s.Step.Valid() && m.Step != s.Step:
		return e.R(lang, "error.moved_meanwhile", "step", e.stepName(lang, m.Step)).String(), nil
	}
	c := &call{Command: Command{Channel: m.Channel, Actor: s.Actor, Text: s.Command + " " + s.Text}, args: append([]string{m.ID}, args...), lang: lang}
	err = h(e, ctx, c)
	if err == nil {
		return "", nil
	}
	key, kargs, internal := explain(err)
	if internal != nil {
		return "", internal
	}
	// The form shows its examples under the field: its own, shorter word
	// for what it cannot read.
	if short, ok := formProblems[key]; ok {
		key = "form." + s.Command + "." + short
	}
	return e.R(c.lang, key, kargs...).String(), nil
}

// formProblems are the command's sentences a setting form says its own
// way.
var formProblems = map[string]string{"error.deadline_unreadable": "unreadable", "error.plan_unreadable": "unreadable"}

// SettingNow is what a setting form shows above its field: the current
// step's deadline or the plan, as they stand; and the zone times are read
// in (the facilitator's).
func (e *Engine) SettingNow(m *workshop.Meta, command string) (rich.Text, string) {
	zone := e.zoneOf(m).String()
	if command == SettingPlan {
		return e.planLine(m), zone
	}
	if m.Deadline.IsZero() {
		return e.R(m.Lang, "deadline.none", "step", e.stepName(m.Lang, m.Step)), zone
	}
	return e.R(m.Lang, "deadline.current", "step", e.stepName(m.Lang, m.Step), "deadline", e.deadlineText(m, m.Deadline)), zone
}

// StepName is a step's name in lang, for adapters' labels.
func (e *Engine) StepName(lang string, s workshop.Step) string { return e.stepName(lang, s) }
