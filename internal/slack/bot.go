package slack

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Store is what the adapter reads and writes itself, beside the engine:
// workshops for its forms, claims that deduplicate events, and the names
// of the people replies mention.
type Store interface {
	workshop.Loader
	LoadMeta(ctx context.Context, id string) (*workshop.Meta, error)
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	PutName(ctx context.Context, id, name string, ttl time.Duration) error
}

// Config holds a Bot's dependencies.
type Config struct {
	Engine        *engine.Engine
	Store         Store
	API           API
	SigningSecret string
	// BotUserID is the bot's own user, whose messages are never input.
	BotUserID string
	Logger    *slog.Logger
	// HeaderDelay gathers the header updates that replies cause into one
	// chat.update per workshop per delay (default 5s).
	HeaderDelay time.Duration
	// Homes remembers who has opened the app's home (the store's role).
	// With it, a workshop that changes (WorkshopChanged) re-publishes the
	// homes that show it; without it, a home is published only when its
	// person opens it.
	Homes workshop.Homes
	// HomeDelay gathers the home updates that workshop changes cause: a
	// changed workshop is looked at once per delay, and a person's home
	// published at most once per delay (DefaultHomeDelay when zero).
	HomeDelay time.Duration
	// HomeTTL is how long a home is remembered after its person last
	// opened it (DefaultHomeTTL when zero).
	HomeTTL time.Duration
	// Canvases keeps each workshop's whole map in a canvas of its channel,
	// made at its first change and replaced whole after later ones (see
	// canvas.go); off, no canvas is made or edited.
	Canvases bool
	// CanvasDelay is the least time between two updates of one workshop's
	// canvas (DefaultCanvasDelay when zero).
	CanvasDelay time.Duration
	// TaskTimeout bounds work done after an acknowledgement (default 1m).
	TaskTimeout time.Duration
	// DedupeTTL is how long an event id is remembered (default 1h; Slack
	// retries for about 5 minutes).
	DedupeTTL time.Duration
	// Observe, when set, is told what became of every request (route and
	// outcome), for metrics.
	Observe func(route, outcome string)
	// Panicked, when set, is told the task of every panic recovered, for
	// metrics.
	Panicked func(task string)
}

// Bot turns Slack requests into engine calls. It is safe for concurrent use;
// all state that matters lives in the store, so any number of Bots (in any
// number of processes) can serve one workspace.
type Bot struct {
	eng      *engine.Engine
	notify   *Notifier
	store    Store
	secret   string
	botUser  string
	log      *slog.Logger
	delay    time.Duration
	timeout  time.Duration
	dedupe   time.Duration
	observe  func(route, outcome string)
	panicked func(task string)
	users    userCache
	tasks    sync.WaitGroup
	mu       sync.Mutex
	headers  map[string]*time.Timer
	// Homes (see home.go): the workshops whose homes are to be looked at,
	// each person's publication waiting for its turn, and the slots that
	// bound how many are published at once.
	homes     workshop.Homes
	homeDelay time.Duration
	homeTTL   time.Duration
	changed   map[string]*time.Timer
	homeUsers map[string]*homeUser
	homeSlots chan struct{}
	// Canvases (see canvas.go): on or off, how often each may be edited,
	// and each workshop's update waiting or under way.
	canvases    bool
	canvasDelay time.Duration
	canvasJobs  map[string]*canvasJob
	// learned remembers when this process last cached each name, so a busy
	// thread does not read the store for its author on every reply.
	learned  map[string]time.Time
	draining bool
}

