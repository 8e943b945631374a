package engine

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// count is a number of things, in the plural form its language wants
// ("1 item", "0 élément", "2 items").
func (e *Engine) count(lang, what string, n int) rich.Text {
	return e.R(lang, "count."+what, "count", n)
}

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
// format with an example, and the buttons. The test and iterate steps also
// show the goals' coverage, from mp (see showsCoverage).
func (e *Engine) stepMessage(m *workshop.Meta, mp *workshop.Map, s workshop.Step) Message {
	lang, key := m.Lang, "step."+s.Key()
	mt := workshop.MapCurrentState
	if mp != nil {
		mt = mp.MapType()
	}
	// A map type may word a step its own way (see mapTypeKey), and add a
	// paragraph on what it collects there ("<step>.map_<suffix>").
	k := func(part string) string { return e.mapTypeKey(lang, key+"."+part, mt) }
	paras := []rich.Text{e.R(lang, k("prompt")), e.R(lang, k("tips"))}
	if extra := k("map"); extra != key+".map" {
		paras = append(paras, e.R(lang, extra))
	}
	paras = append(paras, e.R(lang, "step.how", "format", e.T(lang, k("format")), "example", e.T(lang, k("example"))))
	title := e.stepTitle(lang, s)
	msg := Message{
		Channel: m.Channel, Kind: KindStep, Workshop: m.ID, Step: s, Lang: lang,
		Title:   title,
		Blocks:  Paragraphs(paras...),
		Context: []rich.Text{e.R(lang, "step.context", "id", m.ID, "title", UserText(m.Title), "facilitator", Mention(m.Facilitator))},
		Text:    title + " — " + UserString(m.Title),
	}
	if m.Round > 0 {
		msg.Context = append(msg.Context, e.R(lang, "review.round_context", "round", m.Round))
	}
	msg.Blocks = append(msg.Blocks, e.coverageBlocks(lang, mp, s)...)
	if line := e.deadlineLine(m); line != nil && s == m.Step {
		msg.Blocks = append(msg.Blocks, rich.Para(line))
	}
	if m.AnonymousAt(s) {
		// What the bot knows and keeps, said where people add their input.
		msg.Blocks = append(msg.Blocks, rich.Para(e.R(lang, "anonymous.step_note")))
	}
	v := actionValue(m.ID, s)
	msg.Actions = append(msg.Actions, Action{ID: ActionAdd, Label: e.T(lang, "button.add"), Value: v})
	// The forms the map type adds (backstage lanes, empathy notes); the
	// console's users type the line, as the step message says.
	for _, kind := range FormKinds(s, mt) {
		msg.Actions = append(msg.Actions, Action{ID: kindAction[kind], Label: e.T(lang, "button."+kind), Value: v})
	}
	if s == workshop.Touchpoints {
		msg.Actions = append(msg.Actions, Action{ID: ActionScore, Label: e.T(lang, "button.score"), Value: v, Command: "score " + m.ID + " T1 -1"})
	}
	if s == workshop.Iterate {
		msg.Actions = append(msg.Actions, Action{ID: ActionRate, Label: e.T(lang, "button.rate"), Value: v, Command: "rate " + m.ID + " C1 impact 4 effort 2"})
	}
	if s != workshop.Iterate {
		msg.Actions = append(msg.Actions, Action{ID: ActionNext, Label: e.T(lang, "button.next"), Value: v, Style: "primary", Command: "next " + m.ID})
	}
	msg.Actions = append(msg.Actions, Action{ID: ActionSummary, Label: e.T(lang, "button.summary"), Value: v, Command: "summary " + m.ID})
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
	msg := Message{Channel: w.Channel, Kind: KindHeader, Workshop: w.ID, Step: w.Step, Title: "🗺️ " + UserString(w.Title), Lang: lang}
	state := e.R(lang, "header.state", "facilitator", Mention(w.Facilitator), "step", e.stepTitle(lang, w.Step),
		"map_type", e.T(lang, "maptype."+f.mapType+".name"))
	if w.Closed() {
		state = e.R(lang, "header.closed", "date", e.date(w.ClosedAt, lang), "facilitator", Mention(w.Facilitator))
	}
	var progress []rich.Text
	for _, s := range workshop.Steps {
		mark := "▫️"
		switch {
		case s == w.Step && !w.Closed():
			mark = "▶️"
		case s < w.Step || w.Closed() || f.counts[s] > 0:
			mark = "✅"
		}
		progress = append(progress, e.R(lang, "header.progress_item", "mark", mark, "n", int(s), "name", e.stepName(lang, s), "count", f.counts[s]))
	}
	msg.Blocks = Paragraphs(state, rich.Join(progress, "\n"))
	if people := f.people; len(people) > 0 {
		msg.Blocks = append(msg.Blocks, rich.Para(e.contributors(lang, people)))
	}
	if line := e.deadlineLine(w); line != nil {
		msg.Blocks = append(msg.Blocks, rich.Para(line))
	}
	if line := e.voteLine(w); line != nil {
		msg.Blocks = append(msg.Blocks, rich.Para(line))
	}
	if w.Round > 0 {
		msg.Blocks = append(msg.Blocks, rich.Para(e.roundLine(w)))
	}
	if w.Review.Active() {
		msg.Blocks = append(msg.Blocks, rich.Para(e.reviewLine(w)))
	}
	msg.Context = []rich.Text{e.R(lang, "header.context", "id", w.ID)}
	msg.Text = e.T(lang, "header.text", "title", UserString(w.Title), "step", e.stepTitle(lang, w.Step))
	return msg
}

