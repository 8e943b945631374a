package export

import (
	"strings"

	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Sheet is the map of w as the PDF export shows it, one page to pin on a
// wall: this decides what the page says, every word in the workshop's
// language and user text as typed; a renderer (internal/pdf) draws it.
// opt.Curve is the emotion curve drawn on it, if any.
func Sheet(w *workshop.Workshop, m *workshop.Map, opt Options) page.Sheet {
	tr := opt.T
	if tr == nil {
		tr = func(key string, _ ...any) rich.Text { return rich.Plain(key) }
	}
	T := func(key string, args ...any) string { return tr(key, args...).String() }
	name := func(u string) string {
		if u == "" {
			return ""
		}
		return w.Names.Display(u, "")
	}
	score := func(v float64) string { return opt.Locale.Number(workshop.FormatScore(v)) }
	step := func(s workshop.Step) string {
		return T("export.pdf.step", "n", int(s), "step", tr("step."+s.Key()+".name"))
	}
	field := func(label string, value any) string { return T("export.field", "label", tr(label), "value", value) }

	s := page.Sheet{
		Title:    strings.TrimSpace(w.Title),
		Subtitle: T("export.subtitle", "id", w.ID, "facilitator", name(w.Facilitator), "date", opt.Locale.Date(opt.Now)),
		Badge:    field("export.map_type", tr("maptype."+m.MapType()+".name")),
		Lang:     w.Lang,
		Chart:    opt.Curve,
		Journey:  page.Section{Heading: T("export.pdf.journey"), Tag: step(workshop.Touchpoints)},
		Date:     opt.Now,
		Words: page.Words{
			Continued: func(h string) string { return T("export.pdf.continued", "heading", h) },
			More:      func(n int) string { return T("export.pdf.more", "count", n) },
			Page:      func(n, of int) string { return T("export.pdf.page", "n", n, "of", of) },
			Nothing:   T("summary.nothing"),
		},
	}
	emotion := func(v float64) string { return T("export.pdf.emotion." + emotionKeys[page.Emotion(v)]) }
	for v := -2; v <= 2; v++ {
		s.Legend = append(s.Legend, page.Key{Mark: page.Emotion(float64(v)), Label: emotion(float64(v))})
	}

	// The touchpoints, one column per phase.
	tps := m.Journey()
	for _, ph := range m.Phases() { // a day in the life has times of the day
		col := page.Section{Heading: T("phase." + string(ph))}
		for _, t := range tps {
			if t.Phase == ph {
				c := touchpointCard(t, T, score, emotion)
				// A service blueprint's backstage lanes, under the touchpoint.
				for _, l := range m.Blueprint {
					if l.Touchpoint != t.ID {
						continue
					}
					for _, lane := range [][2]string{{"export.col.people", l.People}, {"export.col.process", l.Process}, {"export.col.technology", l.Technology}} {
						if strings.TrimSpace(lane[1]) != "" {
							c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Label: T(lane[0]), Text: lane[1]})
						}
					}
				}
				col.Cards = append(col.Cards, c)
			}
		}
		s.Phases = append(s.Phases, col)
	}

	// The persona first, then the goals with their verdicts, the
	// resources and the changes.
	persona := page.Section{Heading: T("export.pdf.persona"), Tag: step(workshop.Personas)}
	for i, p := range m.Personas {
		c := page.Card{Title: p.Name, Highlight: i == 0}
		if d := strings.TrimSpace(p.Demographics); d != "" {
			c.Lines = append(c.Lines, page.Line{Text: d})
		}
		if d := strings.TrimSpace(p.Psychographics); d != "" {
			c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: d})
		}
		// An empathy map's four quadrants: what the persona says, thinks,
		// does and feels (notes given before any persona go to the first).
		for j := range m.Empathy {
			e := &m.Empathy[j]
			if e.Persona != p.Name && (e.Persona != "" || i != 0) {
				continue
			}
			for _, q := range workshop.EmpathyQuadrants {
				for _, note := range e.Quadrant(q) {
					c.Lines = append(c.Lines, page.Line{Label: T("export.col." + q), Text: note})
				}
			}
		}
		persona.Cards = append(persona.Cards, c)
	}
	s.Side = append(s.Side, persona, goalSection(m, T, step(workshop.Goals)+" · "+step(workshop.Test)))

	resources := page.Section{Heading: T("export.pdf.resources"), Tag: step(workshop.Resources)}
	for _, kind := range []string{workshop.KindHave, workshop.KindNeed} {
		for _, r := range m.Resources {
			if r.Kind != kind {
				continue
			}
			c := page.Card{Mark: page.Have, Title: strings.TrimSpace(r.ID + " " + r.Name), Value: T("export.pdf.kind." + kind)}
			if kind == workshop.KindNeed {
				c.Mark = page.Need
			}
			if r.Gap != "" {
				c.Lines = append(c.Lines, page.Line{Text: T("resource.gap", "gap", r.Gap)})
			}
			if r.Owner != "" {
				c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: T("touchpoint.owner", "owner", r.Owner)})
			}
			resources.Cards = append(resources.Cards, c)
		}
	}
	s.Side = append(s.Side, resources)

	today := inZone(opt.Now, w.Review.TZ).Format("2006-01-02")
	// The changes by priority once the team has rated them (the order of
	// workshop.Map.Priorities, as in the Markdown), each with its rating;
	// in their own order (C1, C2, …) until then.
	changes := page.Section{Heading: T("export.pdf.changes"), Tag: step(workshop.Iterate)}
	if m.Rated() {
		changes.Heading = T("export.pdf.changes_by_priority")
	}
	for _, c := range m.Priorities() {
		card := page.Card{Title: strings.TrimSpace(c.ID + " " + c.Text)}
		var facts []string
		tone := page.Muted
		if c.Owner != "" {
			facts = append(facts, c.Owner)
		}
		if c.Due != "" {
			key := "change.due"
			if c.Due < today {
				key, tone = "change.overdue", page.Bad
			}
			facts = append(facts, T(key, "date", opt.Locale.Day(c.Due)))
		}
		if len(facts) > 0 {
			card.Lines = append(card.Lines, page.Line{Tone: tone, Text: strings.Join(facts, " · ")})
		}
		if r := c.Rating; r.Rated() {
			tone := page.Plain
			if r.Quadrant() == workshop.QuickWin {
				tone = page.Good
			}
			card.Lines = append(card.Lines, page.Line{Tone: tone, Text: T("rating.line", "impact", mean(opt.Locale, r.Impact),
				"effort", mean(opt.Locale, r.Effort), "count", r.Count, "quadrant", tr("quadrant."+string(r.Quadrant())))})
		}
		changes.Cards = append(changes.Cards, card)
	}
	s.Side = append(s.Side, changes)

	// The footer: who took part (those who did anonymously only counted,
	// as in the Markdown), and when the map is next looked at.
	named, anonymous := workshop.SplitContributors(w.Contributors())
	contributors := joinWho(named, name)
	if anonymous > 0 {
		contributors = strings.TrimPrefix(contributors+", ", "—, ") + T("anonymous.people", "count", anonymous)
	}
	foot := []string{field("export.contributors", contributors)}
	if w.Review.Active() {
		cadence := T("review.cadence." + w.Review.Cadence)
		if w.Review.Cadence == workshop.CadenceCustom {
			cadence = T("review.cadence.custom", "spec", w.Review.Spec)
		}
		foot = append(foot, field("export.review", cadence))
		if !w.Review.NextDue.IsZero() {
			foot = append(foot, field("export.next_review", opt.Locale.DateTime(inZone(w.Review.NextDue, w.Review.TZ))))
		}
	} else {
		foot = append(foot, T("export.pdf.no_review"))
	}
	s.Footer = strings.Join(foot, " · ")
	return s
}