// New returns a Bot. The engine must post through a Notifier on the same
// API (see NewNotifier).
func New(cfg Config) *Bot {
	b := &Bot{
		eng: cfg.Engine, notify: &Notifier{API: cfg.API}, store: cfg.Store,
		secret: cfg.SigningSecret, botUser: cfg.BotUserID, log: cfg.Logger,
		delay: cfg.HeaderDelay, timeout: cfg.TaskTimeout, dedupe: cfg.DedupeTTL, observe: cfg.Observe, panicked: cfg.Panicked,
		headers: map[string]*time.Timer{},
		homes:   cfg.Homes, homeDelay: cfg.HomeDelay, homeTTL: cfg.HomeTTL,
		changed: map[string]*time.Timer{}, homeUsers: map[string]*homeUser{}, homeSlots: make(chan struct{}, homeWorkers),
		canvases: cfg.Canvases, canvasDelay: cfg.CanvasDelay, canvasJobs: map[string]*canvasJob{},
	}
	b.users.api = cfg.API
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.delay <= 0 {
		b.delay = 5 * time.Second
	}
	if b.timeout <= 0 {
		b.timeout = time.Minute
	}
	if b.dedupe <= 0 {
		b.dedupe = time.Hour
	}
	if b.homeDelay <= 0 {
		b.homeDelay = DefaultHomeDelay
	}
	if b.canvasDelay <= 0 {
		b.canvasDelay = DefaultCanvasDelay
	}
	if b.homeTTL <= 0 {
		b.homeTTL = DefaultHomeTTL
	}
	if b.observe == nil {
		b.observe = func(string, string) {}
	}
	if b.panicked == nil {
		b.panicked = func(string) {}
	}
	return b
}

type eventIDKey struct{}

// withEventID tags ctx with the id of what Slack sent (event id, view id,
// trigger id), so logs of the work it causes, panics included, name it.
func withEventID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, eventIDKey{}, id)
}

func eventID(ctx context.Context) string {
	id, _ := ctx.Value(eventIDKey{}).(string)
	return id
}

// spawn runs work after an acknowledgement, tracked so Shutdown waits for
// it, under its own deadline: parent lends its values (the event id), not
// its end, since a request's context ends with the response. Once Shutdown
// has begun nothing new starts: the work is refused, and logged.
func (b *Bot) spawn(parent context.Context, name string, f func(ctx context.Context) error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draining {
		b.log.ErrorContext(parent, "work refused: shutting down", "task", name, "event_id", eventID(parent))
		return
	}
	b.start(parent, name, f)
}

// start runs f in a tracked goroutine that survives a panic.
func (b *Bot) start(parent context.Context, name string, f func(ctx context.Context) error) {
	b.tasks.Add(1)
	go func() {
		defer b.tasks.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), b.timeout)
		defer cancel()
		defer b.recover(ctx, name)
		if err := f(ctx); err != nil {
			b.log.ErrorContext(ctx, "background work failed", "task", name, "event_id", eventID(ctx), "err", err)
		}
	}()
}

// recover stops a panic from taking the process (and every workspace user)
// down with it: it is logged with what caused it and counted, and each
// of then runs (an HTTP handler answers 500). Call it deferred.
func (b *Bot) recover(ctx context.Context, task string, then ...func()) {
	r := recover()
	if r == nil {
		return
	}
	b.log.ErrorContext(ctx, "panic recovered", "task", task, "event_id", eventID(ctx), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	b.panicked(task)
	for _, f := range then {
		f()
	}
}

// Shutdown flushes pending header, home and canvas updates and waits for work in
// flight, until ctx ends. Call it once nothing delivers requests any more (the HTTP
// server is shut down, the Socket Mode loop has returned).
func (b *Bot) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.draining = true
	pending := make([]string, 0, len(b.headers))
	for id, t := range b.headers {
		if t.Stop() {
			// The timer will not fire: release its slot, refresh now.
			b.tasks.Done()
			pending = append(pending, id)
		}
	}
	b.headers = map[string]*time.Timer{}
	for _, id := range pending {
		b.start(ctx, "header", func(ctx context.Context) error { return b.eng.RefreshHeader(ctx, id) })
	}
	b.flushHomesLocked(ctx)
	b.flushCanvasesLocked(ctx)
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.tasks.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("slack bot shutdown: %w", ctx.Err())
	}
}

// touch schedules one header refresh for a workshop that received input, so
// a burst of replies costs one chat.update rather than one per reply.
func (b *Bot) touch(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.headers[id]; ok || b.draining {
		return
	}
	b.tasks.Add(1) // the timer is work in flight until it fires or is flushed
	b.headers[id] = time.AfterFunc(b.delay, func() {
		defer b.tasks.Done()
		b.mu.Lock()
		delete(b.headers, id)
		b.mu.Unlock()
		b.timed("refresh header", func(ctx context.Context) error { return b.eng.RefreshHeader(ctx, id) }, "workshop", id)
	})
}

