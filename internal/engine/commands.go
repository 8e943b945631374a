package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Command is one `/journey ...` invocation.
type Command struct {
	Channel string
	Actor   Actor
	// Text is what follows `/journey`.
	Text string
	// ID identifies the invocation where the platform gives it one
	// (Slack's trigger id), so what a command stores is keyed by it;
	// without it, by a timestamp of this process.
	ID string
}

// MaxTitleLen is the longest workshop title, in characters: it must fit a
// Slack header block (150) with the map emoji in front.
const MaxTitleLen = 140

// Command runs a slash command. Answers and posts go through the Notifier;
// the returned error is for the adapter's logs and means an internal fault
// the user was already told about.
func (e *Engine) Command(ctx context.Context, c Command) error {
	args := SplitArgs(c.Text)
	sub := ""
	if len(args) > 0 {
		sub = strings.ToLower(args[0])
		args = args[1:]
	}
	h, ok := commands[sub]
	if !ok {
		// A command's name in another language ("aide").
		h, ok = commands[e.keywords[sub]]
	}
	if !ok {
		return e.answerError(ctx, c.Channel, c.Actor, e.lang, problem("error.unknown_command", "command", UserText(sub)))
	}
	cc := &call{Command: c, args: args, lang: e.lang}
	if err := h(e, ctx, cc); err != nil {
		return e.answerError(ctx, c.Channel, c.Actor, cc.lang, err)
	}
	return nil
}

// call is a command being handled: its arguments, and the language answers
// are in (the workshop's once one is resolved).
type call struct {
	Command
	args []string
	lang string
}

type handler func(e *Engine, ctx context.Context, c *call) error

// commands lists every subcommand in one place.
var commands = map[string]handler{
	"":            (*Engine).cmdHelp,
	"help":        (*Engine).cmdHelp,
	"start":       (*Engine).cmdStart,
	"status":      (*Engine).cmdStatus,
	"next":        (*Engine).cmdNext,
	"back":        (*Engine).cmdBack,
	"goto":        (*Engine).cmdGoto,
	"summary":     (*Engine).cmdSummary,
	"chart":       (*Engine).cmdChart,
	"score":       (*Engine).cmdScore,
	"export":      (*Engine).cmdExport,
	"review":      (*Engine).cmdReview,
	"facilitator": (*Engine).cmdFacilitator,
	"lang":        (*Engine).cmdLang,
	"list":        (*Engine).cmdList,
	"close":       (*Engine).cmdClose,
	"plan":        (*Engine).cmdPlan,
	"deadline":    (*Engine).cmdDeadline,
	"autopilot":   (*Engine).cmdAutopilot,
	"nudge":       (*Engine).cmdNudge,
	"vote":        (*Engine).cmdVote,
	"rate":        (*Engine).cmdRate,
	"matrix":      (*Engine).cmdMatrix,
	"mute":        (*Engine).cmdMute,
	"unmute":      (*Engine).cmdUnmute,
	"home":        (*Engine).cmdHome,
	"anonymous":   (*Engine).cmdAnonymous,
	"add":         (*Engine).cmdAdd,
	"canvas":      (*Engine).cmdCanvas,
}

var quoteFixer = strings.NewReplacer("“", `"`, "”", `"`, "«", `"`, "»", `"`)