// touchpointCard is a touchpoint's card: its emotion as a coloured mark
// and the team's mean, its channel, gains, pains and owner.
func touchpointCard(t workshop.Touchpoint, T func(string, ...any) string, score func(float64) string, emotion func(float64) string) page.Card {
	c := page.Card{Mark: page.Emotion(t.Mean()), Title: t.ID + " " + t.Name, Value: score(t.Mean())}
	facts := []string{}
	if t.Channel != "" {
		facts = append(facts, t.Channel)
	}
	facts = append(facts, emotion(t.Mean()), T("export.pdf.scores", "count", len(t.Scores)))
	if t.State == workshop.StateIdeal {
		facts = append(facts, T("state.ideal"))
	}
	if !t.Online {
		facts = append(facts, T("touchpoint.offline"))
	}
	c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: strings.Join(facts, " · ")})
	if t.Positive != "" {
		c.Lines = append(c.Lines, page.Line{Tone: page.Good, Label: "+", Text: t.Positive})
	}
	if t.Negative != "" {
		c.Lines = append(c.Lines, page.Line{Tone: page.Bad, Label: "−", Text: t.Negative})
	}
	if t.Owner != "" {
		c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: T("touchpoint.owner", "owner", t.Owner)})
	}
	return c
}

// goalSection lists the goals with the test step's verdicts and their
// coverage: the mark is the latest verdict, each answer a line, then the
// items that mention the goal. Answers about a goal that is not in the
// map get a card of their own, as in the Markdown.
func goalSection(m *workshop.Map, T func(string, ...any) string, tag string) page.Section {
	sec := page.Section{Heading: T("export.pdf.goals"), Tag: tag}
	byGoal := map[string][]workshop.TestResult{}
	var orphans []string
	for _, t := range m.Tests {
		if _, ok := m.Goal(t.Goal); !ok && len(byGoal[t.Goal]) == 0 {
			orphans = append(orphans, t.Goal)
		}
		byGoal[t.Goal] = append(byGoal[t.Goal], t)
	}
	marks := map[string]page.Mark{workshop.VerdictYes: page.Answered, workshop.VerdictPartly: page.PartlyAnswered, workshop.VerdictNo: page.NotAnswered}
	tones := map[string]page.Tone{workshop.VerdictYes: page.Good, workshop.VerdictPartly: page.Plain, workshop.VerdictNo: page.Bad}
	linked := map[string][]string{}
	for _, c := range m.Coverage() {
		linked[c.Goal.ID] = c.Linked
	}
	card := func(id, text string) page.Card {
		c := page.Card{Mark: page.Untested, Title: strings.TrimSpace(id + " " + text)}
		tests := byGoal[id]
		if len(tests) == 0 {
			c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: T("export.untested")})
		}
		for _, t := range tests {
			line := T("verdict." + t.Verdict)
			if t.Note != "" {
				line = T("verdict.with_note", "verdict", line, "note", t.Note)
			}
			c.Mark = marks[t.Verdict]
			c.Lines = append(c.Lines, page.Line{Tone: tones[t.Verdict], Text: line})
		}
		if ids := linked[id]; len(ids) > 0 {
			c.Lines = append(c.Lines, page.Line{Tone: page.Muted, Text: T("coverage.linked", "items", strings.Join(ids, ", "))})
		}
		return c
	}
	for _, g := range m.Goals {
		sec.Cards = append(sec.Cards, card(g.ID, g.Text))
	}
	for _, id := range orphans {
		sec.Cards = append(sec.Cards, card(id, ""))
	}
	return sec
}

// emotionKeys name the emotion marks in the catalog, from -2 to +2.
var emotionKeys = map[page.Mark]string{page.Furious: "furious", page.Unhappy: "unhappy", page.Indifferent: "indifferent", page.Pleased: "pleased", page.Delighted: "delighted"}
