package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Step lengths and deadlines: `/journey plan 2d`, `/journey plan goals=1d
// personas=2d`, `/journey deadline friday 17:00`. Times are read in the
// facilitator's zone and stored as instants; a step opened by next, back or
// goto gets its planned deadline from that moment.

// MaxStepLength is the longest a step may be planned to last.
const MaxStepLength = 90 * 24 * time.Hour

// defaultDeadlineHour is the time of a deadline given as a day alone.
const defaultDeadlineHour = 17

var lengthPart = regexp.MustCompile(`^(\d+)(min|d|j|h|m)`)

// ParseLength reads a step's length: "2d" (or "2j"), "36h", "90m", "1d12h".
func ParseLength(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	var d time.Duration
	for s != "" {
		m := lengthPart.FindStringSubmatch(s)
		if m == nil {
			return 0, false
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, false
		}
		unit := map[string]time.Duration{"d": 24 * time.Hour, "j": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "min": time.Minute}[m[2]]
		d += time.Duration(n) * unit
		s = s[len(m[0]):]
	}
	if d <= 0 || d > MaxStepLength {
		return 0, false
	}
	return d, true
}

var (
	clockTime = regexp.MustCompile(`^(\d{1,2})(?:[:h](\d{2})?)?$`)
	isoDay    = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	frDay     = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
)

var weekdayKeys = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// parseDeadline reads a deadline typed after `/journey deadline`, in loc:
// a length from now ("3d"), a weekday with an optional time ("friday",
// "vendredi 17h"), today or tomorrow with a time, or a date with an
// optional time ("2026-12-18 12:00", "18/12/2026"). A day without a time is
// due at 17:00.
func (e *Engine) parseDeadline(args []string, now time.Time, loc *time.Location) (time.Time, bool) {
	if len(args) == 0 || len(args) > 2 {
		return time.Time{}, false
	}
	if len(args) == 1 {
		if d, ok := ParseLength(args[0]); ok {
			return now.Add(d), true
		}
	}
	now = now.In(loc)
	hour, minute := defaultDeadlineHour, 0
	if len(args) == 2 {
		m := clockTime.FindStringSubmatch(strings.ToLower(args[1]))
		if m == nil {
			return time.Time{}, false
		}
		hour, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			minute, _ = strconv.Atoi(m[2])
		}
		if hour > 23 || minute > 59 {
			return time.Time{}, false
		}
	}
	day := strings.ToLower(args[0])
	at := func(y int, mo time.Month, d int) time.Time { return time.Date(y, mo, d, hour, minute, 0, 0, loc) }
	if m := isoDay.FindStringSubmatch(day); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return validDate(at(y, time.Month(mo), d), y, mo, d)
	}
	if m := frDay.FindStringSubmatch(day); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		return validDate(at(y, time.Month(mo), d), y, mo, d)
	}
	switch key := e.keywords[day]; key {
	case "today":
		return at(now.Year(), now.Month(), now.Day()), true
	case "tomorrow":
		t := now.AddDate(0, 0, 1)
		return at(t.Year(), t.Month(), t.Day()), true
	default:
		wd := slices.Index(weekdayKeys, key)
		if wd < 0 {
			return time.Time{}, false
		}
		// The first such day at that time after now: "friday" on a Friday
		// morning is this afternoon.
		for i := 0; i <= 7; i++ {
			t := now.AddDate(0, 0, i)
			if c := at(t.Year(), t.Month(), t.Day()); int(t.Weekday()) == wd && c.After(now) {
				return c, true
			}
		}
	}
	return time.Time{}, false
}

// ParseTime reads a time as /journey deadline does ("monday 08:00",
// "2026-12-18 12:00", "tomorrow", "3d"), in loc, from now: for surfaces
// that move their own clock (the console's `wait until`).
func (e *Engine) ParseTime(args []string, now time.Time, loc *time.Location) (time.Time, bool) {
	return e.parseDeadline(args, now, loc)
}