// SplitArgs splits a command line on blanks, keeping "quoted text" (straight
// or curly quotes, which Slack clients often substitute) as one argument.
func SplitArgs(s string) []string {
	s = quoteFixer.Replace(s)
	var out []string
	var cur strings.Builder
	inQuote, had := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			had = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			if cur.Len() > 0 || had {
				out = append(out, cur.String())
				cur.Reset()
				had = false
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 || had {
		out = append(out, cur.String())
	}
	return out
}

var workshopID = regexp.MustCompile(`^[wW]\d+$`)

// workshop finds the workshop a command applies to: the id among the
// arguments (removed from them), else the channel's most recent open one.
func (e *Engine) workshop(ctx context.Context, c *call) (*workshop.Workshop, error) {
	return e.resolve(ctx, c, func(id string) (*workshop.Workshop, error) { return workshop.Open(ctx, e.store, id) })
}

// workshopMeta is workshop for commands that touch only the meta (and the
// header): it reads no inputs or scores.
func (e *Engine) workshopMeta(ctx context.Context, c *call) (*workshop.Workshop, error) {
	return e.resolve(ctx, c, func(id string) (*workshop.Workshop, error) {
		m, err := e.store.LoadMeta(ctx, id)
		if err != nil {
			return nil, err
		}
		return &workshop.Workshop{Meta: *m}, nil
	})
}

// resolve finds the workshop a command applies to and reads it with load.
func (e *Engine) resolve(ctx context.Context, c *call, load func(id string) (*workshop.Workshop, error)) (*workshop.Workshop, error) {
	id := ""
	for i, a := range c.args {
		if workshopID.MatchString(a) {
			id = strings.ToUpper(a)
			c.args = append(c.args[:i:i], c.args[i+1:]...)
			break
		}
	}
	if id == "" {
		list, err := e.store.List(ctx, c.Channel)
		if err != nil {
			return nil, fmt.Errorf("list workshops of %s: %w", c.Channel, err)
		}
		for _, s := range list {
			if !s.Closed {
				id = s.ID
				break
			}
		}
		if id == "" {
			if len(list) > 0 {
				return nil, problem("error.no_open_workshop", "id", list[0].ID)
			}
			return nil, problem("error.no_workshop")
		}
	}
	w, err := load(id)
	if errors.Is(err, workshop.ErrNotFound) {
		return nil, problem("error.unknown_workshop", "id", UserText(id))
	}
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	c.lang = w.Lang
	if a := c.Actor; a.ID == w.Facilitator && a.TZ != "" && a.TZ != w.FacilitatorTZ {
		// Reviews are scheduled in the facilitator's zone; keep it current
		// (a handed-over role starts without one).
		if err := e.SetFacilitatorTZ(ctx, w.ID, a.ID, a.TZ); err != nil {
			e.log.WarnContext(ctx, "record facilitator time zone", "workshop", w.ID, "err", err)
		} else {
			w.FacilitatorTZ = a.TZ
		}
	}
	return w, nil
}

// steer checks that the actor may steer w (facilitator or admin) and that w
// is open.
func (e *Engine) steer(w *workshop.Workshop, a Actor, action string) error {
	if !w.IsFacilitator(a.ID) && !a.Admin {
		return problem("error.not_facilitator", "action", action, "facilitator", Mention(w.Facilitator))
	}
	if w.Closed() {
		return problem("error.closed", "id", w.ID)
	}
	return nil
}

func (e *Engine) answer(ctx context.Context, c *call, kind string, paras ...rich.Text) error {
	return e.tell(ctx, c.Channel, c.Actor.ID, c.lang, kind, paras...)
}

// tell sends an ephemeral answer to one user.
func (e *Engine) tell(ctx context.Context, channel, user, lang, kind string, paras ...rich.Text) error {
	return e.tellBlocks(ctx, channel, user, lang, kind, Paragraphs(paras...))
}

// tellBlocks sends an ephemeral answer made of blocks to one user.
func (e *Engine) tellBlocks(ctx context.Context, channel, user, lang, kind string, blocks []rich.Block) error {
	m := toOne(Message{Channel: channel, User: user, Kind: kind, Blocks: blocks, Lang: lang})
	if len(blocks) > 0 {
		m.Text = rich.PlainBlocks(blocks[:1])
	}
	if _, err := e.notify.Post(ctx, m); err != nil {
		return fmt.Errorf("answer %s: %w", user, err)
	}
	return nil
}

func (e *Engine) cmdHelp(ctx context.Context, c *call) error {
	lang := c.lang
	if list, err := e.store.List(ctx, c.Channel); err == nil {
		for _, s := range list {
			if !s.Closed {
				if m, err := e.store.LoadMeta(ctx, s.ID); err == nil {
					lang = m.Lang
				}
				break
			}
		}
	}
	return e.tell(ctx, c.Channel, c.Actor.ID, lang, KindHelp, e.Help(lang)...)
}

func (e *Engine) cmdStart(ctx context.Context, c *call) error {
	args, mapType, err := startType(c.args)
	if err != nil {
		return err
	}
	// A title is plain text: a person named in it is shown, not referred to.
	title := workshop.Names(nil).Text(strings.TrimSpace(strings.Join(args, " ")))
	if title == "" {
		return problem("error.start_no_title")
	}
	if n := utf8.RuneCountInString(title); n > MaxTitleLen {
		return problem("error.title_too_long", "max", MaxTitleLen, "len", n)
	}
	id, err := e.store.NewID(ctx)
	if err != nil {
		return fmt.Errorf("new workshop id: %w", err)
	}
	m := &workshop.Meta{
		ID:            id,
		Title:         title,
		Lang:          e.lang,
		Facilitator:   c.Actor.ID,
		FacilitatorTZ: c.Actor.TZ,
		Channel:       c.Channel,
		Step:          workshop.Goals,
		CreatedAt:     e.now().UTC(),
		Review:        workshop.Review{Cadence: workshop.CadenceOff},
	}
	if err := e.store.Create(ctx, m); err != nil {
		return fmt.Errorf("create workshop %s: %w", id, err)
	}
	c.lang = m.Lang
	w := &workshop.Workshop{Meta: *m}
	if mapType != "" {
		// The type chosen at start is the scope step's first input, as if
		// the facilitator had typed it there: the scope step can still
		// change it, and everything that reads the map type finds it.
		ts := e.newTS()
		in := workshop.Input{ID: "start:" + id, Step: workshop.Scope, Author: c.Actor.ID, Text: mapType, TS: ts, Version: ts,
			Source: workshop.SourceStart, Items: 1, MapType: mapType}
		if _, err := e.store.PutInput(ctx, id, in); err != nil {
			return fmt.Errorf("store the map type of %s: %w", id, err)
		}
		w.Inputs = append(w.Inputs, in)
	}
	ts, err := e.notify.Post(ctx, e.headerMessage(&w.Meta, factsOf(w, w.Map())))
	if err != nil {
		return fmt.Errorf("post header of %s: %w", id, err)
	}
	if _, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error { m.HeaderTS = ts; return nil }); err != nil {
		return fmt.Errorf("save header of %s: %w", id, err)
	}
	w.HeaderTS = ts
	return e.postStep(ctx, w, workshop.Goals)
}

