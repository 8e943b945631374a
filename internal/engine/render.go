package engine

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

func (e *Engine) stepName(lang string, s workshop.Step) string {
	return e.T(lang, "step."+s.Key()+".name")
}

// stepList names every step with its number, for help and errors.
func (e *Engine) stepList(lang string) string {
	names := make([]string, len(workshop.Steps))
	for i, s := range workshop.Steps {
		names[i] = fmt.Sprintf("%d %s", s, e.T(lang, "step."+s.Key()+".keyword"))
	}
	return strings.Join(names, ", ")
}

func (e *Engine) stepTitle(lang string, s workshop.Step) string {
	return e.T(lang, "step.title", "n", int(s), "total", len(workshop.Steps), "name", e.stepName(lang, s))
}

func actionValue(id string, s workshop.Step) string { return id + " " + s.Key() }

// ParseActionValue reads an Action's Value back.
func ParseActionValue(v string) (id string, step workshop.Step) {
	id, key, _ := strings.Cut(v, " ")
	step, _ = workshop.ParseStep(key)
	return id, step
}

// stepMessage is the top-level message of a step: what to do, tips, the line
// format with an example, and the buttons.
func (e *Engine) stepMessage(m *workshop.Meta, s workshop.Step) Message {
	lang, key := m.Lang, "step."+s.Key()
	title := e.stepTitle(lang, s)
	msg := Message{
		Channel: m.Channel, Kind: KindStep, Workshop: m.ID, Step: s,
		Title: title,
		Sections: []string{
			e.T(lang, key+".prompt"),
			e.T(lang, key+".tips"),
			e.T(lang, "step.how", "format", e.T(lang, key+".format"), "example", e.T(lang, key+".example")),
		},
		Context: []string{e.T(lang, "step.context", "id", m.ID, "title", Escape(m.Title), "facilitator", Mention(m.Facilitator))},
		Text:    title + " — " + Escape(m.Title),
	}
	if m.Round > 0 {
		msg.Context = append(msg.Context, e.T(lang, "review.round_context", "round", m.Round))
	}
	v := actionValue(m.ID, s)
	msg.Actions = append(msg.Actions, Action{ID: ActionAdd, Label: e.T(lang, "button.add"), Value: v})
	if s == workshop.Touchpoints {
		msg.Actions = append(msg.Actions, Action{ID: ActionScore, Label: e.T(lang, "button.score"), Value: v})
	}
	if s != workshop.Iterate {
		msg.Actions = append(msg.Actions, Action{ID: ActionNext, Label: e.T(lang, "button.next"), Value: v, Style: "primary"})
	}
	msg.Actions = append(msg.Actions, Action{ID: ActionSummary, Label: e.T(lang, "button.summary"), Value: v})
	return msg
}

// headerFacts is what the header shows of a workshop's inputs: how many
// items each step holds, the map type and the contributors. The debounced
// refresh reads them from the store's totals (Store.Counts) rather than
// loading the workshop.
type headerFacts struct {
	counts  map[workshop.Step]int
	mapType string
	people  []string
}

// factsOf derives the header's facts from a loaded workshop, as the
// store's totals count them (every line of the scope step is an item).
func factsOf(w *workshop.Workshop, m *workshop.Map) headerFacts {
	f := headerFacts{counts: map[workshop.Step]int{}, mapType: m.MapType(), people: w.Contributors()}
	for _, s := range workshop.Steps {
		f.counts[s] = m.Count(s)
	}
	scope := 0
	for _, in := range w.InputsOf(workshop.Scope) {
		if in.Round <= w.Round {
			items, _ := workshop.ParseReply(in.Step, in.Text)
			scope += len(items)
		}
	}
	f.counts[workshop.Scope] = scope
	return f
}

// factsOfCounts reads the header's facts from the store's totals.
func factsOfCounts(c workshop.Counts) headerFacts {
	return headerFacts{counts: c.Items, mapType: cmp.Or(c.MapType, workshop.MapCurrentState), people: c.People}
}

