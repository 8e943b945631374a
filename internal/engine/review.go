package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Action IDs of the review reminder's buttons. Their Value is
// "<workshop id> <occurrence unix seconds>".
const (
	ActionReviewStart  = "review_start"
	ActionReviewSnooze = "review_snooze"
	ActionReviewStop   = "review_stop"
)

// SnoozeDays is how far Snooze a week moves the next reminder.
const SnoozeDays = 7

// maxReminderItems bounds the touchpoints and changes a reminder lists.
const maxReminderItems = 10

// cadenceWords maps what may follow `/journey review` to a cadence.
var cadenceWords = map[string]string{
	"monthly": workshop.CadenceMonthly, "quarterly": workshop.CadenceQuarterly, "off": workshop.CadenceOff,
}

// mayReview checks that the actor may change w's review schedule: the
// facilitator or an admin, even once the workshop is closed, since reviews
// go on after it.
func (e *Engine) mayReview(w *workshop.Workshop, a Actor, action string) error {
	if !w.IsFacilitator(a.ID) && !a.Admin {
		return problem("error.not_facilitator", "action", action, "facilitator", Mention(w.Facilitator))
	}
	return nil
}

// zone is the time zone reviews of w are scheduled in: the facilitator's
// Slack zone, else DEFAULT_TZ.
func (e *Engine) zone(w *workshop.Workshop) *time.Location { return e.zoneOf(&w.Meta) }

// zoneOf is zone for a meta.
func (e *Engine) zoneOf(m *workshop.Meta) *time.Location {
	if m.FacilitatorTZ != "" {
		if loc, err := workshop.LoadZone(m.FacilitatorTZ); err == nil {
			return loc
		}
	}
	return e.defaultTZ
}

// reviewWords are what `/journey review` takes besides a cadence: the
// reminder's buttons, typed.
var reviewWords = map[string]string{
	"review_start": ActionReviewStart, "review_snooze": ActionReviewSnooze,
}

// cmdReview schedules review reminders: `/journey review monthly`,
// `quarterly`, `off` or a five-field cron spec; alone, it shows the
// schedule.
func (e *Engine) cmdReview(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	if len(c.args) == 0 {
		line := e.R(lang, "review.none")
		if w.Review.Active() {
			line = e.reviewLine(&w.Meta)
		}
		return e.answer(ctx, c, KindAnswer, line, e.R(lang, "review.usage"))
	}
	spec := strings.TrimSpace(strings.Join(c.args, " "))
	switch reviewWords[e.keywords[strings.ToLower(spec)]] {
	case ActionReviewStart:
		// What the reminder's Start review button does, typed: the whole
		// workshop is needed to post the new round's steps and chart.
		full, err := e.store.Load(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("load workshop %s: %w", w.ID, err)
		}
		return e.StartReview(ctx, full, c.Actor, time.Time{})
	case ActionReviewSnooze:
		return e.snoozeReview(ctx, w, c.Actor)
	}
	if err := e.mayReview(w, c.Actor, e.T(lang, "action.review")); err != nil {
		return err
	}
	cadence, named := cadenceWords[e.keywords[strings.ToLower(spec)]]
	if !named {
		cadence = workshop.CadenceCustom
	}
	if cadence == workshop.CadenceOff {
		return e.stopReview(ctx, w, c.Actor)
	}
	loc := e.zone(w)
	sched, err := e.schedules.New(cadence, spec, loc)
	if err != nil {
		return e.specProblem(lang, spec, err)
	}
	now := e.now()
	if cadence == workshop.CadenceCustom {
		if err := sched.Check(now, e.minInterval); err != nil {
			return e.specProblem(lang, spec, err)
		}
	} else {
		spec = map[string]string{workshop.CadenceMonthly: workshop.MonthlySpec, workshop.CadenceQuarterly: workshop.QuarterlySpec}[cadence]
	}
	next := sched.NextN(now, 3)
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.Review.Cadence, m.Review.Spec, m.Review.TZ, m.Review.NextDue = cadence, spec, loc.String(), next[0]
		m.Review.Record(workshop.ReviewEvent{At: now.UTC(), By: c.Actor.ID, Action: workshop.ReviewScheduled, Cadence: cadence, NextDue: next[0]})
		return nil
	})
	if err != nil {
		return fmt.Errorf("schedule reviews of %s: %w", w.ID, err)
	}
	w.Meta = *meta
	e.refreshMetaHeader(ctx, w)
	dates := make([]rich.Text, len(next))
	for i, t := range next {
		dates[i] = e.dateTime(t, loc.String(), lang)
	}
	return e.announce(ctx, w, e.R(lang, "review.scheduled", "user", Mention(c.Actor.ID), "title", UserText(w.Title),
		"cadence", e.cadenceName(lang, w.Review), "tz", loc.String(), "dates", rich.Join(dates, " · ")))
}