func (e *Engine) reviewLine(w *workshop.Meta) rich.Text {
	r := w.Review
	next := rich.Plain("—")
	if !r.NextDue.IsZero() {
		next = e.dateTime(r.NextDue, r.TZ, w.Lang)
	}
	return e.R(w.Lang, "review.line", "cadence", e.cadenceName(w.Lang, r), "next", next)
}

// roundLine says which version of the map a workshop in review is at.
func (e *Engine) roundLine(w *workshop.Meta) rich.Text {
	return e.R(w.Lang, "review.round_line", "round", w.Round, "date", e.date(w.Review.LastReview, w.Lang))
}

func (e *Engine) cadenceName(lang string, r workshop.Review) rich.Text {
	if r.Cadence == workshop.CadenceCustom {
		return e.R(lang, "review.cadence.custom", "spec", rich.Styled(r.Spec, rich.Code))
	}
	return e.R(lang, "review.cadence."+r.Cadence)
}

// date writes a day the way lang does (prompts' [date]).
func (e *Engine) date(t time.Time, lang string) string { return e.cat.Locale(lang).Date(t) }

// dateTime is an instant, written in zone tz (UTC when unknown).
func (e *Engine) dateTime(t time.Time, tz, lang string) rich.Text {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	return rich.Time(t, loc.String(), e.cat.Locale(lang).DateTime(t.In(loc)))
}

// score writes a score or mean with a sign, the way lang writes numbers
// ("-1.5", "−1,5").
func (e *Engine) score(lang string, v float64) string {
	return e.cat.Locale(lang).Number(workshop.FormatScore(v))
}