// headerMessage is the workshop's header: progress, contributors, schedule.
func (e *Engine) headerMessage(w *workshop.Meta, f headerFacts) Message {
	lang := w.Lang
	msg := Message{Channel: w.Channel, Kind: KindHeader, Workshop: w.ID, Step: w.Step, Title: "🗺️ " + Escape(w.Title)}
	state := e.T(lang, "header.state", "facilitator", Mention(w.Facilitator), "step", e.stepTitle(lang, w.Step),
		"map_type", e.T(lang, "maptype."+f.mapType+".name"))
	if w.Closed() {
		state = e.T(lang, "header.closed", "date", e.date(w.ClosedAt, lang), "facilitator", Mention(w.Facilitator))
	}
	var progress []string
	for _, s := range workshop.Steps {
		mark := "▫️"
		switch {
		case s == w.Step && !w.Closed():
			mark = "▶️"
		case s < w.Step || w.Closed() || f.counts[s] > 0:
			mark = "✅"
		}
		progress = append(progress, e.T(lang, "header.progress_item", "mark", mark, "n", int(s), "name", e.stepName(lang, s), "count", f.counts[s]))
	}
	msg.Sections = []string{state, strings.Join(progress, "\n")}
	if people := f.people; len(people) > 0 {
		mentions := make([]string, len(people))
		for i, p := range people {
			mentions[i] = Mention(p)
		}
		msg.Sections = append(msg.Sections, e.T(lang, "header.contributors", "count", len(people), "people", strings.Join(mentions, ", ")))
	}
	if w.Round > 0 {
		msg.Sections = append(msg.Sections, e.roundLine(w))
	}
	if w.Review.Active() {
		msg.Sections = append(msg.Sections, e.reviewLine(w))
	}
	msg.Context = []string{e.T(lang, "header.context", "id", w.ID)}
	msg.Text = e.T(lang, "header.text", "title", Escape(w.Title), "step", e.stepTitle(lang, w.Step))
	return msg
}

func (e *Engine) reviewLine(w *workshop.Meta) string {
	r := w.Review
	next := "—"
	if !r.NextDue.IsZero() {
		next = e.dateTime(r.NextDue, r.TZ, w.Lang)
	}
	return e.T(w.Lang, "review.line", "cadence", e.cadenceName(w.Lang, r), "next", next)
}

// roundLine says which version of the map a workshop in review is at.
func (e *Engine) roundLine(w *workshop.Meta) string {
	return e.T(w.Lang, "review.round_line", "round", w.Round, "date", e.date(w.Review.LastReview, w.Lang))
}

func (e *Engine) cadenceName(lang string, r workshop.Review) string {
	if r.Cadence == workshop.CadenceCustom {
		return e.T(lang, "review.cadence.custom", "spec", Escape(r.Spec))
	}
	return e.T(lang, "review.cadence."+r.Cadence)
}

var frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// date formats a day the way each language writes it.
func (e *Engine) date(t time.Time, lang string) string {
	if lang == workshop.LangFR {
		return fmt.Sprintf("%d %s %d", t.Day(), frMonths[t.Month()-1], t.Year())
	}
	return t.Format("Mon 2 Jan 2006")
}

// dateTime formats an instant in zone tz (UTC when unknown).
func (e *Engine) dateTime(t time.Time, tz, lang string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	t = t.In(loc)
	zone := t.Format("MST")
	if lang == workshop.LangFR {
		return fmt.Sprintf("%s à %s (%s)", e.date(t, lang), t.Format("15h04"), zone)
	}
	return fmt.Sprintf("%s at %s (%s)", e.date(t, lang), t.Format("15:04"), zone)
}

