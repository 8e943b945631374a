package export

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// mdText makes user text safe inside Markdown: no HTML or Slack markup can
// slip through (&, < and > become entities), and table cells keep their
// columns (| is escaped, line breaks folded).
func mdText(s string) string { return strings.TrimSpace(mdEscape(s)) }

// mdEscape is mdText without trimming, for pieces of a sentence.
func mdEscape(s string) string {
	// An "&" stays as typed ("Checkout & payment" reads well in the raw
	// file) unless it would start an entity, which a viewer would decode.
	s = entity.ReplaceAllString(s, "&amp;$1")
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`, "\r\n", " ", "\n", " ").Replace(s)
}

// markdown writes rich text as Markdown: **strong**, _emphasis_, `code`,
// people as @name; every piece of text escaped by mdEscape.
var markdown = rich.Syntax{
	Open:   map[rich.Style]string{rich.Strong: "**", rich.Emphasis: "_", rich.Code: "`"},
	Close:  map[rich.Style]string{rich.Strong: "**", rich.Emphasis: "_", rich.Code: "`"},
	Escape: func(s string, _ bool) string { return mdEscape(s) },
	Span: func(s rich.Span) string {
		if s.Kind == rich.KindLink {
			label := cmp.Or(s.Text, s.Ref)
			return "[" + strings.NewReplacer("[", "\\[", "]", "\\]").Replace(mdEscape(label)) + "](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(s.Ref) + ")"
		}
		return mdEscape(s.PlainText())
	},
}

// Markdown writes rich text as Markdown, as exports do.
func Markdown(t rich.Text) string { return rich.Render(t, markdown) }

var entity = regexp.MustCompile(`&(#?[A-Za-z0-9]+;)`)