// startType takes the map type out of start's arguments: `--type
// service-blueprint` anywhere after the title (a map type of several words,
// "--type journée type", runs to the end). "—type" counts too, since some
// Slack clients turn "--" into a dash.
func startType(args []string) (rest []string, mapType string, err error) {
	for i, a := range args {
		flag, value, hasValue := strings.Cut(a, "=")
		if flag != "--type" && flag != "—type" && flag != "-type" {
			continue
		}
		words := args[i+1:]
		if hasValue {
			words = append([]string{value}, words...)
		}
		got := strings.Join(words, " ")
		mt, ok := workshop.ParseMapType(got)
		if !ok {
			return nil, "", problem("error.start_type", "got", got, "types", strings.Join(workshop.MapTypes, ", "))
		}
		return args[:i], mt, nil
	}
	return args, "", nil
}

// postStep posts the top-level message of step, binds its thread so replies
// land in that step, and records it.
func (e *Engine) postStep(ctx context.Context, w *workshop.Workshop, step workshop.Step) error {
	var mp *workshop.Map
	if showsCoverage(step) || mapTyped(step) {
		mp = w.Map()
	}
	ts, err := e.notify.Post(ctx, e.stepMessage(&w.Meta, mp, step))
	if err != nil {
		return fmt.Errorf("post step %s of %s: %w", step, w.ID, err)
	}
	// Record the message before binding its thread: once a reply can land
	// in the thread, the workshop already knows the thread is the step's
	// (a next or a summary right after then finds it).
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.Messages = append(m.Messages, workshop.StepMessage{Step: step, TS: ts, Round: m.Round, At: e.now().UTC()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record step %s of %s: %w", step, w.ID, err)
	}
	ref := workshop.ThreadRef{Workshop: w.ID, Step: step, Round: meta.Round}
	if err := e.store.BindThread(ctx, w.Channel, ts, ref); err != nil {
		return fmt.Errorf("bind step %s of %s: %w", step, w.ID, err)
	}
	w.Meta = *meta
	return nil
}

// refreshHeader rewrites the header message with the workshop as it stands.
func (e *Engine) refreshHeader(ctx context.Context, w *workshop.Workshop, m *workshop.Map) {
	e.updateHeader(ctx, &w.Meta, factsOf(w, m))
}

// refreshMetaHeader is refreshHeaderOf for a command's workshop: a
// failure to read the totals is logged, as a failed header update is.
func (e *Engine) refreshMetaHeader(ctx context.Context, w *workshop.Workshop) {
	if err := e.refreshHeaderOf(ctx, &w.Meta); err != nil {
		e.log.WarnContext(ctx, "update header", "workshop", w.ID, "err", err)
	}
}

// updateHeader rewrites the header message of m.
func (e *Engine) updateHeader(ctx context.Context, m *workshop.Meta, f headerFacts) {
	if m.HeaderTS == "" {
		return
	}
	if err := e.notify.Update(ctx, m.Channel, m.HeaderTS, e.headerMessage(m, f)); err != nil {
		// The header is a convenience; the workshop goes on without it.
		e.log.WarnContext(ctx, "update header", "workshop", m.ID, "err", err)
	}
}

// RefreshHeader rewrites a workshop's header; adapters call it (debounced)
// after replies. At the test step it rewrites the step's message too, whose
// list of goals shows the verdicts given so far.
func (e *Engine) RefreshHeader(ctx context.Context, id string) error {
	m, c, err := workshop.MetaAndCounts(ctx, e.store, id)
	if err != nil {
		return err
	}
	if c.Known {
		e.updateHeader(ctx, m, factsOfCounts(c))
	} else if err := e.refreshHeaderOf(ctx, m); err != nil {
		return err
	}
	return e.refreshCoverage(ctx, m)
}

// refreshHeaderOf rewrites the header of m from the store's totals: two
// small reads whatever the workshop's size; only a workshop stored before
// totals were kept is loaded whole.
func (e *Engine) refreshHeaderOf(ctx context.Context, m *workshop.Meta) error {
	c, err := e.store.Counts(ctx, m.ID)
	if err != nil {
		return err
	}
	if c.Known {
		e.updateHeader(ctx, m, factsOfCounts(c))
		return nil
	}
	w, err := e.store.Load(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", m.ID, err)
	}
	w.Meta = *m
	e.refreshHeader(ctx, w, w.Map())
	return nil
}

func (e *Engine) cmdStatus(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	return e.tellBlocks(ctx, c.Channel, c.Actor.ID, w.Lang, KindAnswer, e.statusBlocks(w, w.Map()))
}

func (e *Engine) cmdNext(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	force := len(c.args) > 0 && e.keywords[strings.ToLower(c.args[0])] == "force"
	return e.Next(ctx, w, c.Actor, force)
}

// Next closes the current step of w and opens the following one. The Next
// step button and `/journey next` both land here.
func (e *Engine) Next(ctx context.Context, w *workshop.Workshop, a Actor, force bool) error {
	if err := e.steer(w, a, e.T(w.Lang, "action.next")); err != nil {
		return err
	}
	from := w.Step
	if from == workshop.Iterate {
		return problem("error.last_step", "id", w.ID)
	}
	m := w.Map()
	if from == workshop.Test && !force {
		if err := e.unansweredProblem(w, m); err != nil {
			return err
		}
	}
	if m.Count(from) == 0 && !force {
		return problem("error.step_empty", "step", e.stepName(w.Lang, from), "id", w.ID)
	}
	return e.move(ctx, w, m, from, from+1, true)
}

// move switches w from step `from` to `to`, unless someone moved it
// meanwhile. closing posts the summary of `from` in its thread first.
func (e *Engine) move(ctx context.Context, w *workshop.Workshop, m *workshop.Map, from, to workshop.Step, closing bool) error {
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(cur *workshop.Meta) error {
		if cur.Step != from {
			return problem("error.moved_meanwhile", "step", e.stepName(cur.Lang, cur.Step))
		}
		if cur.Closed() {
			return workshop.ErrClosed
		}
		cur.Step = to
		cur.SetDeadline(plannedDeadline(cur, to, e.now()), e.now())
		cur.Extended = false
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	if closing {
		if ts := w.StepTS(from); ts != "" {
			sum := e.stepSummaryMessage(w, m, from)
			sum.ThreadTS = ts
			if _, err := e.notify.Post(ctx, sum); err != nil {
				e.log.WarnContext(ctx, "post step summary", "workshop", w.ID, "step", from, "err", err)
			}
		}
		if from == workshop.Touchpoints {
			e.postChart(ctx, w, m, w.StepTS(from))
		}
	}
	if err := e.postStep(ctx, w, to); err != nil {
		return err
	}
	e.refreshHeader(ctx, w, m)
	return nil
}

func (e *Engine) cmdBack(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	if err := e.steer(w, c.Actor, e.T(w.Lang, "action.back")); err != nil {
		return err
	}
	if w.Step == workshop.Goals {
		return problem("error.first_step")
	}
	return e.move(ctx, w, w.Map(), w.Step, w.Step-1, false)
}

func (e *Engine) cmdGoto(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	if err := e.steer(w, c.Actor, e.T(w.Lang, "action.goto")); err != nil {
		return err
	}
	if len(c.args) == 0 {
		return problem("error.goto_which", "steps", e.stepList(w.Lang))
	}
	to, ok := workshop.ParseStep(strings.Join(c.args, "-"))
	if !ok {
		return problem("error.goto_unknown", "got", UserText(strings.Join(c.args, " ")), "steps", e.stepList(w.Lang))
	}
	if to == w.Step {
		return problem("error.goto_current", "step", e.stepName(w.Lang, to))
	}
	return e.move(ctx, w, w.Map(), w.Step, to, false)
}

func (e *Engine) cmdSummary(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	return e.PostSummary(ctx, w)
}

// PostSummary posts the whole map so far in the workshop's channel.
func (e *Engine) PostSummary(ctx context.Context, w *workshop.Workshop) error {
	if _, err := e.notify.Post(ctx, e.summaryMessage(w, w.Map())); err != nil {
		return fmt.Errorf("post summary of %s: %w", w.ID, err)
	}
	return nil
}

func (e *Engine) cmdScore(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	if len(c.args) != 2 {
		return problem("error.score_usage")
	}
	n, ok := workshop.ParseTouchpointRef(c.args[0])
	if !ok {
		return problem("error.score_usage")
	}
	v, ok := workshop.ParseEmotion(c.args[1])
	if !ok {
		return problem("error.score_emotion", "got", UserText(c.args[1]))
	}
	return e.Score(ctx, w, c.Actor, map[int]int{n: v})
}

// Score records the actor's scores (touchpoint number -> emotion) and
// answers them with the team's new means.
func (e *Engine) Score(ctx context.Context, w *workshop.Workshop, a Actor, scores map[int]int) error {
	if w.Closed() {
		return workshop.ErrClosed
	}
	m := w.Map()
	if len(m.Touchpoints) == 0 {
		return problem("error.no_touchpoints")
	}
	var lines []rich.Text
	for _, n := range sortedKeys(scores) {
		t, ok := m.Touchpoint(n)
		if !ok {
			return problem("error.score_unknown", "got", fmt.Sprintf("T%d", n), "count", len(m.Touchpoints))
		}
		// The anonymous author of a touchpoint scores it under its author
		// key, which replaces their own emotion.
		s := workshop.Score{Touchpoint: t.Key, User: t.ScoreUser(w.Secret, a.ID), Value: scores[n], Round: w.Round, At: e.now().UTC()}
		if err := e.store.PutScore(ctx, w.ID, s); err != nil {
			return fmt.Errorf("score %s of %s: %w", t.ID, w.ID, err)
		}
		if s.User != a.ID {
			t.Scores[workshop.AnonymousScorer] = scores[n]
		} else {
			t.Scores[a.ID] = scores[n]
		}
		lines = append(lines, e.R(w.Lang, "score.saved", "id", t.ID, "name", UserText(t.Name),
			"face", workshop.Emoji(float64(scores[n])), "value", e.score(w.Lang, float64(scores[n])),
			"mean", e.score(w.Lang, t.Mean()), "count", len(t.Scores)))
	}
	return e.tell(ctx, w.Channel, a.ID, w.Lang, KindAnswer, rich.Join(lines, "\n"))
}

func (e *Engine) cmdFacilitator(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	if err := e.steer(w, c.Actor, e.T(w.Lang, "action.facilitator")); err != nil {
		return err
	}
	if len(c.args) != 1 {
		return problem("error.facilitator_usage")
	}
	to, ok := ParseUser(c.args[0])
	if !ok {
		return problem("error.facilitator_usage")
	}
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.Facilitator = to
		m.FacilitatorTZ = ""
		return nil
	})
	if err != nil {
		return fmt.Errorf("hand over %s: %w", w.ID, err)
	}
	w.Meta = *meta
	e.refreshMetaHeader(ctx, w)
	return e.announce(ctx, w, e.R(w.Lang, "facilitator.handed", "from", Mention(c.Actor.ID), "to", Mention(to), "title", UserText(w.Title)))
}

