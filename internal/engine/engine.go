// Package engine runs workshops: it takes commands, thread replies and form
// submissions from any chat adapter (Slack, the console), applies them to the
// store, and says what the bot answers through a Notifier, as
// platform-neutral messages. It imports no Slack, Redis or chart code.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// Message is something the bot says, in a shape every adapter can render:
// Slack turns it into Block Kit, the console into terminal text. Its text
// is rich text (internal/rich): spans and blocks with no platform's markup,
// in which what users typed is always plain; each adapter escapes it once.
type Message struct {
	Channel string
	// ThreadTS puts the message in a thread; empty for a top-level message.
	ThreadTS string
	// Ephemeral messages are shown to User only.
	Ephemeral bool
	// Direct messages go to User alone, in a direct message (Channel
	// names the workshop's channel they are about).
	Direct bool
	User   string
	// Kind names what the message is ("header", "step", "summary",
	// "answer", "error", ...), for adapters that style or route by kind.
	Kind string
	// Title is the message's heading, plain text.
	Title string
	// Blocks are the body.
	Blocks []rich.Block
	// Context is the small print under the body, items side by side.
	Context []rich.Text
	// Actions are the buttons under the message.
	Actions []Action
	// Text is the plain notification text (Slack's fallback).
	Text string
	// Overflow is said at the end when an adapter must shorten the message
	// to fit its platform's limits.
	Overflow rich.Text
	// Workshop and Step say what the message is about, for adapters that
	// attach metadata.
	Workshop string
	Step     workshop.Step
	// Lang is the language the message is written in, for adapters that
	// add words of their own (the console's labels).
	Lang string
}

// Plain is the whole message as plain text, with no markup: title, body and
// context, a line each.
func (m Message) Plain() string {
	var parts []string
	if m.Title != "" {
		parts = append(parts, m.Title)
	}
	if len(m.Blocks) > 0 {
		parts = append(parts, rich.PlainBlocks(m.Blocks))
	}
	for _, c := range m.Context {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, "\n")
}

// Paragraphs makes a body of paragraphs.
func Paragraphs(texts ...rich.Text) []rich.Block {
	out := make([]rich.Block, 0, len(texts))
	for _, t := range texts {
		out = append(out, rich.Para(t))
	}
	return out
}

// Message kinds.
const (
	KindHeader   = "header"
	KindStep     = "step"
	KindSummary  = "summary"
	KindAnswer   = "answer"
	KindError    = "error"
	KindHelp     = "help"
	KindNotice   = "notice"
	KindReminder = "reminder"
	KindDigest   = "digest"
	KindNudge    = "nudge"
	KindHome     = "home"
)

// Action is a button under a message. ID says what it does; Value carries
// the workshop and step it applies to ("W3 touchpoints").
type Action struct {
	ID    string
	Label string
	Value string
	Style string // "primary", "danger" or ""
	// Command is the command that does the same ("next W3"), for surfaces
	// without buttons; empty when a plain reply does (Add).
	Command string
	// Thread, when set, makes the button a link to that thread (the
	// platform knows its address).
	Thread *ThreadLink
	// URL is the link a link button opens; adapters set it from Thread.
	URL string
	// Confirm, when set, asks before the button acts (a deletion).
	Confirm *Confirm
}

// Confirm is the question a button asks before it acts, plain text.
type Confirm struct {
	Title, Text, Yes, No string
}

// ThreadLink names a thread: its channel and the timestamp of its message.
type ThreadLink struct {
	Channel, TS string
}

// Action IDs.
const (
	ActionAdd     = "add"
	ActionScore   = "score"
	ActionNext    = "next"
	ActionSummary = "summary"
	// ActionLanes and ActionEmpathy open the forms a map type adds to the
	// resources step (see FormKinds).
	ActionLanes   = "add_lanes"
	ActionEmpathy = "add_empathy"
)

// kindAction is the button of each form kind.
var kindAction = map[string]string{FormLanes: ActionLanes, FormEmpathy: ActionEmpathy}

// ActionKind is the form kind a button opens ("" for none).
func ActionKind(action string) string {
	for k, a := range kindAction {
		if a == action {
			return k
		}
	}
	return ""
}

