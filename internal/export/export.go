// Package export writes a workshop's map as a document people read
// (Markdown), a spreadsheet (CSV, one row per touchpoint) or JSON for
// machines, in the shapes SPEC.md fixes, and lays it out as the page the
// PDF export draws (Sheet).
package export

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// Formats.
const (
	MD   = "md"
	CSV  = "csv"
	JSON = "json"
	PDF  = "pdf"
)

// Formats lists every export format.
var Formats = []string{MD, CSV, JSON, PDF}

// ValidFormat reports whether f is an export format.
func ValidFormat(f string) bool { return slices.Contains(Formats, f) }

// Options shape a document export.
type Options struct {
	// T translates the document's own words (headings, labels) into the
	// workshop's language. User text is never translated.
	T func(key string, args ...any) rich.Text
	// Chart is the file name of the emotion curve image to show beside
	// the touchpoints in Markdown, when there is one; Matrix the impact
	// and effort matrix's, beside the changes.
	Chart, Matrix string
	// Curve is the emotion curve as a PNG, drawn on the PDF; nil leaves
	// it out.
	Curve []byte
	// Now dates the document.
	Now time.Time
	// Canvas renders the Markdown for a Slack canvas (see WriteCanvas).
	Canvas bool
	// ChartURL is the address of the uploaded emotion curve, which a
	// canvas links to; empty when none is known.
	ChartURL string
	// Locale writes the document's dates and numbers in the workshop's
	// language (English when zero); a French workshop's CSV is written for
	// a French spreadsheet.
	Locale prompts.Locale
}

// Write writes w in format: md, csv or json. A PDF is drawn by a renderer
// from the page Sheet builds.
func Write(out io.Writer, format string, w *workshop.Workshop, opt Options) error {
	m := w.Map()
	switch format {
	case JSON:
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(Doc(w, m))
	case CSV:
		if opt.Locale.Lang == workshop.LangFR {
			return writeFrenchCSV(out, m, opt)
		}
		return writeCSV(out, m, opt)
	case MD:
		return writeMD(out, w, m, opt)
	case PDF:
		return errors.New("export: a PDF is drawn from Sheet by a renderer (internal/pdf), not written here")
	}
	return fmt.Errorf("unknown export format %q", format)
}

// FileName is the name an export is uploaded or written under.
func FileName(w *workshop.Workshop, format string) string {
	return fmt.Sprintf("journey-%s.%s", strings.ToLower(w.ID), format)
}

// Document is the JSON export: the whole workshop, for machines. Field
// names are a contract (SPEC.md); fields may be added, never renamed.
type Document struct {
	ID          string                `json:"id"`
	Title       string                `json:"title"`
	Lang        string                `json:"lang"`
	Facilitator string                `json:"facilitator"`
	Channel     string                `json:"channel"`
	MapType     string                `json:"map_type"`
	CurrentStep string                `json:"current_step"`
	CreatedAt   time.Time             `json:"created_at"`
	ClosedAt    *time.Time            `json:"closed_at"`
	Round       int                   `json:"round"`
	Goals       []workshop.Goal       `json:"goals"`
	Personas    []workshop.Persona    `json:"personas"`
	Touchpoints []Touchpoint          `json:"touchpoints"`
	Scope       workshop.ScopeSummary `json:"scope"`
	Resources   []workshop.Resource   `json:"resources"`
	Tests       []workshop.TestResult `json:"tests"`
	// Changes are in the order to do them, by the team's ratings (see
	// workshop.Map.Priorities): C order until someone rates them.
	Changes []Change `json:"changes"`
	// Blueprint holds a service blueprint's backstage lanes, one entry per
	// touchpoint that has any; Empathy an empathy map's quadrants, one
	// entry per persona. Empty for the other map types.
	Blueprint []workshop.Lanes   `json:"blueprint"`
	Empathy   []workshop.Empathy `json:"empathy"`
	// Coverage says, goal by goal, how far the map answers it.
	Coverage []Coverage `json:"coverage"`
	Review   Review     `json:"review"`
	// Versions lists every version of the map: round 0, the first
	// workshop, then one per review round, each with its touchpoint scores.
	Versions []Version `json:"versions"`
	Inputs   []Input   `json:"inputs"`
	// Votes are the results of the closed dot-voting rounds, most voted
	// first in each; voters only when the round was attributed.
	Votes []Vote `json:"votes"`
	// CanvasID is the workshop's canvas in its channel, when it has one.
	CanvasID string `json:"canvas_id,omitempty"`
}

// Vote is one item's votes in one closed round.
type Vote struct {
	Round  string   `json:"round"`
	ID     string   `json:"id"`
	Label  string   `json:"label"`
	Count  int      `json:"count"`
	Voters []string `json:"voters,omitempty"`
}