// timed runs the work of a timer that fired, under its own deadline, a
// panic recovered and a failure logged with args (a timer has nobody to
// tell).
func (b *Bot) timed(task string, f func(ctx context.Context) error, args ...any) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	defer b.recover(ctx, task)
	if err := f(ctx); err != nil {
		b.log.WarnContext(ctx, task, append(args, "err", err)...)
	}
}

// envelope is the outer shape of an Events API request (HTTP body or Socket
// Mode payload). It is decoded by hand so an inner event type that slack-go
// does not know is ignored rather than an error Slack would retry.
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

type message struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	Channel  string `json:"channel"`
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Edited   *struct {
		TS string `json:"ts"`
	} `json:"edited"`
	Message         *message `json:"message"`
	PreviousMessage *message `json:"previous_message"`
	DeletedTS       string   `json:"deleted_ts"`
	// Tab is the tab of an app_home_opened event ("home", "messages").
	Tab string `json:"tab"`
}

// AckTimeout bounds the work done before acknowledging an event (the
// store lookups and the write): Slack wants an answer within 3 seconds, and
// a late 200 is worse than a 503 it will retry.
const AckTimeout = 2 * time.Second

// Event outcomes, for logs and metrics.
const (
	outAccepted  = "accepted"
	outDuplicate = "duplicate"
	outIgnored   = "ignored"
	outRejected  = "rejected"
	outError     = "error"
)

// onEvent applies one event_callback. Input is stored before it returns, so
// the caller acknowledges Slack only for work done; an error means "retry".
func (b *Bot) onEvent(ctx context.Context, env envelope) (string, error) {
	ctx, cancel := context.WithTimeout(withEventID(ctx, env.EventID), AckTimeout)
	defer cancel()
	var ev message
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return outIgnored, nil // not a shape we act on; a retry would not help
	}
	if ev.Type == "app_home_opened" {
		if ev.Tab != "home" || ev.User == "" {
			return outIgnored, nil
		}
		user := ev.User
		b.spawn(ctx, "publish home", func(ctx context.Context) error { return b.openedHome(ctx, user) })
		return outAccepted, nil
	}
	if ev.Type != "message" {
		return outIgnored, nil
	}
	r := engine.Reply{Channel: ev.Channel, Source: workshop.SourceThread}
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
		r.TS, r.ThreadTS, r.Author, r.Text = ev.TS, ev.ThreadTS, ev.User, ev.Text
		if ev.BotID != "" {
			return outIgnored, nil
		}
	case "message_changed":
		m := ev.Message
		if m == nil || m.Edited == nil || m.BotID != "" {
			// Unfurls and bot edits also arrive as message_changed.
			return outIgnored, nil
		}
		r.TS, r.ThreadTS, r.Author, r.Text, r.EditedTS = m.TS, m.ThreadTS, m.User, m.Text, m.Edited.TS
	case "message_deleted":
		prev := ev.PreviousMessage
		if prev == nil || prev.ThreadTS == "" {
			return outIgnored, nil
		}
		ok, ref, err := b.eng.Delete(ctx, ev.Channel, prev.ThreadTS, ev.DeletedTS)
		if err != nil {
			return outError, err
		}
		if ok {
			b.touch(ref.Workshop)
			return outAccepted, nil
		}
		return outIgnored, nil
	default:
		return outIgnored, nil
	}
	if r.Author == "" || r.Author == b.botUser {
		return outIgnored, nil
	}
	// Slack escapes &, < and > in message text and adds its markup; the
	// store keeps what was typed.
	r.Text = FromSlack(r.Text)
	q := &engine.Queue{}
	out, ref, err := b.eng.WithNotifier(q).Reply(ctx, r)
	if err != nil {
		return outError, err
	}
	switch out {
	case engine.Stored:
		b.learnNames(ctx, r.Text, r.Author)
		b.touch(ref.Workshop)
		b.spawn(ctx, "deliver reply", func(ctx context.Context) error { return q.Flush(ctx, b.notify) })
		return outAccepted, nil
	case engine.Rejected:
		// A retried delivery of a rejected reply must not repeat the
		// explanation: the event id says whether this is the first.
		b.spawn(ctx, "explain rejection", func(ctx context.Context) error {
			if env.EventID != "" {
				first, err := b.store.Claim(ctx, "event:"+env.EventID, b.dedupe)
				if err != nil || !first {
					return err
				}
			}
			return q.Flush(ctx, b.notify)
		})
		return outRejected, nil
	case engine.Duplicate:
		return outDuplicate, nil
	}
	return outIgnored, nil
}