func writeMD(out io.Writer, w *workshop.Workshop, m *workshop.Map, opt Options) error {
	tr := opt.T
	if tr == nil {
		tr = func(key string, _ ...any) rich.Text { return rich.Plain(key) }
	}
	T := func(key string, args ...any) string { return Markdown(tr(key, args...)) }
	b := bufio.NewWriter(out)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	name := func(u string) string {
		if u == "" {
			return ""
		}
		return w.Names.Display(u, "")
	}
	txt := mdText
	who := func(u string, anonymous bool) string {
		if anonymous {
			return T("anonymous.name")
		}
		return txt(name(u))
	}
	byName := func(u string, anonymous bool) string {
		if anonymous {
			return T("anonymous.name")
		}
		return name(u)
	}
	owner := func(display, id string) string { return txt(display) }
	if opt.Canvas {
		txt = canvasText
		who = func(u string, anonymous bool) string {
			if anonymous {
				return T("anonymous.name")
			}
			return canvasMention(u)
		}
		owner = func(display, id string) string {
			if id != "" {
				return canvasMention(id)
			}
			return txt(display)
		}
		name = func(u string) string { return canvasMention(u) }
	}
	voters := func(users []string) string { return txt(strings.Join(names(w, users), ", ")) }
	if opt.Canvas {
		voters = func(users []string) string { return joinWho(users, canvasMention) }
	}
	score := func(v float64) string { return opt.Locale.Number(workshop.FormatScore(v)) }

	if opt.Canvas {
		// The canvas's own title is the workshop's: no heading repeats it.
		p("_%s_\n\n", T("canvas.subtitle", "id", w.ID, "facilitator", rich.Plain(name(w.Facilitator)), "date", opt.Locale.Date(opt.Now)))
	} else {
		p("# %s\n\n", txt(w.Title))
		p("_%s_\n\n", T("export.subtitle", "id", w.ID, "facilitator", name(w.Facilitator), "date", opt.Locale.Date(opt.Now)))
	}
	field := func(label string, value any) string { return T("export.field", "label", tr(label), "value", value) }
	p("- %s\n", field("export.map_type", rich.Concat(tr("maptype."+m.MapType()+".name"), rich.Plain(" — "), tr("maptype."+m.MapType()+".about"))))
	p("- %s\n", field("export.current_step", tr("step."+w.Step.Key()+".name")))
	if w.Closed() {
		p("- %s\n", field("export.closed", opt.Locale.Date(w.ClosedAt)))
	}
	named, anonymous := workshop.SplitContributors(w.Contributors())
	contributors := joinWho(named, name)
	if anonymous > 0 {
		// Who contributed anonymously is not known: only how many did.
		contributors = strings.TrimPrefix(contributors+", ", "—, ") + T("anonymous.people", "count", anonymous)
	}
	p("- %s\n\n", field("export.contributors", contributors))

	p("## 1. %s\n\n", T("step.goals.name"))
	if len(m.Goals) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	}
	for _, g := range m.Goals {
		p("- **%s** %s — %s\n", g.ID, txt(g.Text), who(g.Author, g.Anonymous))
	}
	p("\n## 2. %s\n\n", T("step.personas.name"))
	if len(m.Personas) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	}
	for _, ps := range m.Personas {
		p("### %s\n\n", txt(ps.Name))
		if ps.Demographics != "" {
			p("- %s\n", field("export.demographics", strings.TrimSpace(ps.Demographics)))
		}
		if ps.Psychographics != "" {
			p("- %s\n", field("export.psychographics", strings.TrimSpace(ps.Psychographics)))
		}
		p("- %s\n\n", T("export.by", "user", byName(ps.Author, ps.Anonymous)))
		for _, e := range m.Empathy {
			if e.Persona == ps.Name {
				writeEmpathy(p, T, e)
			}
		}
	}
	for _, e := range m.Empathy {
		if e.Persona == "" {
			// Empathy notes given before any persona was.
			writeEmpathy(p, T, e)
		}
	}

	p("## 3. %s\n\n", T("step.touchpoints.name"))
	if opt.Canvas && opt.ChartURL != "" && len(m.Touchpoints) > 0 {
		p("📈 [%s](%s)\n\n", T("export.chart_alt", "title", strings.TrimSpace(w.Title)), mdURL(opt.ChartURL))
	} else if opt.Chart != "" && len(m.Touchpoints) > 0 {
		p("![%s](%s)\n\n", T("export.chart_alt", "title", strings.TrimSpace(w.Title)), opt.Chart)
	}
	if len(m.Touchpoints) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	}
	tps := m.Journey()
	for _, ph := range m.Phases() {
		var rows []workshop.Touchpoint
		for _, t := range tps {
			if t.Phase == ph {
				rows = append(rows, t)
			}
		}
		if len(rows) == 0 {
			continue
		}
		p("### %s\n\n", T("phase."+string(ph)))
		p("| # | %s | %s | %s | %s | %s | %s | %s | %s |\n", T("export.col.touchpoint"), T("export.col.channel"),
			T("export.col.emotion"), T("export.col.scores"), T("export.col.positive"), T("export.col.negative"), T("export.col.state"), T("export.col.owner"))
		p("|---|---|---|---|---|---|---|---|---|\n")
		for _, t := range rows {
			lo, hi := t.Spread()
			spread := ""
			if lo != hi {
				spread = fmt.Sprintf(" (%s…%s)", score(float64(lo)), score(float64(hi)))
			}
			state := T("state." + t.State)
			if !t.Online {
				state += ", " + T("touchpoint.offline")
			}
			p("| %s | %s | %s | %s %s | %d%s | %s | %s | %s | %s |\n", t.ID, txt(t.Name), txt(t.Channel),
				workshop.Emoji(t.Mean()), score(t.Mean()), len(t.Scores), spread,
				txt(t.Positive), txt(t.Negative), state, owner(t.Owner, t.OwnerID))
		}
		p("\n")
		// A service blueprint's backstage, under the phase's touchpoints.
		head := false
		for _, t := range rows {
			l, ok := m.LanesOf(t.ID)
			if !ok {
				continue
			}
			if !head {
				p("#### %s\n\n| # | %s | %s | %s | %s |\n|---|---|---|---|---|\n", T("blueprint.heading"), T("export.col.touchpoint"),
					T("export.col.people"), T("export.col.process"), T("export.col.technology"))
				head = true
			}
			p("| %s | %s | %s | %s | %s |\n", t.ID, mdText(t.Name), mdText(l.People), mdText(l.Process), mdText(l.Technology))
		}
		if head {
			p("\n")
		}
	}

	p("## 4. %s\n\n", T("step.scope.name"))
	p("**%s** — %s\n\n", T("maptype."+m.MapType()+".name"), T("maptype."+m.MapType()+".about"))
	for _, n := range m.Scope.Notes {
		p("- %s\n", txt(n))
	}
	if len(m.Scope.Notes) > 0 {
		p("\n")
	}

	p("## 5. %s\n\n", T("step.resources.name"))
	if len(m.Resources) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	}
	for _, kind := range []string{workshop.KindHave, workshop.KindNeed} {
		var rows []workshop.Resource
		for _, r := range m.Resources {
			if r.Kind == kind {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		p("### %s\n\n| # | %s | %s | %s |\n|---|---|---|---|\n", T("kind."+kind), T("export.col.resource"), T("export.col.gap"), T("export.col.owner"))
		for _, r := range rows {
			p("| %s | %s | %s | %s |\n", r.ID, txt(r.Name), txt(r.Gap), owner(r.Owner, r.OwnerID))
		}
		p("\n")
	}

	p("## 6. %s\n\n", T("step.test.name"))
	if len(m.Goals) == 0 && len(m.Tests) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	}
	if len(m.Goals) > 0 || len(m.Tests) > 0 {
		p("| %s | %s | %s | %s |\n|---|---|---|---|\n", T("export.col.goal"), T("export.col.verdict"), T("export.col.note"), T("export.col.by"))
		tested := map[string]bool{}
		for _, t := range m.Tests {
			tested[t.Goal] = true
			p("| %s | %s %s | %s | %s |\n", goalCell(txt, m, t.Goal), verdictEmoji[t.Verdict], T("verdict."+t.Verdict), txt(t.Note), who(t.Author, t.Anonymous))
		}
		for _, g := range m.Goals {
			if !tested[g.ID] {
				p("| %s | %s | | |\n", goalCell(txt, m, g.ID), T("export.untested"))
			}
		}
		p("\n")
	}
	if cov := m.Coverage(); len(cov) > 0 {
		p("### %s\n\n| %s | %s | %s | %s |\n|---|---|---|---|\n", T("coverage.table_title"),
			T("export.col.goal"), T("export.col.verdict"), T("export.col.note"), T("coverage.col_linked"))
		for _, c := range cov {
			verdict := T("coverage.none")
			if c.Answered() {
				verdict = verdictEmoji[c.Verdict] + " " + T("verdict."+c.Verdict)
			}
			p("| %s | %s | %s | %s |\n", goalCell(txt, m, c.Goal.ID), verdict, txt(c.Note), strings.Join(c.Linked, ", "))
		}
		p("\n")
	}

	p("## 7. %s\n\n", T("step.iterate.name"))
	if opt.Matrix != "" && m.Rated() {
		p("![%s](%s)\n\n", T("export.matrix_alt", "title", strings.TrimSpace(w.Title)), opt.Matrix)
	}
	if len(m.Changes) == 0 {
		p("_%s_\n\n", T("summary.nothing"))
	} else {
		// By priority, once rated (workshop.Map.Priorities).
		p("| # | %s | %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|---|---|\n", T("export.col.change"), T("export.col.owner"), T("export.col.due"),
			T("export.col.impact"), T("export.col.effort"), T("export.col.ratings"), T("export.col.quadrant"))
		for _, c := range m.Priorities() {
			impact, effort, quadrant := "—", "—", "—"
			if r := c.Rating; r.Rated() {
				impact, effort = mean(opt.Locale, r.Impact), mean(opt.Locale, r.Effort)
				quadrant = T("quadrant." + string(r.Quadrant()))
			}
			p("| %s | %s | %s | %s | %s | %s | %d | %s |\n", c.ID, txt(c.Text), owner(c.Owner, c.OwnerID), txt(opt.Locale.Day(c.Due)),
				impact, effort, c.Rating.Count, quadrant)
		}
		p("\n")
		if m.Rated() {
			p("_%s_\n\n", T("rating.order"))
		}
	}

	for _, r := range w.Votes {
		if r.Open() || len(r.Result) == 0 {
			continue
		}
		p("### %s\n\n", T("export.vote_heading", "id", r.ID))
		if r.Attributed {
			p("| # | %s | %s | %s |\n|---|---|---|---|\n", T("export.col.item"), T("export.col.votes"), T("export.col.voters"))
		} else {
			p("| # | %s | %s |\n|---|---|---|\n", T("export.col.item"), T("export.col.votes"))
		}
		for i, t := range r.Result {
			item := txt(t.ID + " " + t.Label)
			if r.Attributed {
				p("| %d | %s | %d | %s |\n", i+1, item, t.Count, voters(t.Voters))
			} else {
				p("| %d | %s | %d |\n", i+1, item, t.Count)
			}
		}
		p("\n")
	}

	p("## %s\n\n", T("export.review"))
	if w.Review.Active() {
		line := T("review.cadence." + w.Review.Cadence)
		if w.Review.Cadence == workshop.CadenceCustom {
			line = T("review.cadence.custom", "spec", rich.Styled(w.Review.Spec, rich.Code))
		}
		p("- %s\n", line)
		if !w.Review.NextDue.IsZero() {
			p("- %s\n", field("export.next_review", opt.Locale.DateTime(inZone(w.Review.NextDue, w.Review.TZ))))
		}
		if !w.Review.LastReview.IsZero() {
			p("- %s\n", field("export.last_review", opt.Locale.Date(inZone(w.Review.LastReview, w.Review.TZ))))
		}
	} else {
		p("%s\n", T("review.none"))
	}
	if vs := w.Versions(); len(vs) > 1 {
		p("\n")
		for _, v := range vs[1:] {
			p("- %s\n", T("export.version", "round", v.Round, "date", opt.Locale.Date(inZone(v.StartedAt, w.Review.TZ)), "user", name(v.StartedBy)))
		}
	}
	return b.Flush()
}