// stepLines renders the items of one step as mrkdwn lines.
func (e *Engine) stepLines(lang string, m *workshop.Map, s workshop.Step) []string {
	var out []string
	by := func(u string) string { return e.T(lang, "item.by", "user", Mention(u)) }
	opt := func(s string) string { return Escape(s) }
	switch s {
	case workshop.Goals:
		for _, g := range m.Goals {
			out = append(out, fmt.Sprintf("*%s* %s %s", g.ID, opt(g.Text), by(g.Author)))
		}
	case workshop.Personas:
		for _, p := range m.Personas {
			line := "• *" + opt(p.Name) + "*"
			if p.Demographics != "" {
				line += " — " + opt(p.Demographics)
			}
			if p.Psychographics != "" {
				line += "\n   _" + opt(p.Psychographics) + "_"
			}
			out = append(out, line+" "+by(p.Author))
		}
	case workshop.Touchpoints:
		tps := m.Journey()
		for _, ph := range workshop.Phases {
			var group []string
			for i := range tps {
				if tps[i].Phase == ph {
					group = append(group, e.touchpointLine(lang, &tps[i]))
				}
			}
			if len(group) > 0 {
				out = append(out, "*"+e.T(lang, "phase."+string(ph))+"*")
				out = append(out, group...)
			}
		}
	case workshop.Scope:
		out = append(out, e.T(lang, "scope.map_type", "map_type", e.T(lang, "maptype."+m.MapType()+".name"),
			"description", e.T(lang, "maptype."+m.MapType()+".description")))
		for _, n := range m.Scope.Notes {
			out = append(out, "• "+opt(n))
		}
	case workshop.Resources:
		for _, kind := range []string{workshop.KindHave, workshop.KindNeed} {
			var group []string
			for _, r := range m.Resources {
				if r.Kind != kind {
					continue
				}
				line := "• *" + opt(r.Name) + "*"
				if r.Gap != "" {
					line += " — " + e.T(lang, "resource.gap", "gap", opt(r.Gap))
				}
				if r.Owner != "" {
					line += " — " + Owner(r.Owner, r.OwnerID)
				}
				group = append(group, line)
			}
			if len(group) > 0 {
				out = append(out, "*"+e.T(lang, "kind."+kind)+"*")
				out = append(out, group...)
			}
		}
	case workshop.Test:
		for _, t := range m.Tests {
			goal := ""
			if g, ok := m.Goal(t.Goal); ok {
				goal = " _" + opt(truncateRunes(g.Text, 120)) + "_"
			}
			line := fmt.Sprintf("%s *%s*%s — %s", verdictMark[t.Verdict], t.Goal, goal, e.T(lang, "verdict."+t.Verdict))
			if t.Note != "" {
				line += ": " + opt(t.Note)
			}
			out = append(out, line+" "+by(t.Author))
		}
	case workshop.Iterate:
		today := e.now().Format("2006-01-02")
		for _, c := range m.Changes {
			line := "• " + opt(c.Text)
			if c.Owner != "" {
				line += " — " + Owner(c.Owner, c.OwnerID)
			}
			if c.Due != "" {
				key := "change.due"
				if c.Due < today {
					key = "change.overdue"
				}
				line += " — " + e.T(lang, key, "date", c.Due)
			}
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		out = append(out, "_"+e.T(lang, "summary.nothing")+"_")
	}
	return out
}

var verdictMark = map[string]string{workshop.VerdictYes: "✅", workshop.VerdictPartly: "🟡", workshop.VerdictNo: "❌"}

func (e *Engine) touchpointLine(lang string, t *workshop.Touchpoint) string {
	lo, hi := t.Spread()
	line := fmt.Sprintf("`%s` %s *%s* · %s · %s", t.ID, workshop.Emoji(t.Mean()), Escape(t.Name), Escape(t.Channel),
		e.T(lang, "touchpoint.mean", "mean", workshop.FormatScore(t.Mean()), "count", len(t.Scores)))
	if lo != hi {
		line += " " + e.T(lang, "touchpoint.spread", "lo", workshop.FormatScore(float64(lo)), "hi", workshop.FormatScore(float64(hi)))
	}
	if t.State == workshop.StateIdeal {
		line += " · _" + e.T(lang, "state.ideal") + "_"
	}
	if !t.Online {
		line += " · " + e.T(lang, "touchpoint.offline")
	}
	if t.Positive != "" {
		line += "\n   👍 " + Escape(t.Positive)
	}
	if t.Negative != "" {
		line += "\n   👎 " + Escape(t.Negative)
	}
	if t.Owner != "" {
		line += "\n   " + e.T(lang, "touchpoint.owner", "owner", Owner(t.Owner, t.OwnerID))
	}
	return line
}

// stepSummaryMessage closes a step in its thread.
func (e *Engine) stepSummaryMessage(w *workshop.Workshop, m *workshop.Map, s workshop.Step) Message {
	lang := w.Lang
	people := map[string]bool{}
	for _, in := range w.InputsOf(s) {
		people[in.Author] = true
	}
	title := e.T(lang, "summary.step_title", "step", e.stepTitle(lang, s))
	return Message{
		Channel: w.Channel, Kind: KindSummary, Workshop: w.ID, Step: s, Title: title,
		Sections: []string{strings.Join(e.stepLines(lang, m, s), "\n")},
		Context:  []string{e.T(lang, "summary.step_counts", "items", m.Count(s), "people", len(people))},
		Text:     title,
		Overflow: e.T(lang, "summary.truncated", "id", w.ID),
	}
}

// summaryMessage is the whole map so far, one section per step.
func (e *Engine) summaryMessage(w *workshop.Workshop, m *workshop.Map) Message {
	lang := w.Lang
	title := e.T(lang, "summary.title", "title", Escape(w.Title))
	msg := Message{Channel: w.Channel, Kind: KindSummary, Workshop: w.ID, Title: title, Text: title}
	for _, s := range workshop.Steps {
		msg.Sections = append(msg.Sections, "*"+e.stepTitle(lang, s)+"*\n"+strings.Join(e.stepLines(lang, m, s), "\n"))
	}
	msg.Context = []string{e.T(lang, "summary.context", "id", w.ID)}
	msg.Overflow = e.T(lang, "summary.truncated", "id", w.ID)
	return msg
}

// statusSections answer `/journey status`.
func (e *Engine) statusSections(w *workshop.Workshop, m *workshop.Map) []string {
	lang := w.Lang
	head := e.T(lang, "status.head", "id", w.ID, "title", Escape(w.Title), "step", e.stepTitle(lang, w.Step), "facilitator", Mention(w.Facilitator))
	if w.Closed() {
		head += "\n" + e.T(lang, "header.closed", "date", e.date(w.ClosedAt, lang), "facilitator", Mention(w.Facilitator))
	}
	var counts []string
	for _, s := range workshop.Steps {
		people := map[string]bool{}
		for _, in := range w.InputsOf(s) {
			people[in.Author] = true
		}
		counts = append(counts, e.T(lang, "status.step", "n", int(s), "name", e.stepName(lang, s),
			"items", m.Count(s), "inputs", len(w.InputsOf(s)), "people", len(people)))
	}
	out := []string{head, strings.Join(counts, "\n")}
	people := w.Contributors()
	mentions := make([]string, len(people))
	for i, p := range people {
		mentions[i] = Mention(p)
	}
	if len(people) == 0 {
		out = append(out, e.T(lang, "status.nobody"))
	} else {
		out = append(out, e.T(lang, "header.contributors", "count", len(people), "people", strings.Join(mentions, ", ")))
	}
	if w.Round > 0 {
		out = append(out, e.roundLine(&w.Meta))
	}
	if w.Review.Active() {
		out = append(out, e.reviewLine(&w.Meta))
	} else {
		out = append(out, e.T(lang, "review.none"))
	}
	return out
}