// specProblem says what is wrong with a schedule the facilitator gave.
func (e *Engine) specProblem(lang, spec string, err error) error {
	var se *workshop.SpecError
	var ie *workshop.IntervalError
	switch {
	case errors.As(err, &se) && se.Detail == "":
		return problem("error.review_fields", "spec", UserText(spec), "count", se.Fields)
	case errors.As(err, &se):
		if se.Field > 0 {
			name := workshop.SpecFields[se.Field-1]
			return problem("error.review_field", "spec", UserText(spec), "value", UserText(se.Value),
				"field", e.R(lang, "review.field."+name), "range", e.R(lang, "review.range."+name))
		}
		return problem("error.review_spec", "spec", UserText(spec))
	case errors.Is(err, workshop.ErrNever):
		return problem("error.review_never", "spec", UserText(spec))
	case errors.As(err, &ie):
		return problem("error.review_too_often", "spec", UserText(spec), "gap", e.duration(lang, ie.Gap),
			"min", e.duration(lang, ie.Min), "first", e.dateTime(ie.First, ie.First.Location().String(), lang),
			"second", e.dateTime(ie.Second, ie.Second.Location().String(), lang))
	}
	return fmt.Errorf("schedule %q: %w", spec, err)
}

// Remind posts the review reminder of workshop id for occurrence in its
// channel. The review scheduler calls it once per occurrence; late says
// the reminder comes after a downtime.
func (e *Engine) Remind(ctx context.Context, id string, occurrence time.Time, late bool) error {
	w, err := workshop.Open(ctx, e.store, id)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	if _, err := e.notify.Post(ctx, e.reminderMessage(w, occurrence, late)); err != nil {
		return fmt.Errorf("post review reminder of %s: %w", id, err)
	}
	return nil
}