// SetFacilitatorTZ records the facilitator's time zone once an adapter has
// looked it up; reviews are scheduled in it.
func (e *Engine) SetFacilitatorTZ(ctx context.Context, id, user, tz string) error {
	_, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		if m.Facilitator != user || m.FacilitatorTZ == tz {
			return errUnchanged
		}
		m.FacilitatorTZ = tz
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

var errUnchanged = errors.New("unchanged")

var userRef = regexp.MustCompile(`^<@([A-Z0-9]+)(?:\|[^>]*)?>$`)

// ParseUser reads a user as Slack sends a mention (<@U123|name>) or as the
// console types it (@name).
func ParseUser(s string) (string, bool) {
	if m := userRef.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	if name, ok := strings.CutPrefix(s, "@"); ok && name != "" && !strings.ContainsAny(name, "<>&| ") {
		return name, true
	}
	return "", false
}

func (e *Engine) cmdLang(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	if err := e.steer(w, c.Actor, e.T(w.Lang, "action.lang")); err != nil {
		return err
	}
	if len(c.args) != 1 || !workshop.ValidLang(strings.ToLower(c.args[0])) {
		return problem("error.lang_usage")
	}
	lang := strings.ToLower(c.args[0])
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error { m.Lang = lang; return nil })
	if err != nil {
		return fmt.Errorf("set language of %s: %w", w.ID, err)
	}
	w.Meta = *meta
	c.lang = lang
	e.refreshMetaHeader(ctx, w)
	return e.announce(ctx, w, e.R(lang, "lang.set"))
}