// onCommand runs a slash command after it was acknowledged, and says
// whether it will.
func (b *Bot) onCommand(cmd goslack.SlashCommand) string {
	if cmd.UserID == "" || cmd.ChannelID == "" {
		// Not a command anyone typed: answering it would call Slack with
		// empty ids.
		return outIgnored
	}
	b.spawn(withEventID(context.Background(), cmd.TriggerID), "command", func(ctx context.Context) error {
		ctx = withResponseURL(ctx, cmd.ResponseURL)
		actor := b.users.actor(ctx, cmd.UserID)
		return b.eng.Command(ctx, engine.Command{Channel: cmd.ChannelID, Actor: actor, Text: strings.TrimSpace(FromSlack(cmd.Text)), ID: cmd.TriggerID})
	})
	return outAccepted
}

// NameTTL is how long a display name from users.info is trusted; a name
// seen again after that is looked up anew, so a renamed person shows under
// their new name within a day.
const NameTTL = 24 * time.Hour

// learnNames looks up, off the acknowledgement path, the display names of
// the people a stored text refers to, and of its author, and caches them in
// the store, where every renderer (exports included) finds them.
func (b *Bot) learnNames(parent context.Context, text, author string) {
	ids := workshop.UserRefs(text)
	if author != "" && !slices.Contains(ids, author) {
		ids = append(ids, author)
	}
	b.mu.Lock()
	ids = slices.DeleteFunc(ids, func(id string) bool { return time.Since(b.learned[id]) < NameTTL/2 })
	b.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	b.spawn(parent, "names", func(ctx context.Context) error {
		known, err := b.store.Names(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, ok := known[id]; ok {
				b.remember(id)
				continue
			}
			u, err := b.users.api.GetUserInfoContext(ctx, id)
			if err != nil {
				// Unknown user or no users:read: the id is shown instead.
				b.log.WarnContext(ctx, "users.info", "user", id, "err", err)
				continue
			}
			name := cmp.Or(strings.TrimSpace(u.Profile.DisplayName), strings.TrimSpace(u.Profile.RealName), strings.TrimSpace(u.RealName), u.Name)
			if name == "" {
				continue
			}
			if err := b.store.PutName(ctx, id, name, NameTTL); err != nil {
				return err
			}
			b.remember(id)
		}
		return nil
	})
}

// remember notes that id's name is cached in the store, fresh enough for
// half its TTL.
func (b *Bot) remember(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.learned == nil {
		b.learned = map[string]time.Time{}
	}
	b.learned[id] = time.Now()
}

// userCache remembers users.info answers (time zone, admin) for a while:
// every command needs them and they rarely change.
type userCache struct {
	api API
	mu  sync.Mutex
	m   map[string]cachedUser
}

type cachedUser struct {
	actor engine.Actor
	at    time.Time
}

func (c *userCache) actor(ctx context.Context, id string) engine.Actor {
	c.mu.Lock()
	if u, ok := c.m[id]; ok && time.Since(u.at) < 10*time.Minute {
		c.mu.Unlock()
		return u.actor
	}
	c.mu.Unlock()
	a := engine.Actor{ID: id}
	u, err := c.api.GetUserInfoContext(ctx, id)
	if err != nil {
		// Without users:read the bot still works; reviews fall back to
		// DEFAULT_TZ and admins are treated as members.
		return a
	}
	a.Name, a.TZ, a.Admin = u.Name, u.TZ, u.IsAdmin || u.IsOwner
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedUser{}
	}
	c.m[id] = cachedUser{a, time.Now()}
	c.mu.Unlock()
	return a
}