// stepBlocks renders the items of one step: a list per group (phase,
// resource kind), each under its heading.
func (e *Engine) stepBlocks(lang string, m *workshop.Map, s workshop.Step, whole bool) []rich.Block {
	var out []rich.Block
	by := func(u string, anonymous bool) rich.Text { return e.byline(lang, u, anonymous) }
	sp := rich.Plain
	strong := func(s string) rich.Text { return UserText(s).With(rich.Strong) }
	list := func(items []rich.Text) {
		if len(items) > 0 {
			out = append(out, rich.Bullets(items...))
		}
	}
	switch s {
	case workshop.Goals:
		var items []rich.Text
		for _, g := range m.Goals {
			items = append(items, rich.Concat(rich.Styled(g.ID, rich.Strong), sp(" "), UserText(g.Text), sp(" "), by(g.Author, g.Anonymous)))
		}
		list(items)
	case workshop.Personas:
		var items []rich.Text
		for _, p := range m.Personas {
			line := strong(p.Name)
			if p.Demographics != "" {
				line = rich.Concat(line, sp(" — "), UserText(p.Demographics))
			}
			if p.Psychographics != "" {
				line = rich.Concat(line, sp("\n"), UserText(p.Psychographics).With(rich.Emphasis))
			}
			items = append(items, rich.Concat(line, sp(" "), by(p.Author, p.Anonymous)))
		}
		list(items)
		out = append(out, e.empathyBlocks(lang, m)...)
	case workshop.Touchpoints:
		tps := m.Journey()
		for _, ph := range m.Phases() {
			var group []rich.Text
			for i := range tps {
				if tps[i].Phase == ph {
					line := e.touchpointLine(lang, &tps[i])
					if l, ok := m.LanesOf(tps[i].ID); ok {
						line = rich.Concat(line, sp("\n"), e.lanesText(lang, l))
					}
					group = append(group, line)
				}
			}
			if len(group) > 0 {
				out = append(out, rich.Head(e.R(lang, "phase."+string(ph))))
				list(group)
			}
		}
	case workshop.Scope:
		out = append(out, rich.Para(e.R(lang, "scope.map_type", "map_type", e.T(lang, "maptype."+m.MapType()+".name"),
			"description", e.T(lang, "maptype."+m.MapType()+".about"))))
		var notes []rich.Text
		for _, n := range m.Scope.Notes {
			notes = append(notes, UserText(n))
		}
		list(notes)
	case workshop.Resources:
		for _, kind := range []string{workshop.KindHave, workshop.KindNeed} {
			var group []rich.Text
			for _, r := range m.Resources {
				if r.Kind != kind {
					continue
				}
				line := rich.Concat(rich.Styled(r.ID, rich.Code), sp(" "), strong(r.Name))
				if r.Gap != "" {
					line = rich.Concat(line, sp(" — "), e.R(lang, "resource.gap", "gap", UserText(r.Gap)))
				}
				if r.Owner != "" {
					line = rich.Concat(line, sp(" — "), Owner(r.Owner, r.OwnerID))
				}
				group = append(group, line)
			}
			if len(group) > 0 {
				out = append(out, rich.Head(e.R(lang, "kind."+kind)))
				list(group)
			}
		}
		if !whole {
			// The step's own summary shows what it collected for the map
			// type; the whole map shows it under the touchpoints and the
			// personas instead.
			var lanes []rich.Text
			for _, l := range m.Blueprint {
				line := rich.Styled(l.Touchpoint, rich.Code)
				if n, ok := workshop.ParseTouchpointRef(l.Touchpoint); ok {
					if t, ok := m.Touchpoint(n); ok {
						line = rich.Concat(line, sp(" "), strong(t.Name))
					}
				}
				lanes = append(lanes, rich.Concat(line, sp("\n"), e.lanesText(lang, l)))
			}
			if len(lanes) > 0 {
				out = append(out, rich.Head(e.R(lang, "blueprint.heading")))
				list(lanes)
			}
			out = append(out, e.empathyBlocks(lang, m)...)
		}
	case workshop.Test:
		var items []rich.Text
		for _, t := range m.Tests {
			line := rich.Concat(sp(verdictMark[t.Verdict]+" "), rich.Styled(t.Goal, rich.Strong))
			if g, ok := m.Goal(t.Goal); ok {
				line = rich.Concat(line, sp(" "), UserText(truncateRunes(g.Text, 120)).With(rich.Emphasis))
			}
			verdict := e.R(lang, "verdict."+t.Verdict)
			if t.Note != "" {
				verdict = e.R(lang, "verdict.with_note", "verdict", verdict, "note", UserText(t.Note))
			}
			line = rich.Concat(line, sp(" — "), verdict)
			items = append(items, rich.Concat(line, sp(" "), by(t.Author, t.Anonymous)))
		}
		list(items)
		out = append(out, e.coverageTable(lang, m)...)
	case workshop.Iterate:
		// By priority: once the team rates the changes, the ones worth
		// doing first come first (see workshop.Map.Priorities).
		today := e.now().Format("2006-01-02")
		var items []rich.Text
		for _, c := range m.Priorities() {
			line := rich.Concat(rich.Styled(c.ID, rich.Code), sp(" "), UserText(c.Text))
			if c.Owner != "" {
				line = rich.Concat(line, sp(" — "), Owner(c.Owner, c.OwnerID))
			}
			if c.Due != "" {
				key := "change.due"
				if c.Due < today {
					key = "change.overdue"
				}
				line = rich.Concat(line, sp(" — "), e.R(lang, key, "date", e.cat.Locale(lang).Day(c.Due)))
			}
			if c.Rating.Rated() {
				line = rich.Concat(line, sp("\n⚖️ "), e.ratingLine(lang, c.Rating))
			}
			items = append(items, line)
		}
		list(items)
		if m.Rated() {
			out = append(out, rich.Para(e.R(lang, "rating.order").With(rich.Emphasis)))
		}
	}
	if len(out) == 0 {
		out = append(out, rich.Para(e.R(lang, "summary.nothing").With(rich.Emphasis)))
	}
	return out
}