func (e *Engine) cmdList(ctx context.Context, c *call) error {
	list, err := e.store.List(ctx, c.Channel)
	if err != nil {
		return fmt.Errorf("list workshops of %s: %w", c.Channel, err)
	}
	if len(list) == 0 {
		return e.answer(ctx, c, KindAnswer, e.R(c.lang, "list.empty"))
	}
	lines := []rich.Text{e.R(c.lang, "list.title", "count", len(list))}
	for _, s := range list {
		key := "list.open"
		if s.Closed {
			key = "list.closed"
		}
		lines = append(lines, e.R(c.lang, key, "id", s.ID, "title", UserText(s.Title), "step", e.stepName(c.lang, s.Step), "n", int(s.Step)))
	}
	return e.answer(ctx, c, KindAnswer, rich.Join(lines, "\n"))
}

func (e *Engine) cmdClose(ctx context.Context, c *call) error {
	w, err := e.workshop(ctx, c)
	if err != nil {
		return err
	}
	if err := e.steer(w, c.Actor, e.T(w.Lang, "action.close")); err != nil {
		return err
	}
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		if m.Closed() {
			return workshop.ErrClosed
		}
		m.ClosedAt = e.now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	m := w.Map()
	e.refreshHeader(ctx, w, m)
	// Closing ends the iterate step: the matrix of the changes, as the
	// team rated them, goes in its thread.
	e.postMatrix(ctx, w, m)
	key := "close.done"
	if w.Review.Active() {
		key = "close.done_reviews"
	}
	return e.announce(ctx, w, e.R(w.Lang, key, "title", UserText(w.Title), "id", w.ID))
}