// reminderMessage asks the team to review the map: how long since the last
// review, the touchpoints that hurt, the changes past their due date.
func (e *Engine) reminderMessage(w *workshop.Workshop, occurrence time.Time, late bool) Message {
	lang, tz := w.Lang, w.Review.TZ
	m := w.Map()
	now := e.now()
	title := e.T(lang, "reminder.title", "title", UserText(w.Title))
	text := e.T(lang, "reminder.text", "title", UserText(w.Title))
	if late {
		title = e.T(lang, "reminder.late_title", "title", UserText(w.Title))
		text = e.T(lang, "reminder.late_text", "title", UserText(w.Title))
	}
	msg := Message{Channel: w.Channel, Kind: KindReminder, Workshop: w.ID, Title: title, Text: text, Lang: lang}

	var since rich.Text
	if w.Review.LastReview.IsZero() {
		since = e.R(lang, "reminder.never", "date", e.date(w.CreatedAt, lang), "ago", e.duration(lang, now.Sub(w.CreatedAt)))
	} else {
		since = e.R(lang, "reminder.since", "date", e.date(w.Review.LastReview, lang), "ago", e.duration(lang, now.Sub(w.Review.LastReview)), "round", w.Round)
	}
	nl := rich.Plain("\n")
	intro := rich.Concat(e.R(lang, "reminder.intro", "title", UserText(w.Title)), nl, since)
	if late {
		intro = rich.Concat(e.R(lang, "reminder.late", "date", e.dateTime(occurrence, tz, lang)), nl, intro)
	}
	msg.Blocks = append(msg.Blocks, rich.Para(intro))

	var negative []workshop.Touchpoint
	for _, t := range m.Touchpoints {
		if t.Mean() < 0 {
			negative = append(negative, t)
		}
	}
	slices.SortStableFunc(negative, func(a, b workshop.Touchpoint) int {
		switch {
		case a.Mean() < b.Mean():
			return -1
		case a.Mean() > b.Mean():
			return 1
		}
		return 0
	})
	if len(negative) == 0 {
		msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "reminder.negative_none")))
	} else {
		var items []rich.Text
		for _, t := range negative[:min(len(negative), maxReminderItems)] {
			items = append(items, rich.Concat(rich.Styled(t.ID, rich.Code), rich.Plain(" "+workshop.Emoji(t.Mean())+" "),
				UserText(t.Name).With(rich.Strong), rich.Plain(" "),
				e.R(lang, "touchpoint.mean", "mean", e.score(lang, t.Mean()), "count", len(t.Scores))))
		}
		msg.Blocks = append(msg.Blocks, rich.Head(e.R(lang, "reminder.negative_title", "count", len(negative))), rich.Bullets(items...))
		if n := len(negative) - maxReminderItems; n > 0 {
			msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "reminder.more", "count", n)))
		}
	}

	loc, err := workshop.LoadZone(tz)
	if err != nil {
		loc = e.defaultTZ
	}
	today := now.In(loc).Format("2006-01-02")
	var overdue []workshop.Change
	for _, c := range m.Changes {
		if c.Due != "" && c.Due < today {
			overdue = append(overdue, c)
		}
	}
	if len(overdue) == 0 {
		msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "reminder.overdue_none")))
	} else {
		var items []rich.Text
		for _, c := range overdue[:min(len(overdue), maxReminderItems)] {
			line := UserText(c.Text)
			if c.Owner != "" {
				line = rich.Concat(line, rich.Plain(" — "), Owner(c.Owner, c.OwnerID))
			}
			items = append(items, rich.Concat(line, rich.Plain(" — "), e.R(lang, "change.overdue", "date", e.cat.Locale(lang).Day(c.Due))))
		}
		msg.Blocks = append(msg.Blocks, rich.Head(e.R(lang, "reminder.overdue_title", "count", len(overdue))), rich.Bullets(items...))
		if n := len(overdue) - maxReminderItems; n > 0 {
			msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "reminder.more", "count", n)))
		}
	}

	next := rich.Plain("—")
	if s, err := e.schedules.Parse(w.Review); err == nil {
		if t := s.Next(latest(occurrence, now)); !t.IsZero() {
			next = e.dateTime(t, tz, lang)
		}
	}
	msg.Context = []rich.Text{e.R(lang, "reminder.context", "id", w.ID, "cadence", e.cadenceName(lang, w.Review), "next", next, "facilitator", Mention(w.Facilitator))}
	v := w.ID + " " + strconv.FormatInt(occurrence.Unix(), 10)
	msg.Actions = []Action{
		{ID: ActionReviewStart, Label: e.T(lang, "button.review_start"), Value: v, Style: "primary", Command: "review start " + w.ID},
		{ID: ActionReviewSnooze, Label: e.T(lang, "button.review_snooze"), Value: v, Command: "review snooze " + w.ID},
		{ID: ActionReviewStop, Label: e.T(lang, "button.review_stop"), Value: v, Style: "danger", Command: "review off " + w.ID},
	}
	return msg
}

// parseReviewValue reads a reminder button's value: the workshop and the
// occurrence reminded (zero when absent).
func parseReviewValue(v string) (id string, occurrence time.Time) {
	id, rest, _ := strings.Cut(v, " ")
	if n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil {
		occurrence = time.Unix(n, 0).UTC()
	}
	return id, occurrence
}

// pressReview handles the buttons of a review reminder.
func (e *Engine) pressReview(ctx context.Context, w *workshop.Workshop, a Actor, actionID, value string) error {
	_, occurrence := parseReviewValue(value)
	switch actionID {
	case ActionReviewStart:
		return e.StartReview(ctx, w, a, occurrence)
	case ActionReviewSnooze:
		return e.snoozeReview(ctx, w, a)
	default:
		return e.stopReview(ctx, w, a)
	}
}

