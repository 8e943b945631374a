package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// ActionRate opens the form that rates a workshop's changes.
const ActionRate = "rate"

// RatingChoice is one person's rating of one change: impact and effort,
// each from workshop.MinRating to workshop.MaxRating.
type RatingChoice struct {
	Impact, Effort int
}

// cmdRate is `/journey rate C2 impact 4 effort 2`: the caller's rating of
// one change, replacing their earlier one. The two parts come in either
// order, as `impact 4` or `impact=4`, in any language's words.
func (e *Engine) cmdRate(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	n, choice, err := e.parseRating(w.Lang, c.args)
	if err != nil {
		return err
	}
	return e.Rate(ctx, w, c.Actor, map[int]RatingChoice{n: choice})
}

// parseRating reads the arguments of `/journey rate`: a change, then an
// impact and an effort. Every refusal names what was wrong.
func (e *Engine) parseRating(lang string, args []string) (int, RatingChoice, error) {
	var words []string
	for _, a := range args {
		// "impact=4" and "impact:4" read as "impact 4".
		for _, w := range strings.FieldsFunc(a, func(r rune) bool { return r == '=' || r == ':' }) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return 0, RatingChoice{}, problem("error.rate.usage")
	}
	n, ok := workshop.ParseChangeRef(words[0])
	if !ok {
		return 0, RatingChoice{}, problem("error.rate.usage")
	}
	change := "C" + strconv.Itoa(n)
	values := map[string]int{}
	for i := 1; i < len(words); i++ {
		part := e.keywords[strings.ToLower(words[i])]
		if part != "impact" && part != "effort" {
			return 0, RatingChoice{}, problem("error.rate.word", "got", UserText(words[i]))
		}
		if i+1 == len(words) {
			return 0, RatingChoice{}, problem("error.rate.missing", "part", e.T(lang, "rating.part."+part), "change", change)
		}
		i++
		v, err := strconv.Atoi(words[i])
		if err != nil || v < workshop.MinRating || v > workshop.MaxRating {
			return 0, RatingChoice{}, problem("error.rate.value", "part", e.T(lang, "rating.part."+part), "got", UserText(words[i]), "change", change)
		}
		values[part] = v
	}
	for _, part := range []string{"impact", "effort"} {
		if _, ok := values[part]; !ok {
			return 0, RatingChoice{}, problem("error.rate.missing", "part", e.T(lang, "rating.part."+part), "change", change)
		}
	}
	return n, RatingChoice{Impact: values["impact"], Effort: values["effort"]}, nil
}

// Rate records a's ratings (change number -> impact and effort), each
// replacing a's earlier rating of that change, and answers them with the
// team's new means. Every rating is checked before any is stored: a
// refusal stores nothing.
func (e *Engine) Rate(ctx context.Context, w *workshop.Workshop, a Actor, choices map[int]RatingChoice) error {
	if w.Closed() {
		return workshop.ErrClosed
	}
	m := w.Map()
	if len(m.Changes) == 0 {
		return problem("error.rate.no_changes")
	}
	lang := w.Lang
	var marks []workshop.Mark
	for _, n := range sortedKeys(choices) {
		c, ok := m.Change(n)
		if !ok {
			return problem("error.rate.unknown", "got", fmt.Sprintf("C%d", n), "count", len(m.Changes))
		}
		ch := choices[n]
		for _, p := range []struct {
			part string
			v    int
		}{{"impact", ch.Impact}, {"effort", ch.Effort}} {
			if p.v < workshop.MinRating || p.v > workshop.MaxRating {
				return problem("error.rate.value", "part", e.T(lang, "rating.part."+p.part), "got", strconv.Itoa(p.v), "change", c.ID)
			}
		}
		marks = append(marks, workshop.Mark{Kind: workshop.MarkRating, Key: c.Key, User: a.ID, Impact: ch.Impact, Effort: ch.Effort, At: e.now().UTC()})
	}
	for _, mk := range marks {
		if err := e.store.PutMark(ctx, w.ID, mk); err != nil {
			return fmt.Errorf("rate %s of %s: %w", mk.Key, w.ID, err)
		}
		w.Marks = withMark(w.Marks, mk)
	}
	m = w.Map()
	var lines []rich.Text
	for _, n := range sortedKeys(choices) {
		c, _ := m.Change(n)
		r := c.Rating
		lines = append(lines, e.R(lang, "rating.saved", "change", c.ID, "text", UserText(truncateRunes(c.Text, 200)),
			"impact", choices[n].Impact, "effort", choices[n].Effort,
			"team_impact", e.mean(lang, r.Impact), "team_effort", e.mean(lang, r.Effort), "count", r.Count,
			"quadrant", e.R(lang, "quadrant."+string(r.Quadrant())).With(rich.Strong)))
	}
	return e.tell(ctx, w.Channel, a.ID, lang, KindAnswer, rich.Join(lines, "\n"))
}

// withMark is marks with mk in place of the same person's earlier mark of
// its kind and key, as the store keeps them.
func withMark(marks []workshop.Mark, mk workshop.Mark) []workshop.Mark {
	for i, o := range marks {
		if o.Field() == mk.Field() {
			marks[i] = mk
			return marks
		}
	}
	return append(marks, mk)
}

