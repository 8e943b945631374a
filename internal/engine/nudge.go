package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Member is a person in a workshop's channel, as the chat platform knows
// them.
type Member struct {
	ID string
	TZ string // IANA zone; the default zone when empty
}

// Directory lists the people who may be nudged in a channel: members who
// are people (no bots, no deactivated accounts, not the bot itself).
type Directory interface {
	Members(ctx context.Context, channel string) ([]Member, error)
}

// Nudge actions.
const (
	ActionOpenThread  = "open_thread"
	ActionRemindAgain = "remind_again"
)

// waitingFor lists the members of w's channel who have not contributed to
// its current step in this round (none without a directory).
func (e *Engine) waitingFor(ctx context.Context, w *workshop.Workshop) ([]Member, error) {
	if e.directory == nil {
		return nil, nil
	}
	members, err := e.directory.Members(ctx, w.Channel)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", w.Channel, err)
	}
	contributed := w.StepContributors(w.Step)
	return slices.DeleteFunc(members, func(p Member) bool { return slices.Contains(contributed, p.ID) }), nil
}

// remindAgain nudges, now, everyone the step still waits for who has not
// muted nudges: the digest's Remind again, or /journey nudge now.
func (e *Engine) remindAgain(ctx context.Context, w *workshop.Workshop, a Actor) error {
	if err := e.steer(w, a, e.T(w.Lang, "action.nudge")); err != nil {
		return err
	}
	full, err := e.store.Load(ctx, w.ID)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", w.ID, err)
	}
	waiting, err := e.waitingFor(ctx, full)
	if err != nil {
		return err
	}
	sent := 0
	for _, p := range waiting {
		if full.Muted(p.ID) {
			continue
		}
		if _, err := e.notify.Post(ctx, e.nudgeMessage(&full.Meta, p.ID)); err != nil {
			e.log.WarnContext(ctx, "nudge", "workshop", w.ID, "user", p.ID, "err", err)
			continue
		}
		sent++
	}
	return e.tell(ctx, w.Channel, a.ID, w.Lang, KindAnswer, e.R(w.Lang, "nudge.again", "count", sent, "step", e.stepName(w.Lang, w.Step)))
}

// NudgeClaimKey is the claim that makes one person's nudge for one step
// (of one review round) go out once.
func NudgeClaimKey(id string, round int, step workshop.Step, user string) string {
	return "nudge:" + id + ":" + strconv.Itoa(round) + ":" + step.Key() + ":" + user
}

// Nudge runs one nudge pass of workshop id at now (the review scheduler
// calls it when Meta.NudgeAt comes): each member of the channel with no
// input in the current step, not muted, whose working hours (09:00-18:00,
// Monday to Friday, their zone) hold now gets one direct message; claim
// decides who sends it, so it goes once however many replicas run. It
// returns when the next pass is needed: the start of the next working
// hours of someone still to nudge, before the deadline (zero: none).
func (e *Engine) Nudge(ctx context.Context, id string, now time.Time, claim func(key string) (bool, error)) (time.Time, error) {
	if e.directory == nil {
		return time.Time{}, nil
	}
	w, err := e.store.Load(ctx, id)
	if err != nil {
		return time.Time{}, fmt.Errorf("load workshop %s: %w", id, err)
	}
	if !w.NudgesPending() {
		return time.Time{}, nil
	}
	waiting, err := e.waitingFor(ctx, w)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, p := range waiting {
		if w.Muted(p.ID) {
			continue
		}
		loc, err := workshop.LoadZone(p.TZ)
		if err != nil || p.TZ == "" {
			loc = e.defaultTZ
		}
		slot := workshop.NextWorkingTime(now, loc)
		if !slot.Before(w.Deadline) {
			continue // no working hours left before the deadline
		}
		if slot.After(now) {
			if next.IsZero() || slot.Before(next) {
				next = slot
			}
			continue
		}
		got, err := claim(NudgeClaimKey(w.ID, w.Round, w.Step, p.ID))
		if err != nil {
			return now, err // try again at the next pass
		}
		if !got {
			continue // nudged already
		}
		if _, err := e.notify.Post(ctx, e.nudgeMessage(&w.Meta, p.ID)); err != nil {
			// At most once, as reminders: a failed DM is logged, not retried.
			e.log.WarnContext(ctx, "nudge", "workshop", w.ID, "user", p.ID, "err", err)
		}
	}
	return next, nil
}

