package engine

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// The test step checks the map against the goals set at step 1: its
// message lists every goal with its verdict so far, `next` warns about the
// goals nobody answered, the summaries show a coverage table, and the
// iterate step's message carries the goals answered "no" or "partly" as
// things to act on.

// showsCoverage reports whether the message of step s shows the goals'
// coverage, and so needs the map to be drawn.
func showsCoverage(s workshop.Step) bool { return s == workshop.Test || s == workshop.Iterate }

// mapTyped reports whether the message of step s depends on the map type
// (see stepMessage), and so needs the map.
func mapTyped(s workshop.Step) bool {
	return s == workshop.Touchpoints || s == workshop.Resources || s == workshop.Iterate
}

// unmarked is the mark of a goal with no verdict yet (verdictMark has the
// others).
const unmarked = "▫️"

// coverageBlocks is what the message of step s shows of the goals'
// coverage: at the test step every goal with its verdict so far, at the
// iterate step the goals the map does not fully answer. Nil for other
// steps, or without a map.
func (e *Engine) coverageBlocks(lang string, m *workshop.Map, s workshop.Step) []rich.Block {
	if m == nil {
		return nil
	}
	cov := m.Coverage()
	switch s {
	case workshop.Test:
		if len(cov) == 0 {
			return []rich.Block{rich.Para(e.R(lang, "coverage.no_goals"))}
		}
		items := make([]rich.Text, len(cov))
		for i, c := range cov {
			items[i] = e.coverageLine(lang, c, true)
		}
		return []rich.Block{rich.Head(e.R(lang, "coverage.heading")), rich.Bullets(items...), rich.Para(e.R(lang, "coverage.link_tip"))}
	case workshop.Iterate:
		var items []rich.Text
		for _, c := range cov {
			if c.ToActOn() {
				items = append(items, e.coverageLine(lang, c, false))
			}
		}
		if len(items) == 0 {
			return nil
		}
		return []rich.Block{rich.Head(e.R(lang, "coverage.act_heading")), rich.Bullets(items...), rich.Para(e.R(lang, "coverage.act_tip"))}
	}
	return nil
}

// coverageLine is one goal with its verdict (and note), and with the items
// that mention it when linked is set.
func (e *Engine) coverageLine(lang string, c workshop.Coverage, linked bool) rich.Text {
	sp := rich.Plain
	line := rich.Concat(sp(cmp.Or(verdictMark[c.Verdict], unmarked)+" "), rich.Styled(c.Goal.ID, rich.Strong), sp(" "),
		UserText(truncateRunes(c.Goal.Text, 120)).With(rich.Emphasis), sp(" — "), e.verdictText(lang, c))
	if linked && len(c.Linked) > 0 {
		line = rich.Concat(line, sp(" · "), e.R(lang, "coverage.linked", "items", strings.Join(c.Linked, ", ")))
	}
	return line
}

// verdictText is a goal's verdict in words, with its note.
func (e *Engine) verdictText(lang string, c workshop.Coverage) rich.Text {
	if !c.Answered() {
		return e.R(lang, "coverage.none")
	}
	v := e.R(lang, "verdict."+c.Verdict)
	if c.Note != "" {
		v = e.R(lang, "verdict.with_note", "verdict", v, "note", UserText(c.Note))
	}
	return v
}

// coverageTable is the summaries' table: goal, verdict, note, linked items.
func (e *Engine) coverageTable(lang string, m *workshop.Map) []rich.Block {
	cov := m.Coverage()
	if len(cov) == 0 {
		return nil
	}
	dash := rich.Plain("—")
	rows := [][]rich.Text{{e.R(lang, "export.col.goal"), e.R(lang, "export.col.verdict"), e.R(lang, "export.col.note"), e.R(lang, "coverage.col_linked")}}
	for _, c := range cov {
		verdict := rich.Concat(rich.Plain(unmarked+" "), e.R(lang, "coverage.none"))
		if c.Answered() {
			verdict = rich.Concat(rich.Plain(verdictMark[c.Verdict]+" "), e.R(lang, "verdict."+c.Verdict))
		}
		note, items := dash, dash
		if c.Note != "" {
			note = UserText(truncateRunes(c.Note, 120))
		}
		if len(c.Linked) > 0 {
			items = rich.Plain(strings.Join(c.Linked, ", "))
		}
		goal := rich.Concat(rich.Styled(c.Goal.ID, rich.Strong), rich.Plain(" "), UserText(truncateRunes(c.Goal.Text, 80)))
		rows = append(rows, []rich.Text{goal, verdict, note, items})
	}
	return []rich.Block{rich.Head(e.R(lang, "coverage.table_title")), rich.Grid(rows...)}
}

// unansweredProblem is the warning `next` gives at the test step while
// goals have no verdict, naming them; nil when every goal has one.
func (e *Engine) unansweredProblem(w *workshop.Workshop, m *workshop.Map) error {
	missing := m.Unanswered()
	if len(missing) == 0 {
		return nil
	}
	return problem("error.goals_unanswered", "count", len(missing), "goals", strings.Join(missing, ", "),
		"first", missing[0], "step", e.stepName(w.Lang, workshop.Test), "id", w.ID)
}

// refreshCoverage rewrites the test step's message while the workshop is
// at that step, so its list of goals shows the verdicts given so far. It
// reads the whole workshop, once per (debounced) header refresh, and only
// at the test step.
func (e *Engine) refreshCoverage(ctx context.Context, m *workshop.Meta) error {
	ts := m.StepTS(workshop.Test)
	if m.Step != workshop.Test || m.Closed() || ts == "" {
		return nil
	}
	w, err := workshop.Open(ctx, e.store, m.ID)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", m.ID, err)
	}
	w.Meta = *m
	if err := e.notify.Update(ctx, w.Channel, ts, e.stepMessage(&w.Meta, w.Map(), workshop.Test)); err != nil {
		// Like the header, the list is a convenience.
		e.log.WarnContext(ctx, "update test step message", "workshop", w.ID, "err", err)
	}
	return nil
}

// storedMap is the map the message of w's current step needs, read from
// the store (w may hold only its meta): nil for a step whose message shows
// none of it.
func (e *Engine) storedMap(ctx context.Context, w *workshop.Workshop) (*workshop.Map, error) {
	if !showsCoverage(w.Step) {
		return nil, nil
	}
	full, err := workshop.Open(ctx, e.store, w.ID)
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", w.ID, err)
	}
	full.Meta = w.Meta
	return full.Map(), nil
}