// votes lists the results of w's closed rounds.
func votes(w *workshop.Workshop) []Vote {
	out := []Vote{}
	for _, r := range w.Votes {
		if r.Open() {
			continue
		}
		for _, t := range r.Result {
			out = append(out, Vote{Round: r.ID, ID: t.ID, Label: t.Label, Count: t.Count, Voters: t.Voters})
		}
	}
	return out
}

// Change is a change with the team's ratings.
type Change struct {
	workshop.Change
	Ratings Ratings `json:"ratings"`
}

// Ratings are the team's mean impact and effort of a change (1 to 5) and
// how many rated it; the means are null while nobody has.
type Ratings struct {
	Impact *float64 `json:"impact"`
	Effort *float64 `json:"effort"`
	Count  int      `json:"count"`
	// Quadrant is where the means fall on the impact/effort matrix
	// (quick_win, big_bet, fill_in, money_pit), "" while unrated.
	Quadrant string `json:"quadrant"`
}

func ratingsOf(r workshop.Rating) Ratings {
	out := Ratings{Count: r.Count, Quadrant: string(r.Quadrant())}
	if r.Rated() {
		impact, effort := round1(r.Impact), round1(r.Effort)
		out.Impact, out.Effort = &impact, &effort
	}
	return out
}

// Touchpoint is a touchpoint with its team mean and spread.
type Touchpoint struct {
	workshop.Touchpoint
	Mean float64 `json:"mean"`
	Min  int     `json:"min"`
	Max  int     `json:"max"`
}

// Coverage is one goal's verdict and the items that mention it (see
// workshop.Map.Coverage).
type Coverage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Verdict is yes, partly or no: the latest answer given at the test
	// step; null while the goal has none.
	Verdict *string `json:"verdict"`
	Note    string  `json:"note"`
	// Linked are the ids of the touchpoints, resources and changes whose
	// text mentions the goal (T2, R1, C1).
	Linked []string `json:"linked"`
}

// Review is the review schedule.
type Review struct {
	Cadence    string     `json:"cadence"`
	Spec       string     `json:"spec"`
	TZ         string     `json:"tz"`
	NextDue    *time.Time `json:"next_due"`
	LastReview *time.Time `json:"last_review"`
	// LastReminder is the occurrence of the latest reminder posted.
	LastReminder *time.Time `json:"last_reminder"`
	// History lists the schedule's changes (scheduled, snoozed, stopped)
	// and the review rounds started, oldest first.
	History []workshop.ReviewEvent `json:"history"`
}

// Version is one version of the map with the touchpoints as they stood.
type Version struct {
	Round       int                 `json:"round"`
	StartedAt   time.Time           `json:"started_at"`
	StartedBy   string              `json:"started_by"`
	Touchpoints []VersionTouchpoint `json:"touchpoints"`
}

// VersionTouchpoint is a touchpoint's team score in one version. IDs
// number the touchpoints of that version; names match them across versions.
type VersionTouchpoint struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Mean   float64        `json:"mean"`
	Scores map[string]int `json:"scores"`
}