// File is a file the bot uploads: a chart or an export.
type File struct {
	Channel  string
	ThreadTS string
	Name     string
	Title    string
	AltText  string
	// Comment is said with the file.
	Comment rich.Text
	// Lang is the language of the file's title and comment.
	Lang     string
	Data     []byte
	Workshop string
}

// Notifier delivers what the bot says. The Slack adapter posts through the
// Web API; the console prints.
type Notifier interface {
	// Post posts a message and returns its timestamp ("" for ephemeral
	// messages, which have none that can be threaded on).
	Post(ctx context.Context, m Message) (string, error)
	// Update replaces the message at ts.
	Update(ctx context.Context, channel, ts string, m Message) error
	// React adds an emoji reaction (a name such as "white_check_mark").
	React(ctx context.Context, channel, ts, emoji string) error
	// Upload shares a file in a channel or thread.
	Upload(ctx context.Context, f File) error
}

// FileSharer is a Notifier that can say where a file it shared is: the
// platform's address for it (a permalink), "" when it cannot tell. The
// engine keeps the latest emotion curve's, which the canvas links to; a
// notifier without it (the console) just uploads.
type FileSharer interface {
	Share(ctx context.Context, f File) (string, error)
}

// Actor is the person behind a command, reply or click.
type Actor struct {
	ID    string
	Name  string
	Admin bool   // a workspace admin may steer any workshop
	TZ    string // IANA zone, when the platform knows it
}

// Store is what the engine needs of a store: the workshops, the threads
// that collect their input, and the names of the people inputs mention.
type Store interface {
	workshop.Workshops
	workshop.Threads
	Names(ctx context.Context, ids []string) (workshop.Names, error)
}

// Config holds an engine's dependencies.
type Config struct {
	Store    Store
	Notifier Notifier
	Catalog  *prompts.Catalog
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DefaultLang is the language of new workshops and of answers given
	// outside any workshop.
	DefaultLang string
	Logger      *slog.Logger
	// Schedules reads review schedules (internal/review's, with cron);
	// without it, review commands answer that reviews are not available.
	Schedules workshop.Schedules
	// Charts renders the emotion curve; without it, chart commands answer
	// that charts are unavailable.
	Charts ChartRenderer
	// PDFs draws the PDF export; without it, `export pdf` answers that
	// PDFs are unavailable.
	PDFs PDFRenderer
	// DefaultTZ is the zone reviews are scheduled in when the facilitator's
	// is unknown (DEFAULT_TZ); UTC when nil.
	DefaultTZ *time.Location
	// Directory lists a channel's members, for nudges; without it, no one
	// is nudged.
	Directory Directory
	// ReviewMinInterval is the shortest gap a custom review schedule may
	// have (REVIEW_MIN_INTERVAL); 24h when zero.
	ReviewMinInterval time.Duration
	// Changed, when set, is told the id of a workshop after every write
	// that changes what the workshop shows on a person's home (see Home)
	// or in its canvas (see CanvasOf):
	// a new workshop, an input stored, edited or removed, a score, the
	// step moved, a deadline or plan set, the language or facilitator
	// changed, the workshop closed, a review scheduled, a vote closed, the
	// canvas turned on or off. It is called on the path that
	// acknowledges the platform, so it must return at once; adapters
	// schedule their refresh from it.
	Changed func(id string)
}

// Engine applies commands, replies and forms to workshops.
type Engine struct {
	store     Store
	notify    Notifier
	cat       *prompts.Catalog
	now       func() time.Time
	lang      string
	log       *slog.Logger
	charts    ChartRenderer
	pdfs      PDFRenderer
	schedules workshop.Schedules
	clock     *tsClock

	defaultTZ   *time.Location
	minInterval time.Duration
	// keywords maps every word a command takes, in every language, to its
	// catalog key ("mensuel" → "monthly"); see prompts' [keyword].
	keywords  map[string]string
	directory Directory
}

// tsClock hands out strictly increasing timestamps; engines made by
// WithNotifier share it.
type tsClock struct {
	mu   sync.Mutex
	last time.Time
}