var verdictMark = map[string]string{workshop.VerdictYes: "✅", workshop.VerdictPartly: "🟡", workshop.VerdictNo: "❌"}

func (e *Engine) touchpointLine(lang string, t *workshop.Touchpoint) rich.Text {
	lo, hi := t.Spread()
	sp := rich.Plain
	line := rich.Concat(rich.Styled(t.ID, rich.Code), sp(" "+workshop.Emoji(t.Mean())+" "), UserText(t.Name).With(rich.Strong),
		sp(" · "), UserText(t.Channel), sp(" · "),
		e.R(lang, "touchpoint.mean", "mean", e.score(lang, t.Mean()), "count", len(t.Scores)))
	if lo != hi {
		line = rich.Concat(line, sp(" "), e.R(lang, "touchpoint.spread", "lo", e.score(lang, float64(lo)), "hi", e.score(lang, float64(hi))))
	}
	if t.State == workshop.StateIdeal {
		line = rich.Concat(line, sp(" · "), e.R(lang, "state.ideal").With(rich.Emphasis))
	}
	if !t.Online {
		line = rich.Concat(line, sp(" · "), e.R(lang, "touchpoint.offline"))
	}
	if t.Positive != "" {
		line = rich.Concat(line, sp("\n👍 "), UserText(t.Positive))
	}
	if t.Negative != "" {
		line = rich.Concat(line, sp("\n👎 "), UserText(t.Negative))
	}
	if t.Owner != "" {
		line = rich.Concat(line, sp("\n"), e.R(lang, "touchpoint.owner", "owner", Owner(t.Owner, t.OwnerID)))
	}
	return line
}

// lanesText is a touchpoint's backstage in a service blueprint, the lanes
// it has: "👥 People: … · ⚙️ Process: … · 💻 Technology: …".
func (e *Engine) lanesText(lang string, l workshop.Lanes) rich.Text {
	var parts []rich.Text
	for _, lane := range []struct{ key, text string }{{"people", l.People}, {"process", l.Process}, {"technology", l.Technology}} {
		if lane.text != "" {
			parts = append(parts, e.R(lang, "blueprint."+lane.key, "text", UserText(lane.text)))
		}
	}
	return rich.Join(parts, " · ")
}