// Input is one raw reply, as collected.
type Input struct {
	Step   string `json:"step"`
	Author string `json:"author"`
	// Anonymous inputs have no author (see workshop.Secret); their author
	// key is never exported.
	Anonymous bool   `json:"anonymous,omitempty"`
	Text      string `json:"text"`
	TS        string `json:"ts"`
	Source    string `json:"source,omitempty"`
	Round     int    `json:"round,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Doc builds the JSON document of w. Lists are never null, so consumers
// can iterate without checks.
func Doc(w *workshop.Workshop, m *workshop.Map) Document {
	d := Document{
		ID: w.ID, Title: w.Title, Lang: w.Lang, Facilitator: w.Facilitator, Channel: w.Channel,
		MapType: m.MapType(), CurrentStep: w.Step.Key(), CreatedAt: w.CreatedAt, ClosedAt: timePtr(w.ClosedAt), Round: w.Round,
		Goals: nonNil(m.Goals), Personas: nonNil(m.Personas), Scope: m.Scope,
		Resources: nonNil(m.Resources), Tests: nonNil(m.Tests), Changes: []Change{},
		Touchpoints: []Touchpoint{}, Inputs: []Input{}, Votes: votes(w), Coverage: []Coverage{},
		Blueprint: nonNil(m.Blueprint), Empathy: []workshop.Empathy{}, CanvasID: w.CanvasID,
		Review: Review{
			Cadence: cmp.Or(w.Review.Cadence, workshop.CadenceOff), Spec: w.Review.Spec, TZ: w.Review.TZ,
			NextDue: timePtr(w.Review.NextDue), LastReview: timePtr(w.Review.LastReview),
			LastReminder: timePtr(w.Review.LastReminder), History: nonNil(w.Review.History),
		},
	}
	for _, v := range w.Versions() {
		vm := m
		if v.Round != w.Round {
			vm = w.MapAt(v.Round)
		}
		ver := Version{Round: v.Round, StartedAt: v.StartedAt, StartedBy: v.StartedBy, Touchpoints: []VersionTouchpoint{}}
		for _, t := range vm.Touchpoints {
			ver.Touchpoints = append(ver.Touchpoints, VersionTouchpoint{ID: t.ID, Name: t.Name, Mean: round1(t.Mean()), Scores: t.Scores})
		}
		d.Versions = append(d.Versions, ver)
	}
	for _, e := range m.Empathy {
		e.Says, e.Thinks, e.Does, e.Feels = nonNil(e.Says), nonNil(e.Thinks), nonNil(e.Does), nonNil(e.Feels)
		d.Empathy = append(d.Empathy, e)
	}
	if d.Scope.Notes == nil {
		d.Scope.Notes = []string{}
	}
	for _, c := range m.Coverage() {
		var verdict *string
		if c.Answered() {
			verdict = &c.Verdict
		}
		d.Coverage = append(d.Coverage, Coverage{ID: c.Goal.ID, Text: c.Goal.Text, Verdict: verdict, Note: c.Note, Linked: c.Linked})
	}
	for _, t := range m.Touchpoints {
		lo, hi := t.Spread()
		d.Touchpoints = append(d.Touchpoints, Touchpoint{Touchpoint: t, Mean: round1(t.Mean()), Min: lo, Max: hi})
	}
	for _, c := range m.Priorities() {
		d.Changes = append(d.Changes, Change{Change: c, Ratings: ratingsOf(c.Rating)})
	}
	ins := append([]workshop.Input(nil), w.Inputs...)
	workshop.SortInputs(ins)
	for _, in := range ins {
		d.Inputs = append(d.Inputs, Input{Step: in.Step.Key(), Author: in.Author, Anonymous: in.Anonymous(), Text: in.Text, TS: in.TS, Source: in.Source, Round: in.Round})
	}
	return d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func round1(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return f
}

// CSVHeader is the first row of the CSV export (a service blueprint's
// adds CSVLanesHeader after it). Its last column, goals, names the goals
// the touchpoint mentions, each with its verdict ("G2 none, G3 partly").
var CSVHeader = []string{"id", "phase", "name", "channel", "emotion", "mean", "min", "max", "scores", "positive", "negative", "state", "online", "owner", "author", "goals"}

// CSVLanesHeader are the columns a service blueprint's CSV adds after
// CSVHeader's (which never move): each touchpoint's backstage lanes.
var CSVLanesHeader = []string{"people", "process", "technology"}

// csvHeader is the header of m's CSV: a service blueprint's has its lanes
// at the end.
func csvHeader(m *workshop.Map) []string {
	if m.MapType() == workshop.MapServiceBlueprint {
		return append(slices.Clone(CSVHeader), CSVLanesHeader...)
	}
	return CSVHeader
}

// lanesCells are the lanes columns of touchpoint id, in a service
// blueprint's CSV (none in another map's).
func lanesCells(m *workshop.Map, id string) []string {
	if m.MapType() != workshop.MapServiceBlueprint {
		return nil
	}
	l, _ := m.LanesOf(id)
	return []string{csvSafe(l.People), csvSafe(l.Process), csvSafe(l.Technology)}
}

// goalsCell is the goals column of touchpoint id: the goals it mentions
// with their verdicts, each verdict as word says it.
func goalsCell(cov []workshop.Coverage, id string, word func(verdict string) string) string {
	var out []string
	for _, c := range cov {
		if slices.Contains(c.Linked, id) {
			out = append(out, c.Goal.ID+" "+word(cmp.Or(c.Verdict, "none")))
		}
	}
	return strings.Join(out, ", ")
}

// csvAuthor is a touchpoint's author cell: a user id, or the word for an
// anonymous one.
func csvAuthor(t workshop.Touchpoint, l prompts.Locale) string {
	if t.Anonymous {
		return l.T("anonymous.name")
	}
	return t.Author
}

func writeCSV(out io.Writer, m *workshop.Map, opt Options) error {
	l := opt.Locale
	cov := m.Coverage()
	cw := csv.NewWriter(out)
	if err := cw.Write(csvHeader(m)); err != nil {
		return err
	}
	for _, t := range m.Journey() {
		lo, hi := t.Spread()
		row := []string{
			t.ID, string(t.Phase), csvSafe(t.Name), csvSafe(t.Channel), strconv.Itoa(t.Emotion),
			strconv.FormatFloat(round1(t.Mean()), 'f', -1, 64), strconv.Itoa(lo), strconv.Itoa(hi), strconv.Itoa(len(t.Scores)),
			csvSafe(t.Positive), csvSafe(t.Negative), t.State, strconv.FormatBool(t.Online), csvSafe(t.Owner), csvAuthor(t, l),
			goalsCell(cov, t.ID, func(v string) string { return v }),
		}
		row = append(row, lanesCells(m, t.ID)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeFrenchCSV writes the CSV a French spreadsheet opens as it is: a
// byte-order mark (so the accents read as UTF-8), ";" between cells,
// decimal commas, and the headers and words in French.
func writeFrenchCSV(out io.Writer, m *workshop.Map, opt Options) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	l := opt.Locale
	T := func(key string) string { return l.Catalog.T(l.Lang, key) }
	cw := csv.NewWriter(out)
	cw.Comma = ';'
	header := make([]string, len(csvHeader(m)))
	for i, h := range csvHeader(m) {
		if h == "id" {
			h = "number" // go-i18n reserves "id"
		}
		header[i] = T("export.csv." + h)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	yesNo := map[bool]string{true: T("export.csv.yes"), false: T("export.csv.no")}
	cov := m.Coverage()
	verdict := func(v string) string { return T("export.csv.verdict_" + v) }
	for _, t := range m.Journey() {
		lo, hi := t.Spread()
		row := []string{
			t.ID, T("phase." + string(t.Phase)), csvSafe(t.Name), csvSafe(t.Channel), strconv.Itoa(t.Emotion),
			// A decimal comma, but the ASCII minus a spreadsheet reads as one.
			strings.Replace(strconv.FormatFloat(round1(t.Mean()), 'f', -1, 64), ".", ",", 1), strconv.Itoa(lo), strconv.Itoa(hi), strconv.Itoa(len(t.Scores)),
			csvSafe(t.Positive), csvSafe(t.Negative), T("state." + t.State), yesNo[t.Online], csvSafe(t.Owner), csvAuthor(t, l),
			goalsCell(cov, t.ID, verdict),
		}
		row = append(row, lanesCells(m, t.ID)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ is
// run by Excel and friends, so user text gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ChangesCSVHeader is the first row of the changes CSV.
var ChangesCSVHeader = []string{"id", "change", "owner", "due", "impact", "effort", "ratings", "quadrant", "author"}

// ChangesFileName is the name the changes CSV is uploaded or written
// under, beside the touchpoints' (FileName).
func ChangesFileName(w *workshop.Workshop) string {
	return fmt.Sprintf("journey-%s-changes.csv", strings.ToLower(w.ID))
}

// WriteChangesCSV writes the changes of w as a CSV, one row per change, in
// the order to do them (workshop.Map.Priorities), with the team's mean
// impact and effort, how many rated each, and its quadrant. The
// touchpoints' CSV keeps one row per touchpoint; the changes, which share
// none of its columns, get a file of their own. A French workshop's is
// written for a French spreadsheet, as writeFrenchCSV does.
func WriteChangesCSV(out io.Writer, w *workshop.Workshop, opt Options) error {
	m := w.Map()
	l := opt.Locale
	french := l.Lang == workshop.LangFR
	cw := csv.NewWriter(out)
	header := ChangesCSVHeader
	number := func(v float64) string { return strconv.FormatFloat(round1(v), 'f', -1, 64) }
	quadrant := func(q workshop.Quadrant) string { return string(q) }
	if french {
		if _, err := io.WriteString(out, "\ufeff"); err != nil {
			return err
		}
		cw.Comma = ';'
		T := func(key string) string { return l.Catalog.T(l.Lang, key) }
		header = make([]string, len(ChangesCSVHeader))
		for i, h := range ChangesCSVHeader {
			if h == "id" {
				h = "number" // go-i18n reserves "id"
			}
			header[i] = T("export.csv." + h)
		}
		number = func(v float64) string {
			return strings.Replace(strconv.FormatFloat(round1(v), 'f', -1, 64), ".", ",", 1)
		}
		quadrant = func(q workshop.Quadrant) string { return T("quadrant." + string(q)) }
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, c := range m.Priorities() {
		impact, effort, q := "", "", ""
		if r := c.Rating; r.Rated() {
			impact, effort, q = number(r.Impact), number(r.Effort), quadrant(r.Quadrant())
		}
		author := c.Author
		if c.Anonymous {
			author = l.T("anonymous.name")
		}
		row := []string{c.ID, csvSafe(c.Text), csvSafe(c.Owner), c.Due, impact, effort, strconv.Itoa(c.Rating.Count), q, author}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