// nudgeMessage is the direct message that asks someone for their input.
func (e *Engine) nudgeMessage(m *workshop.Meta, user string) Message {
	lang, s := m.Lang, m.Step
	title := e.T(lang, "nudge.title", "step", e.stepName(lang, s), "title", UserString(m.Title))
	msg := Message{
		Channel: m.Channel, User: user, Direct: true, Kind: KindNudge, Workshop: m.ID, Step: s, Lang: lang,
		Title: title, Text: title,
		Blocks: Paragraphs(
			e.R(lang, "nudge.intro", "title", UserText(m.Title), "step", e.stepName(lang, s), "deadline", e.deadlineText(m, m.Deadline)),
			e.R(lang, "step."+s.Key()+".prompt"),
		),
		Context: []rich.Text{e.R(lang, "nudge.context", "id", m.ID)},
	}
	msg.Actions = []Action{{ID: ActionAdd, Label: e.T(lang, "button.add"), Value: actionValue(m.ID, s), Style: "primary"}}
	if ts := m.StepTS(s); ts != "" {
		msg.Actions = append(msg.Actions, Action{ID: ActionOpenThread, Label: e.T(lang, "button.open_thread"), Value: actionValue(m.ID, s),
			Thread: &ThreadLink{Channel: m.Channel, TS: ts}})
	}
	return msg
}

// cmdNudge sets how long before a deadline nudges start: `/journey nudge
// 24h`, `4h`, or `off`.
func (e *Engine) cmdNudge(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	if len(c.args) != 1 {
		state := e.R(lang, "nudge.is_off")
		if lead, on := w.NudgeLead(); on {
			state = e.R(lang, "nudge.is_on", "lead", e.duration(lang, lead))
		}
		return e.answer(ctx, c, KindAnswer, state, e.R(lang, "nudge.usage"))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.nudge")); err != nil {
		return err
	}
	if e.keywords[strings.ToLower(c.args[0])] == "now" {
		return e.remindAgain(ctx, w, c.Actor)
	}
	lead := time.Duration(-1)
	if e.keywords[strings.ToLower(c.args[0])] != "off" {
		d, ok := ParseLength(c.args[0])
		if !ok {
			return problem("error.nudge_unreadable", "got", UserText(c.args[0]))
		}
		lead = d
	}
	now := e.now()
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.NudgeBefore = lead
		m.PlanNudges(now)
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	if lead < 0 {
		return e.announce(ctx, w, e.R(lang, "nudge.off", "user", Mention(c.Actor.ID)))
	}
	return e.announce(ctx, w, e.R(lang, "nudge.on", "user", Mention(c.Actor.ID), "lead", e.duration(lang, lead)))
}

// cmdMute stops (or, unmute, restarts) the nudges of the person who asks,
// in one workshop.
func (e *Engine) cmdMute(ctx context.Context, c *call) error { return e.mute(ctx, c, true) }

func (e *Engine) cmdUnmute(ctx context.Context, c *call) error { return e.mute(ctx, c, false) }

func (e *Engine) mute(ctx context.Context, c *call, on bool) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	user := c.Actor.ID
	if _, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.MutedUsers = slices.DeleteFunc(m.MutedUsers, func(u string) bool { return u == user })
		if on {
			m.MutedUsers = append(m.MutedUsers, user)
		}
		return nil
	}); err != nil {
		return err
	}
	key := "nudge.unmuted"
	if on {
		key = "nudge.muted"
	}
	return e.answer(ctx, c, KindAnswer, e.R(w.Lang, key, "title", UserText(w.Title), "id", w.ID))
}