// SaveRatings records ratings given through a form (change number ->
// impact and effort) and answers the actor.
func (e *Engine) SaveRatings(ctx context.Context, id string, a Actor, choices map[int]RatingChoice) error {
	w, err := workshop.Open(ctx, e.store, id)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	if len(choices) == 0 {
		return e.tell(ctx, w.Channel, a.ID, w.Lang, KindAnswer, e.R(w.Lang, "rating.none"))
	}
	if err := e.Rate(ctx, w, a, choices); err != nil {
		return e.answerError(ctx, w.Channel, a, w.Lang, err)
	}
	return nil
}

// mean writes a mean rating with at most one decimal, the way lang writes
// numbers ("3.7", "3,7").
func (e *Engine) mean(lang string, v float64) string {
	return e.cat.Locale(lang).Number(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
}

// ratingLine says how the team rated a change: its means, how many rated
// it, and its quadrant.
func (e *Engine) ratingLine(lang string, r workshop.Rating) rich.Text {
	return e.R(lang, "rating.line", "impact", e.mean(lang, r.Impact), "effort", e.mean(lang, r.Effort), "count", r.Count,
		"quadrant", e.R(lang, "quadrant."+string(r.Quadrant())))
}

// Matrix is what the impact/effort matrix shows.
type Matrix struct {
	Title string
	// Changes are the rated changes, by priority (workshop.Map.Priorities).
	Changes []workshop.Change
	Labels  MatrixLabels
}

// MatrixLabels are the matrix's words in the workshop's language.
type MatrixLabels struct {
	Quadrants    map[workshop.Quadrant]string
	XAxis, YAxis string
	// Key heads the list of changes; Note says which changes nobody has
	// rated yet ("" when every change is rated).
	Key, Note string
}

func (e *Engine) matrix(w *workshop.Workshop, m *workshop.Map) Matrix {
	lang := w.Lang
	mx := Matrix{
		Title: e.T(lang, "matrix.title", "title", w.Title),
		Labels: MatrixLabels{
			Quadrants: map[workshop.Quadrant]string{},
			XAxis:     e.T(lang, "matrix.x_axis"), YAxis: e.T(lang, "matrix.y_axis"), Key: e.T(lang, "matrix.key"),
		},
	}
	for _, q := range workshop.Quadrants {
		mx.Labels.Quadrants[q] = e.T(lang, "matrix."+string(q))
	}
	var unrated []string
	for _, c := range m.Priorities() {
		if c.Rating.Rated() {
			mx.Changes = append(mx.Changes, c)
		} else {
			unrated = append(unrated, c.ID)
		}
	}
	if len(unrated) > 0 {
		mx.Labels.Note = e.T(lang, "matrix.unrated", "changes", strings.Join(unrated, ", "))
	}
	return mx
}

// matrixFile renders the impact/effort matrix of w and describes it for
// screen readers: which changes fall in which quadrant.
func (e *Engine) matrixFile(ctx context.Context, w *workshop.Workshop, m *workshop.Map) (File, error) {
	if e.charts == nil {
		return File{}, problem("error.charts_unavailable")
	}
	if len(m.Changes) == 0 {
		return File{}, problem("error.rate.no_changes")
	}
	if !m.Rated() {
		return File{}, problem("error.rate.no_matrix")
	}
	mx := e.matrix(w, m)
	png, err := e.charts.RenderMatrix(ctx, mx)
	if errors.Is(err, ErrNoChart) {
		return File{}, problem("error.rate.no_matrix")
	}
	if err != nil {
		return File{}, fmt.Errorf("render matrix of %s: %w", w.ID, err)
	}
	lang := w.Lang
	var parts []string
	for _, q := range workshop.Quadrants {
		var ids []string
		for _, c := range mx.Changes {
			if c.Rating.Quadrant() == q {
				ids = append(ids, c.ID)
			}
		}
		if len(ids) > 0 {
			parts = append(parts, e.T(lang, "matrix.alt_quadrant", "quadrant", mx.Labels.Quadrants[q], "changes", strings.Join(ids, ", ")))
		}
	}
	if mx.Labels.Note != "" {
		parts = append(parts, mx.Labels.Note+".")
	}
	alt := e.T(lang, "matrix.alt", "title", w.Title, "count", len(mx.Changes), "quadrants", strings.Join(parts, " "))
	return File{
		Channel: w.Channel, ThreadTS: w.StepTS(workshop.Iterate), Workshop: w.ID, Lang: lang,
		Name:    fmt.Sprintf("journey-%s-matrix.png", strings.ToLower(w.ID)),
		Title:   mx.Title,
		AltText: truncateRunes(alt, 1000),
		Data:    png,
	}, nil
}

// cmdMatrix is `/journey matrix`: the impact/effort matrix, in the
// iterate step's thread.
func (e *Engine) cmdMatrix(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	f, err := e.matrixFile(ctx, w, w.Map())
	if err != nil {
		return err
	}
	if err := e.notify.Upload(ctx, f); err != nil {
		return fmt.Errorf("upload matrix of %s: %w", w.ID, err)
	}
	return nil
}

// postMatrix uploads the matrix when the iterate step ends (the workshop
// closes), if any change is rated; a failure is logged, not fatal, since
// the workshop has already closed.
func (e *Engine) postMatrix(ctx context.Context, w *workshop.Workshop, m *workshop.Map) {
	if e.charts == nil || !m.Rated() {
		return
	}
	f, err := e.matrixFile(ctx, w, m)
	if err == nil {
		err = e.notify.Upload(ctx, f)
	}
	if err != nil {
		e.log.WarnContext(ctx, "post matrix", "workshop", w.ID, "err", err)
	}
}