// empathyBlocks are an empathy map's quadrants, persona by persona: what
// each says, thinks, does and feels.
func (e *Engine) empathyBlocks(lang string, m *workshop.Map) []rich.Block {
	var out []rich.Block
	for i := range m.Empathy {
		em := &m.Empathy[i]
		out = append(out, rich.Head(e.R(lang, "empathy.heading", "persona", UserText(cmp.Or(em.Persona, "…")))))
		var items []rich.Text
		for _, q := range workshop.EmpathyQuadrants {
			notes := em.Quadrant(q)
			if len(notes) == 0 {
				continue
			}
			texts := make([]rich.Text, len(notes))
			for j, n := range notes {
				texts[j] = UserText(n)
			}
			items = append(items, rich.Concat(e.R(lang, "empathy."+q).With(rich.Strong), rich.Plain(" "), rich.Join(texts, " · ")))
		}
		out = append(out, rich.Bullets(items...))
	}
	return out
}

// stepSummaryMessage closes a step in its thread.
func (e *Engine) stepSummaryMessage(w *workshop.Workshop, m *workshop.Map, s workshop.Step) Message {
	lang := w.Lang
	people := map[string]bool{}
	for _, in := range w.InputsOf(s) {
		people[in.Contributor()] = true
	}
	title := e.T(lang, "summary.step_title", "step", e.stepTitle(lang, s))
	return Message{
		Channel: w.Channel, Kind: KindSummary, Workshop: w.ID, Step: s, Title: title, Lang: lang,
		Blocks:   e.stepBlocks(lang, m, s, false),
		Context:  []rich.Text{e.R(lang, "summary.step_counts", "items", e.count(lang, "items", m.Count(s)), "people", e.count(lang, "people", len(people)))},
		Text:     title,
		Overflow: e.R(lang, "summary.truncated", "id", w.ID),
	}
}

// summaryMessage is the whole map so far, a part per step.
func (e *Engine) summaryMessage(w *workshop.Workshop, m *workshop.Map) Message {
	lang := w.Lang
	title := e.T(lang, "summary.title", "title", UserString(w.Title))
	msg := Message{Channel: w.Channel, Kind: KindSummary, Workshop: w.ID, Title: title, Text: title, Lang: lang}
	for _, s := range workshop.Steps {
		msg.Blocks = append(msg.Blocks, rich.Head(rich.Plain(e.stepTitle(lang, s))))
		msg.Blocks = append(msg.Blocks, e.stepBlocks(lang, m, s, true)...)
	}
	msg.Context = []rich.Text{e.R(lang, "summary.context", "id", w.ID)}
	msg.Overflow = e.R(lang, "summary.truncated", "id", w.ID)
	return msg
}

// statusBlocks answer `/journey status`.
func (e *Engine) statusBlocks(w *workshop.Workshop, m *workshop.Map) []rich.Block {
	lang := w.Lang
	head := e.R(lang, "status.head", "id", w.ID, "title", UserText(w.Title), "step", e.stepTitle(lang, w.Step), "facilitator", Mention(w.Facilitator))
	if w.Closed() {
		head = rich.Concat(head, rich.Plain("\n"), e.R(lang, "header.closed", "date", e.date(w.ClosedAt, lang), "facilitator", Mention(w.Facilitator)))
	}
	var counts []rich.Text
	for _, s := range workshop.Steps {
		people := map[string]bool{}
		for _, in := range w.InputsOf(s) {
			people[in.Contributor()] = true
		}
		counts = append(counts, e.R(lang, "status.step", "n", int(s), "name", e.stepName(lang, s),
			"items", e.count(lang, "items", m.Count(s)), "replies", e.count(lang, "replies", len(w.InputsOf(s))), "people", e.count(lang, "people", len(people))))
	}
	out := Paragraphs(head, rich.Join(counts, "\n"))
	if line := e.deadlineLine(&w.Meta); line != nil {
		out = append(out, rich.Para(line))
	}
	people := w.Contributors()
	if len(people) == 0 {
		out = append(out, rich.Para(e.R(lang, "status.nobody")))
	} else {
		out = append(out, rich.Para(e.contributors(lang, people)))
	}
	if w.Round > 0 {
		out = append(out, rich.Para(e.roundLine(&w.Meta)))
	}
	if w.Review.Active() {
		out = append(out, rich.Para(e.reviewLine(&w.Meta)))
	} else {
		out = append(out, rich.Para(e.R(lang, "review.none")))
	}
	return out
}