// inZone is t in the IANA zone tz (UTC when unknown): the facilitator's,
// where reviews are scheduled.
func inZone(t time.Time, tz string) time.Time {
	if loc, err := workshop.LoadZone(tz); err == nil && tz != "" {
		return t.In(loc)
	}
	return t.UTC()
}

var verdictEmoji = map[string]string{workshop.VerdictYes: "✅", workshop.VerdictPartly: "🟡", workshop.VerdictNo: "❌"}

func goalCell(txt func(string) string, m *workshop.Map, id string) string {
	if g, ok := m.Goal(id); ok {
		return "**" + id + "** " + txt(g.Text)
	}
	return "**" + id + "**"
}

func joinWho(users []string, name func(string) string) string {
	if len(users) == 0 {
		return "—"
	}
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = name(u)
	}
	return strings.Join(out, ", ")
}

// names are the display names of users (their ids when unknown).
func names(w *workshop.Workshop, users []string) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = w.Names.Text(workshop.UserRef(u))
	}
	return out
}

// mean writes a mean rating with at most one decimal, in the locale's
// numbers ("3.7", "3,7").
func mean(l prompts.Locale, v float64) string {
	return l.Number(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
}

// writeEmpathy writes one persona's empathy map as its four quadrants: a
// 2×2 table, says and thinks on top, does and feels below.
func writeEmpathy(p func(string, ...any), T func(string, ...any) string, e workshop.Empathy) {
	cell := func(notes []string) string {
		out := make([]string, len(notes))
		for i, n := range notes {
			out[i] = mdText(n)
		}
		return strings.Join(out, "<br>")
	}
	p("#### %s\n\n", T("empathy.heading", "persona", e.Persona))
	p("| %s | %s |\n|---|---|\n", T("export.col.says"), T("export.col.thinks"))
	p("| %s | %s |\n", cell(e.Says), cell(e.Thinks))
	p("| **%s** | **%s** |\n", T("export.col.does"), T("export.col.feels"))
	p("| %s | %s |\n\n", cell(e.Does), cell(e.Feels))
}