// New returns an engine.
func New(cfg Config) *Engine {
	e := &Engine{
		store:  cfg.Store,
		notify: cfg.Notifier,
		cat:    cfg.Catalog,
		now:    cfg.Now,
		lang:   cfg.DefaultLang,
		log:    cfg.Logger,
		charts: cfg.Charts, pdfs: cfg.PDFs, schedules: cfg.Schedules, directory: cfg.Directory,
		clock: &tsClock{},

		defaultTZ:   cfg.DefaultTZ,
		minInterval: cfg.ReviewMinInterval,
	}
	if e.defaultTZ == nil {
		e.defaultTZ = time.UTC
	}
	if e.minInterval <= 0 {
		e.minInterval = 24 * time.Hour
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.cat == nil {
		e.cat = prompts.MustLoad()
	}
	e.keywords = map[string]string{}
	for _, lang := range prompts.Languages {
		for _, key := range e.cat.Keys(lang) {
			if name, ok := strings.CutPrefix(key, "keyword."); ok {
				for _, w := range strings.Fields(e.cat.T(lang, key)) {
					e.keywords[strings.ToLower(w)] = name
				}
			}
		}
	}
	if e.schedules == nil {
		panic("engine: Config.Schedules is required (review.Schedules{})")
	}
	if cfg.Changed != nil {
		e.store = watchedStore{Store: e.store, changed: cfg.Changed}
	}
	if !workshop.ValidLang(e.lang) {
		e.lang = workshop.LangEN
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e
}

// Catalog returns the engine's sentences, for adapters that build forms.
func (e *Engine) Catalog() *prompts.Catalog { return e.cat }

// DefaultLang is the language used outside any workshop.
func (e *Engine) DefaultLang() string { return e.lang }

// T looks a sentence up in lang, as plain words (for labels and titles).
func (e *Engine) T(lang, key string, args ...any) string { return e.cat.T(lang, key, args...) }

// R looks a sentence up in lang as rich text, for message bodies.
func (e *Engine) R(lang, key string, args ...any) rich.Text { return e.cat.Text(lang, key, args...) }

// Problem is an error the user caused and can fix: a sentence key and its
// arguments. It is answered to the user alone and never logged as a fault.
type Problem struct {
	Key  string
	Args []any
}

func (p *Problem) Error() string { return "problem: " + p.Key }

func problem(key string, args ...any) error { return &Problem{Key: key, Args: args} }

// answerError turns an error into what the user is told, in one place: a
// Problem or a domain sentinel becomes a specific sentence; anything else is
// an internal error, logged with its chain, and the user is told only that
// something went wrong. It returns the error to give back to the adapter
// (nil when the user was at fault).
func (e *Engine) answerError(ctx context.Context, channel string, a Actor, lang string, err error) error {
	key, args, internal := explain(err)
	if internal != nil {
		e.log.ErrorContext(ctx, "command failed", "channel", channel, "user", a.ID, "err", internal)
	}
	body := e.R(lang, key, args...)
	msg := toOne(Message{Channel: channel, User: a.ID, Kind: KindError, Blocks: Paragraphs(body), Text: body.String(), Lang: lang})
	if _, perr := e.notify.Post(ctx, msg); perr != nil {
		e.log.ErrorContext(ctx, "answer error", "channel", channel, "err", perr)
		if internal == nil {
			internal = perr
		}
	}
	return internal
}

// explain says what the user is told of err: the sentence of a Problem or
// of a domain sentinel, or, for anything else, that something went wrong,
// with err returned as internal.
func explain(err error) (key string, args []any, internal error) {
	var p *Problem
	switch {
	case errors.As(err, &p):
		return p.Key, p.Args, nil
	case errors.Is(err, workshop.ErrNotFound):
		return "error.no_workshop", nil, nil
	case errors.Is(err, workshop.ErrClosed):
		return "error.closed", nil, nil
	case errors.Is(err, workshop.ErrConflict):
		return "error.conflict", nil, nil
	}
	return "error.internal", nil, err
}

// toOne makes m an answer for m.User alone: ephemeral in m.Channel, or a
// direct message when it answers what came from no channel (a button on the
// app's home tab), where an ephemeral message has nowhere to go.
func toOne(m Message) Message {
	if m.Channel == "" {
		m.Direct = true
	} else {
		m.Ephemeral = true
	}
	return m
}

// newTS returns a Slack-style timestamp for something the engine creates
// itself (a form submission, a score), strictly increasing in this process.
func (e *Engine) newTS() string {
	e.clock.mu.Lock()
	defer e.clock.mu.Unlock()
	t := e.now().Truncate(time.Microsecond)
	if !t.After(e.clock.last) {
		t = e.clock.last.Add(time.Microsecond)
	}
	e.clock.last = t
	return TS(t)
}

// WithNotifier returns an engine that shares everything with e but says
// things through n. Adapters use it with a Queue to store a reply before
// acknowledging the platform and deliver the answers after.
func (e *Engine) WithNotifier(n Notifier) *Engine {
	c := *e
	c.notify = n
	return &c
}

// Queue is a Notifier that keeps what it is told until Flush hands it to a
// real one. Posts through it get no timestamp, so it suits only work whose
// messages nothing threads on: replies and form submissions.
type Queue struct {
	mu    sync.Mutex
	calls []func(context.Context, Notifier) error
}

func (q *Queue) add(f func(context.Context, Notifier) error) {
	q.mu.Lock()
	q.calls = append(q.calls, f)
	q.mu.Unlock()
}

// Len reports how many deliveries are waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.calls)
}

// Post queues a post.
func (q *Queue) Post(_ context.Context, m Message) (string, error) {
	q.add(func(ctx context.Context, n Notifier) error { _, err := n.Post(ctx, m); return err })
	return "", nil
}

// Update queues an update.
func (q *Queue) Update(_ context.Context, channel, ts string, m Message) error {
	q.add(func(ctx context.Context, n Notifier) error { return n.Update(ctx, channel, ts, m) })
	return nil
}

// React queues a reaction.
func (q *Queue) React(_ context.Context, channel, ts, emoji string) error {
	q.add(func(ctx context.Context, n Notifier) error { return n.React(ctx, channel, ts, emoji) })
	return nil
}

// Upload queues an upload.
func (q *Queue) Upload(_ context.Context, f File) error {
	q.add(func(ctx context.Context, n Notifier) error { return n.Upload(ctx, f) })
	return nil
}

// Flush delivers everything queued, in order, through n, and returns the
// errors joined.
func (q *Queue) Flush(ctx context.Context, n Notifier) error {
	q.mu.Lock()
	calls := q.calls
	q.calls = nil
	q.mu.Unlock()
	var errs []error
	for _, c := range calls {
		errs = append(errs, c(ctx, n))
	}
	return errors.Join(errs...)
}

// TS formats t as a message timestamp: seconds, a dot, microseconds.
func TS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// UserText is text a person typed, placed in a message: plain, so it can
// never become markup, a mention or a link. A reference to a person in it is
// shown as a name, never made a mention: only an owner field names a person
// (see Owner).
func UserText(s string) rich.Text { return rich.Plain(UserString(s)) }

// UserString is UserText as a string, for plain-text fields (titles,
// notification text).
func UserString(s string) string { return workshop.Names(nil).Text(s) }

// Owner shows who owns an item. An owner named as a person (OwnerID) is a
// reference to them, carrying their display name for surfaces that cannot
// look it up; it is the only place where user input names a person. Any
// other owner is the name as typed.
func Owner(owner, id string) rich.Text {
	if id == "" {
		return UserText(owner)
	}
	label := strings.Map(func(r rune) rune {
		if strings.ContainsRune("<>|\n", r) {
			return -1
		}
		return r
	}, strings.TrimPrefix(owner, "@"))
	if label == id {
		label = ""
	}
	return rich.User(id, label)
}

// Mention refers to a user in a message.
func Mention(user string) rich.Text {
	if user == "" {
		return rich.Plain("?")
	}
	return rich.User(user, "")
}

// Mentions refers to several users, comma separated.
func Mentions(users []string) rich.Text {
	parts := make([]rich.Text, len(users))
	for i, u := range users {
		parts[i] = Mention(u)
	}
	return rich.Join(parts, ", ")
}

// soleKeyword is the keyword (on, off, force… in either language) the
// call's only argument names, or "" when it has none, or several.
func (e *Engine) soleKeyword(c *call) string {
	if len(c.args) != 1 {
		return ""
	}
	return e.keywords[strings.ToLower(c.args[0])]
}