// StartReview opens review round Round+1: a new version of the map. The
// touchpoints and iterate steps get new messages whose threads collect the
// round's input; scores given now belong to the round, and each
// participant's earlier score stands until they change it. A closed
// workshop is re-opened for the review. Anyone may start a review; when
// the button of a reminder is pressed twice (two people at once), since
// says which reminder it was, and only the first press starts a round.
func (e *Engine) StartReview(ctx context.Context, w *workshop.Workshop, a Actor, since time.Time) error {
	now := e.now().UTC()
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if !since.IsZero() && !m.Review.LastReview.IsZero() && !m.Review.LastReview.Before(since) {
			by := ""
			if n := len(m.Rounds); n > 0 {
				by = m.Rounds[n-1].StartedBy
			}
			return problem("review.already_started", "round", m.Round, "user", Mention(by), "date", e.dateTime(m.Review.LastReview, m.Review.TZ, m.Lang))
		}
		m.Round++
		m.Rounds = append(m.Rounds, workshop.Version{Round: m.Round, StartedAt: now, StartedBy: a.ID})
		m.Review.LastReview = now
		m.Review.Record(workshop.ReviewEvent{At: now, By: a.ID, Action: workshop.ReviewStarted, Round: m.Round})
		m.ClosedAt = time.Time{}
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	if err := e.announce(ctx, w, e.R(w.Lang, "review.started", "user", Mention(a.ID), "round", w.Round, "title", UserText(w.Title))); err != nil {
		return err
	}
	for _, step := range []workshop.Step{workshop.Touchpoints, workshop.Iterate} {
		if err := e.postStep(ctx, w, step); err != nil {
			return err
		}
	}
	// Where this review starts: the version just finished, beside the one
	// before it, in the new touchpoints thread.
	prev := *w
	prev.Round = w.Round - 1
	if pm := prev.Map(); e.charts != nil && len(pm.Touchpoints) > 0 {
		f, err := e.chartFile(ctx, &prev, pm)
		if err == nil {
			f.Comment = e.R(w.Lang, "review.chart", "version", prev.Round)
			if prev.Round == 0 {
				f.Comment = e.R(w.Lang, "review.chart_original")
			}
			err = e.notify.Upload(ctx, f)
		}
		if err != nil {
			e.log.WarnContext(ctx, "post review chart", "workshop", w.ID, "err", err)
		}
	}
	e.refreshHeader(ctx, w, w.Map())
	return nil
}

// snoozeReview moves the next reminder a week later (seven days on the
// schedule's calendar, so 09:00 stays 09:00 across a DST change).
func (e *Engine) snoozeReview(ctx context.Context, w *workshop.Workshop, a Actor) error {
	if err := e.mayReview(w, a, e.T(w.Lang, "action.review_snooze")); err != nil {
		return err
	}
	now := e.now().UTC()
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		r := &m.Review
		if !r.Active() || r.NextDue.IsZero() {
			return problem("error.review_not_active", "title", UserText(m.Title))
		}
		loc, err := workshop.LoadZone(r.TZ)
		if err != nil {
			loc = time.UTC
		}
		r.NextDue = r.NextDue.In(loc).AddDate(0, 0, SnoozeDays).UTC()
		r.Record(workshop.ReviewEvent{At: now, By: a.ID, Action: workshop.ReviewSnoozed, Cadence: r.Cadence, NextDue: r.NextDue})
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	e.refreshMetaHeader(ctx, w)
	return e.announce(ctx, w, e.R(w.Lang, "review.snoozed", "user", Mention(a.ID), "title", UserText(w.Title),
		"next", e.dateTime(w.Review.NextDue, w.Review.TZ, w.Lang)))
}

// stopReview turns reminders off (the Stop reminders button and
// `/journey review off`).
func (e *Engine) stopReview(ctx context.Context, w *workshop.Workshop, a Actor) error {
	if err := e.mayReview(w, a, e.T(w.Lang, "action.review_stop")); err != nil {
		return err
	}
	now := e.now().UTC()
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		r := &m.Review
		if !r.Active() {
			return problem("error.review_already_off", "title", UserText(m.Title))
		}
		r.Cadence, r.Spec, r.NextDue = workshop.CadenceOff, "", time.Time{}
		r.Record(workshop.ReviewEvent{At: now, By: a.ID, Action: workshop.ReviewStopped, Cadence: workshop.CadenceOff})
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	e.refreshMetaHeader(ctx, w)
	return e.announce(ctx, w, e.R(w.Lang, "review.stopped", "user", Mention(a.ID), "title", UserText(w.Title)))
}

// duration says how long d is in words, in the largest unit that reads
// naturally: minutes, hours, days, months, years.
func (e *Engine) duration(lang string, d time.Duration) string {
	d = max(d, 0)
	if d < time.Minute {
		return e.T(lang, "duration.now")
	}
	unit, n := "minute", int(d/time.Minute)
	switch {
	case d >= 2*365*24*time.Hour:
		unit, n = "year", int(d/(365*24*time.Hour))
	case d >= 60*24*time.Hour:
		unit, n = "month", int(d/(30*24*time.Hour))
	case d >= 48*time.Hour:
		unit, n = "day", int(d/(24*time.Hour))
	case d >= time.Hour:
		unit, n = "hour", int(d/time.Hour)
	}
	return e.T(lang, "duration."+unit, "count", n)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
