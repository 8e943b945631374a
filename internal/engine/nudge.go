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
	return slices.DeleteFunc(members, func(p Member) bool { return w.Contributed(contributed, p.ID) }), nil
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

// NudgeRetry is how long a nudge pass that failed (the directory or the
// store did not answer) waits before it is tried again.
const NudgeRetry = 10 * time.Minute

// NudgeAll runs one nudge pass over workshops whose pass is due (metas as
// the scheduler read them), at now: each member of a workshop's channel
// with no input in its current step, not muted, whose working hours
// (09:00-18:00, Monday to Friday, their zone) hold now gets one direct
// message. claim decides who sends each (all of a pass's keys at once, so
// a pass costs one store round trip for its claims however many people it
// nudges), so a nudge goes once however many replicas run. It returns, per
// workshop, when its next pass is needed: the start of the next working
// hours of someone still to nudge before the deadline (zero: none;
// NudgeRetry from now for a workshop whose pass failed), and the failures
// joined. Each plan also names the people nudged, now or by an earlier
// pass (whose claim was taken), so later passes skip them.
func (e *Engine) NudgeAll(ctx context.Context, metas []*workshop.Meta, now time.Time, claim func(keys []string) ([]bool, error)) ([]workshop.NudgePlan, error) {
	plans := make([]workshop.NudgePlan, len(metas))
	if e.directory == nil {
		return plans, nil
	}
	contributed, errs := e.stepContributors(ctx, metas)
	type nudge struct {
		i    int
		user string
	}
	var (
		due  []nudge
		keys []string
	)
	members := map[string][]Member{} // by channel: a pass asks once per channel
	for i, m := range metas {
		if errs[i] != nil {
			plans[i].Next = now.Add(NudgeRetry)
			continue
		}
		if !m.NudgesPending() {
			continue
		}
		people, seen := members[m.Channel]
		if !seen {
			var err error
			if people, err = e.directory.Members(ctx, m.Channel); err != nil {
				errs[i] = fmt.Errorf("workshop %s: members of %s: %w", m.ID, m.Channel, err)
				plans[i].Next = now.Add(NudgeRetry)
				continue
			}
			members[m.Channel] = people
		}
		for _, p := range people {
			// An anonymous contributor is among them as their author
			// key: Contributed hashes p's id to compare.
			if m.Contributed(contributed[i], p.ID) || m.Muted(p.ID) || m.WasNudged(p.ID) {
				continue
			}
			loc, err := workshop.LoadZone(p.TZ)
			if err != nil || p.TZ == "" {
				loc = e.defaultTZ
			}
			slot := workshop.NextWorkingTime(now, loc)
			if !slot.Before(m.Deadline) {
				continue // no working hours left before the deadline
			}
			if slot.After(now) {
				if next := plans[i].Next; next.IsZero() || slot.Before(next) {
					plans[i].Next = slot
				}
				continue
			}
			due = append(due, nudge{i, p.ID})
			keys = append(keys, NudgeClaimKey(m.ID, m.Round, m.Step, p.ID))
		}
	}
	if len(keys) > 0 {
		got, err := claim(keys)
		if err != nil {
			// Nobody is nudged; each workshop with someone to nudge tries
			// again a little later.
			for _, n := range due {
				plans[n.i].Next = now.Add(NudgeRetry)
				errs[n.i] = fmt.Errorf("workshop %s: claim nudges: %w", metas[n.i].ID, err)
			}
			return plans, errors.Join(errs...)
		}
		msgs := map[int]Message{} // a workshop's DM differs by addressee only
		for j, n := range due {
			plans[n.i].Nudged = append(plans[n.i].Nudged, n.user)
			if !got[j] {
				continue // nudged already
			}
			m := metas[n.i]
			msg, ok := msgs[n.i]
			if !ok {
				msg = e.nudgeMessage(m, "")
				msgs[n.i] = msg
			}
			msg.User = n.user
			if _, err := e.notify.Post(ctx, msg); err != nil {
				// At most once, as reminders: a failed DM is logged, not retried.
				e.log.WarnContext(ctx, "nudge", "workshop", m.ID, "user", n.user, "err", err)
			}
		}
	}
	return plans, errors.Join(errs...)
}

// stepContributors returns, per workshop, who has input in its current
// step and round: from the totals the store keeps (one round trip for
// all, when the store batches), from the whole workshop for one stored
// before the store kept them.
func (e *Engine) stepContributors(ctx context.Context, metas []*workshop.Meta) ([][]string, []error) {
	out, errs := make([][]string, len(metas)), make([]error, len(metas))
	var counts []workshop.Counts
	if b, ok := e.store.(workshop.Batch); ok {
		ids := make([]string, len(metas))
		for i, m := range metas {
			ids[i] = m.ID
		}
		var err error
		if counts, err = b.CountsOf(ctx, ids); err != nil {
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
	}
	for i, m := range metas {
		if counts != nil {
			if people, ok := counts[i].StepContributors(m.Step, m.Round); ok {
				out[i] = people
				continue
			}
		}
		w, err := e.store.Load(ctx, m.ID)
		if err != nil {
			errs[i] = fmt.Errorf("load workshop %s: %w", m.ID, err)
			continue
		}
		out[i] = w.StepContributors(m.Step)
	}
	return out, errs
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