// announce posts a short notice to the workshop's channel.
func (e *Engine) announce(ctx context.Context, w *workshop.Workshop, text rich.Text) error {
	msg := Message{Channel: w.Channel, Kind: KindNotice, Blocks: Paragraphs(text), Text: text.String(), Workshop: w.ID, Lang: w.Lang}
	if _, err := e.notify.Post(ctx, msg); err != nil {
		return fmt.Errorf("announce in %s: %w", w.Channel, err)
	}
	return nil
}

// Help returns the help text in lang, for adapters that show it outside a
// channel (the console's banner).
func (e *Engine) Help(lang string) []rich.Text {
	return []rich.Text{e.R(lang, "help.intro"), e.R(lang, "help.commands"), e.R(lang, "help.steps")}
}

// Press handles a click on a bot message's button (Next step, Summary, and
// the review reminder's Start review, Snooze a week, Stop reminders). The
// Add and Score buttons open forms, which adapters build themselves. A
// click from no channel (the app's home) is answered in a direct message.
func (e *Engine) Press(ctx context.Context, channel string, a Actor, actionID, value string) error {
	id, _ := ParseActionValue(value)
	w, err := workshop.Open(ctx, e.store, id)
	lang := e.lang
	if err == nil {
		lang = w.Lang
		switch actionID {
		case ActionNext:
			err = e.Next(ctx, w, a, false)
		case ActionSummary:
			err = e.PostSummary(ctx, w)
		case ActionRemindAgain:
			err = e.remindAgain(ctx, w, a)
		case ActionExtend:
			_, step := ParseActionValue(value)
			err = e.extend(ctx, w, a, step)
		case ActionReviewStart, ActionReviewSnooze, ActionReviewStop:
			err = e.pressReview(ctx, w, a, actionID, value)
		default:
			err = problem("error.unknown_action")
		}
	}
	if errors.Is(err, workshop.ErrNotFound) {
		err = problem("error.unknown_workshop", "id", UserText(id))
	}
	if err != nil {
		return e.answerError(ctx, channel, a, lang, err)
	}
	return nil
}

// SaveScores records scores given through a form (touchpoint number ->
// emotion) and answers the actor.
func (e *Engine) SaveScores(ctx context.Context, id string, a Actor, scores map[int]int) error {
	w, err := workshop.Open(ctx, e.store, id)
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", id, err)
	}
	if len(scores) == 0 {
		return e.tell(ctx, w.Channel, a.ID, w.Lang, KindAnswer, e.R(w.Lang, "score.none"))
	}
	if err := e.Score(ctx, w, a, scores); err != nil {
		return e.answerError(ctx, w.Channel, a, w.Lang, err)
	}
	return nil
}

// Tell answers one user in a workshop's language: adapters use it for what
// they check themselves (a form that cannot open).
func (e *Engine) Tell(ctx context.Context, channel, user, lang, key string, args ...any) error {
	return e.tell(ctx, channel, user, lang, KindError, e.R(lang, key, args...))
}