// validDate refuses dates time.Date normalised (31 February).
func validDate(t time.Time, y, mo, d int) (time.Time, bool) {
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// plannedDeadline is the deadline of step opened at now under m's plan
// (zero without one).
func plannedDeadline(m *workshop.Meta, step workshop.Step, now time.Time) time.Time {
	if d, ok := m.Plan[step.Key()]; ok && d > 0 {
		return now.Add(d).UTC().Truncate(time.Second)
	}
	return time.Time{}
}

// deadlineText is a deadline as a time every surface shows its own way:
// Slack in each reader's zone, others as written in the facilitator's.
func (e *Engine) deadlineText(w *workshop.Meta, t time.Time) rich.Text {
	return e.dateTime(t, e.zoneOf(w).String(), w.Lang)
}

// cmdDeadline sets, shows or removes the current step's deadline.
func (e *Engine) cmdDeadline(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang, loc := w.Lang, e.zone(w)
	if len(c.args) == 0 {
		line := e.R(lang, "deadline.none", "step", e.stepName(lang, w.Step))
		if !w.Deadline.IsZero() {
			line = e.R(lang, "deadline.current", "step", e.stepName(lang, w.Step), "deadline", e.deadlineText(&w.Meta, w.Deadline))
		}
		return e.answer(ctx, c, KindAnswer, line, e.R(lang, "deadline.usage", "tz", loc.String()))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.deadline")); err != nil {
		return err
	}
	now := e.now()
	var due time.Time
	if e.soleKeyword(c) != "off" {
		t, ok := e.parseDeadline(c.args, now, loc)
		if !ok {
			return problem("error.deadline_unreadable", "got", UserText(strings.Join(c.args, " ")), "tz", loc.String())
		}
		if !t.After(now) {
			return problem("error.deadline_past", "deadline", e.deadlineText(&w.Meta, t))
		}
		due = t.UTC()
	}
	step := w.Step
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if m.Step != step {
			return problem("error.moved_meanwhile", "step", e.stepName(m.Lang, m.Step))
		}
		m.SetDeadline(due, now)
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	e.refreshDeadline(ctx, w)
	if due.IsZero() {
		return e.announce(ctx, w, e.R(lang, "deadline.cleared", "user", Mention(c.Actor.ID), "step", e.stepName(lang, step)))
	}
	return e.announce(ctx, w, e.R(lang, "deadline.set", "user", Mention(c.Actor.ID), "step", e.stepName(lang, step), "deadline", e.deadlineText(&w.Meta, due)))
}

// refreshDeadline shows a changed deadline where it is read: the step's
// message and the header.
func (e *Engine) refreshDeadline(ctx context.Context, w *workshop.Workshop) {
	if ts := w.StepTS(w.Step); ts != "" {
		mp, err := e.storedMap(ctx, w)
		if err == nil {
			err = e.notify.Update(ctx, w.Channel, ts, e.stepMessage(&w.Meta, mp, w.Step))
		}
		if err != nil {
			e.log.WarnContext(ctx, "update step message", "workshop", w.ID, "err", err)
		}
	}
	e.refreshMetaHeader(ctx, w)
}

// cmdPlan sets how long steps last: one length for every step from the
// current one on, or step=length pairs; `off` removes the plan and the
// current deadline.
func (e *Engine) cmdPlan(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	if len(c.args) == 0 {
		return e.answer(ctx, c, KindAnswer, e.planLine(&w.Meta), e.R(lang, "plan.usage"))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.plan")); err != nil {
		return err
	}
	plan := map[string]time.Duration{}
	off := e.soleKeyword(c) == "off"
	switch {
	case off:
	case len(c.args) == 1 && !strings.Contains(c.args[0], "="):
		d, ok := ParseLength(c.args[0])
		if !ok {
			return problem("error.plan_unreadable", "got", UserText(c.args[0]))
		}
		for _, s := range workshop.Steps {
			if s >= w.Step {
				plan[s.Key()] = d
			}
		}
	default:
		for _, a := range c.args {
			name, length, ok := strings.Cut(a, "=")
			step, known := workshop.ParseStep(name)
			d, readable := ParseLength(length)
			if !ok || !readable {
				return problem("error.plan_unreadable", "got", UserText(a))
			}
			if !known {
				return problem("error.goto_unknown", "got", UserText(name), "steps", e.stepList(lang))
			}
			plan[step.Key()] = d
		}
	}
	now := e.now()
	step := w.Step
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if m.Step != step {
			return problem("error.moved_meanwhile", "step", e.stepName(m.Lang, m.Step))
		}
		if off {
			m.Plan = nil
			m.SetDeadline(time.Time{}, now)
			return nil
		}
		if m.Plan == nil {
			m.Plan = map[string]time.Duration{}
		}
		for k, d := range plan {
			m.Plan[k] = d
		}
		if _, ok := plan[m.Step.Key()]; ok {
			// The current step starts its planned length now.
			m.SetDeadline(plannedDeadline(m, m.Step, now), now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	e.refreshDeadline(ctx, w)
	if off {
		return e.announce(ctx, w, e.R(lang, "plan.cleared", "user", Mention(c.Actor.ID)))
	}
	return e.announce(ctx, w, rich.Concat(e.R(lang, "plan.set", "user", Mention(c.Actor.ID)), rich.Plain("\n"), e.planLine(&w.Meta)))
}

// planLine says how long each planned step lasts, and when the current one
// is due.
func (e *Engine) planLine(m *workshop.Meta) rich.Text {
	lang := m.Lang
	var parts []rich.Text
	for _, s := range workshop.Steps {
		d, ok := m.Plan[s.Key()]
		if !ok {
			continue
		}
		part := e.R(lang, "plan.step", "step", e.stepName(lang, s), "length", e.duration(lang, d))
		if s == m.Step && !m.Deadline.IsZero() {
			part = e.R(lang, "plan.current", "step", e.stepName(lang, s), "length", e.duration(lang, d), "deadline", e.deadlineText(m, m.Deadline))
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return e.R(lang, "plan.none")
	}
	return e.R(lang, "plan.line", "steps", rich.Join(parts, " · "))
}

// deadlineLine is the current step's deadline, for the header, the step
// message and status (nil without one).
func (e *Engine) deadlineLine(m *workshop.Meta) rich.Text {
	if m.Deadline.IsZero() || m.Closed() {
		return nil
	}
	key := "deadline.line"
	if !m.Deadline.After(e.now()) {
		key = "deadline.passed"
	}
	return e.R(m.Lang, key, "step", e.stepName(m.Lang, m.Step), "deadline", e.deadlineText(m, m.Deadline))
}

// ActionExtend is the digest's Extend 1 day button.
const ActionExtend = "extend"

// Extension is how much the Extend button and autopilot add to a deadline.
const Extension = 24 * time.Hour

// Deadline handles the current step's deadline of workshop id when it comes
// (the review scheduler calls it once, however many replicas run): with
// autopilot on, a step with input moves on and an empty one is extended
// once by a day; otherwise, and after that one extension, the facilitator
// gets a digest in a direct message. A deadline that changed meanwhile is
// left alone.
func (e *Engine) Deadline(ctx context.Context, id string, step workshop.Step, due time.Time) error {
	// Scheduler work, off the acknowledgement path: the whole workshop,
	// read once, serves the move, the extension and the digest.
	w, err := e.store.Load(ctx, id)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	m := &w.Meta
	// Not DeadlineDone: the scheduler's claim already makes this run once,
	// and a replica that lost the claim may mark the deadline done before
	// this one gets here.
	if m.Step != step || !m.Deadline.Equal(due) || m.Closed() {
		return nil
	}
	// A vote open at the step's deadline closes with it, its ranking
	// posted before the step moves on.
	if m.CurrentVote().Open() {
		if _, err := e.endVote(ctx, id); err != nil {
			e.log.WarnContext(ctx, "close vote at the deadline", "workshop", id, "err", err)
		}
	}
	wm := w.Map()
	items := factsOf(w, wm).counts[step]
	if m.Autopilot {
		switch {
		case items > 0 && step != workshop.Iterate:
			if err := e.announce(ctx, w, e.R(m.Lang, "autopilot.moved", "step", e.stepName(m.Lang, step), "next", e.stepName(m.Lang, step+1))); err != nil {
				return err
			}
			return e.move(ctx, w, wm, step, step+1, true)
		case items == 0 && !m.Extended:
			meta, err := e.store.UpdateMeta(ctx, id, func(cur *workshop.Meta) error {
				if cur.Step != step || !cur.Deadline.Equal(due) {
					return errDeadlineMoved
				}
				cur.SetDeadline(due.Add(Extension), e.now())
				cur.Extended = true
				return nil
			})
			if errors.Is(err, errDeadlineMoved) {
				return nil
			}
			if err != nil {
				return err
			}
			w.Meta = *meta
			e.refreshDeadline(ctx, w)
			return e.announce(ctx, w, e.R(m.Lang, "autopilot.extended", "step", e.stepName(m.Lang, step), "deadline", e.deadlineText(meta, meta.Deadline)))
		}
	}
	return e.postDigest(ctx, w, items)
}

var errDeadlineMoved = errors.New("the deadline moved meanwhile")

// postDigest sends the facilitator what the step holds at its deadline:
// its items and who contributed to it in this round.
func (e *Engine) postDigest(ctx context.Context, w *workshop.Workshop, items int) error {
	m := &w.Meta
	lang, step := m.Lang, m.Step
	title := e.T(lang, "digest.title", "step", e.stepName(lang, step), "title", UserString(m.Title))
	authors := w.StepContributors(step)
	people := e.R(lang, "digest.nobody")
	if len(authors) > 0 {
		people = e.contributors(lang, authors)
	}
	msg := Message{
		Channel: m.Channel, User: m.Facilitator, Direct: true, Kind: KindDigest, Workshop: m.ID, Step: step, Lang: lang,
		Title: title, Text: title,
		Blocks: Paragraphs(
			e.R(lang, "digest.intro", "step", e.stepName(lang, step), "title", UserText(m.Title), "deadline", e.deadlineText(m, m.Deadline)),
			rich.Concat(e.count(lang, "items", items), rich.Plain(" · "), people),
		),
		Context: []rich.Text{e.R(lang, "digest.context", "id", m.ID)},
	}
	waiting, err := e.waitingFor(ctx, w)
	if err != nil {
		e.log.WarnContext(ctx, "members", "workshop", w.ID, "err", err) // the digest goes without them
	}
	var missing []string
	for _, p := range waiting {
		missing = append(missing, p.ID)
	}
	if len(missing) > 0 {
		msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "digest.missing", "count", len(missing), "people", Mentions(missing))))
	}
	v := actionValue(m.ID, step)
	if step != workshop.Iterate {
		msg.Actions = append(msg.Actions, Action{ID: ActionNext, Label: e.T(lang, "button.next"), Value: v, Style: "primary", Command: "next " + m.ID})
	}
	msg.Actions = append(msg.Actions, Action{ID: ActionExtend, Label: e.T(lang, "button.extend"), Value: v, Command: "deadline " + m.ID + " 1d"})
	if len(missing) > 0 {
		msg.Actions = append(msg.Actions, Action{ID: ActionRemindAgain, Label: e.T(lang, "button.remind_again"), Value: v, Command: "nudge " + m.ID + " now"})
	}
	if _, err := e.notify.Post(ctx, msg); err != nil {
		return fmt.Errorf("digest of %s to %s: %w", m.ID, m.Facilitator, err)
	}
	return nil
}

// extend is the digest's Extend 1 day: the deadline a day after itself, or
// after now when it has passed.
func (e *Engine) extend(ctx context.Context, w *workshop.Workshop, a Actor, step workshop.Step) error {
	if err := e.steer(w, a, e.T(w.Lang, "action.deadline")); err != nil {
		return err
	}
	now := e.now()
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if m.Step != step {
			return problem("error.moved_meanwhile", "step", e.stepName(m.Lang, m.Step))
		}
		from := m.Deadline
		if from.Before(now) {
			from = now
		}
		m.SetDeadline(from.Add(Extension).UTC().Truncate(time.Second), now)
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	e.refreshDeadline(ctx, w)
	return e.announce(ctx, w, e.R(w.Lang, "deadline.set", "user", Mention(a.ID), "step", e.stepName(w.Lang, step), "deadline", e.deadlineText(meta, meta.Deadline)))
}

// cmdAutopilot turns autopilot on or off: at each deadline the bot moves on
// by itself (a step with input) or extends the step once by a day.
func (e *Engine) cmdAutopilot(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	word := e.soleKeyword(c)
	if word != "on" && word != "off" {
		state := e.R(lang, "autopilot.is_off")
		if w.Autopilot {
			state = e.R(lang, "autopilot.is_on")
		}
		return e.answer(ctx, c, KindAnswer, state, e.R(lang, "autopilot.usage"))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.autopilot")); err != nil {
		return err
	}
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.Autopilot = word == "on"
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	return e.announce(ctx, w, e.R(lang, "autopilot."+word, "user", Mention(c.Actor.ID)))
}
