// Package console runs workshops in a terminal: a chat adapter over the same
// engine as Slack, so anything a Slack user can do, a console user can try,
// and scripts can drive a whole workshop.
//
// Lines read are commands (`/journey ...`), replies in the thread of the
// current step, or either of those said as someone else (`as NAME: ...`).
package console

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// Channel is the one channel a console session plays in.
const Channel = "console"

// Printer is the console's Notifier: it prints what the bot would post and
// writes uploaded files under Dir.
type Printer struct {
	Out io.Writer
	// Dir receives charts and exports.
	Dir string
	Now func() time.Time
	// Catalog gives the console's own words (prompts' console.* keys), in
	// the language of the message they go with, else Lang.
	Catalog *prompts.Catalog
	Lang    string
	// ANSI styles text for a terminal; without it, text is plain.
	ANSI bool
	// Width wraps lines at word boundaries to this many cells (the
	// terminal's width); 0 leaves them whole, as a pipe wants.
	Width int

	mu     sync.Mutex
	lastTS time.Time
	// said is the language of the latest message, which reactions and
	// files that follow it are shown in.
	said string
	// Written lists the files uploaded so far, for tests.
	Written []string
}

// NewTS returns a fresh, strictly increasing Slack-style timestamp: the
// console is the platform here, so it gives messages their identity.
func (p *Printer) NewTS() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now().Truncate(time.Microsecond)
	if !t.After(p.lastTS) {
		t = p.lastTS.Add(time.Microsecond)
	}
	p.lastTS = t
	return engine.TS(t)
}

// Post prints a message and gives it a timestamp.
func (p *Printer) Post(_ context.Context, m engine.Message) (string, error) {
	p.heard(m.Lang)
	var b strings.Builder
	indent := ""
	switch {
	case m.Direct:
		indent = "  │ "
		fmt.Fprintf(&b, "  ┌ ✉ %s\n", p.t("console.dm", "user", m.User))
	case m.Ephemeral:
		indent = "  │ "
		fmt.Fprintf(&b, "  ┌ (%s)\n", p.t("console.only", "user", "@"+m.User))
	case m.ThreadTS != "":
		indent = "    "
		b.WriteString("  ↳ " + p.t("console.in_thread") + "\n")
	default:
		b.WriteString("\n" + strings.Repeat("─", 72) + "\n")
	}
	if m.Title != "" {
		fmt.Fprintf(&b, "%s%s\n", indent, p.style(strings.ToUpper(m.Title), ansiBold))
	}
	for _, line := range p.blockLines(m.Blocks, !m.Ephemeral && !m.Direct && m.ThreadTS == "") {
		fmt.Fprintf(&b, "%s%s\n", indent, line)
	}
	for _, c := range m.Context {
		fmt.Fprintf(&b, "%s· %s\n", indent, p.Text(c))
	}
	// The console has no buttons: each is shown with what does the same.
	for _, a := range m.Actions {
		does := p.t("console.reply_button")
		switch {
		case a.Thread != nil:
			does = p.t("console.thread_button")
		case a.ID == engine.ActionItemEdit || a.ID == engine.ActionItemDelete:
			// Only the item's author may, and the console cannot tell who
			// that is without Slack's buttons.
			does = p.t("console.item_button")
		}
		if a.Command != "" {
			does = "/journey " + a.Command
		}
		fmt.Fprintf(&b, "%s[%s] → %s\n", indent, a.Label, p.style(does, ansiCode))
	}
	if m.Ephemeral || m.Direct {
		b.WriteString("  └\n")
	}
	p.print(b.String())
	if m.Ephemeral {
		return "", nil
	}
	return p.NewTS(), nil
}

// Update prints the new state of a message that changed (the header).
func (p *Printer) Update(ctx context.Context, _, _ string, m engine.Message) error {
	if m.Kind == engine.KindHeader || m.Kind == engine.KindStep {
		p.heard(m.Lang)
		var b strings.Builder
		fmt.Fprintf(&b, "  ⟳ %s\n", m.Title)
		for _, line := range p.blockLines(m.Blocks, false) {
			fmt.Fprintf(&b, "    %s\n", line)
		}
		p.print(b.String())
		return nil
	}
	_, err := p.Post(ctx, m)
	return err
}

// React shows that a reply was accepted.
func (p *Printer) React(_ context.Context, _, _, emoji string) error {
	mark := ":" + emoji + ":"
	if emoji == engine.ReactionAccepted {
		mark = "✅"
	}
	p.print("    " + mark + " " + p.t("console.saved") + "\n")
	return nil
}

// Upload writes the file under Dir and prints its path.
func (p *Printer) Upload(_ context.Context, f engine.File) error {
	dir := p.Dir
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	path := filepath.Join(dir, filepath.Base(f.Name))
	if err := os.WriteFile(path, f.Data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	p.mu.Lock()
	p.Written = append(p.Written, path)
	p.mu.Unlock()
	var b strings.Builder
	if !f.Comment.Empty() {
		fmt.Fprintf(&b, "  %s\n", p.Text(f.Comment))
	}
	p.heard(f.Lang)
	size := p.t("console.kilobytes", "n", (len(f.Data)+1023)/1024)
	fmt.Fprintf(&b, "  📎 %s (%s) → %s\n", f.Title, size, path)
	if f.AltText != "" {
		fmt.Fprintf(&b, "     %s\n", f.AltText)
	}
	p.print(b.String())
	return nil
}

// heard records the language of what was just said.
func (p *Printer) heard(lang string) {
	if lang == "" {
		return
	}
	p.mu.Lock()
	p.said = lang
	p.mu.Unlock()
}

// t looks up one of the console's own sentences, in the language of the
// latest message (else Lang).
func (p *Printer) t(key string, args ...any) string {
	if p.Catalog == nil {
		return key
	}
	return p.Catalog.T(p.lang(), key, args...)
}

// lang is the language the console speaks now: the latest message's, else
// Lang.
func (p *Printer) lang() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cmp.Or(p.said, p.Lang)
}

func (p *Printer) print(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	io.WriteString(p.Out, wrap(s, p.Width))
}

// ANSI styles.
const (
	ansiBold      = "\x1b[1m"
	ansiItalic    = "\x1b[3m"
	ansiCode      = "\x1b[36m"
	ansiReset     = "\x1b[0m"
	ansiResetBold = "\x1b[22m"
	ansiResetIt   = "\x1b[23m"
	ansiResetCode = "\x1b[39m"
)

// plainSyntax writes rich text for a pipe: no styles, code between
// backticks so commands stand out, people as @name, links "label (url)".
var plainSyntax = rich.Syntax{
	Open:   map[rich.Style]string{rich.Code: "`"},
	Close:  map[rich.Style]string{rich.Code: "`"},
	Escape: func(s string, _ bool) string { return s },
}

// ansiSyntax writes rich text for a terminal: strong in bold, emphasis in
// italics, code in colour.
var ansiSyntax = rich.Syntax{
	Open:   map[rich.Style]string{rich.Strong: ansiBold, rich.Emphasis: ansiItalic, rich.Code: ansiCode},
	Close:  map[rich.Style]string{rich.Strong: ansiResetBold, rich.Emphasis: ansiResetIt, rich.Code: ansiResetCode},
	Escape: func(s string, _ bool) string { return s },
}

// Plain is rich text as the console prints it to a pipe.
func Plain(t rich.Text) string { return rich.Render(t, plainSyntax) }

// Text is rich text as this printer shows it: styled on a terminal (ANSI),
// plain otherwise.
func (p *Printer) Text(t rich.Text) string {
	if p.ANSI {
		return rich.Render(t, ansiSyntax)
	}
	return Plain(t)
}

func (p *Printer) style(s, ansi string) string {
	if !p.ANSI || s == "" {
		return s
	}
	return ansi + s + ansiReset
}

// blockLines lays a message body out as terminal lines; spaced puts a
// blank line after each block, as top-level messages have.
func (p *Printer) blockLines(blocks []rich.Block, spaced bool) []string {
	var out []string
	for i, b := range blocks {
		switch b.Kind {
		case rich.Heading:
			out = append(out, p.Text(b.Text.With(rich.Strong)))
		case rich.Paragraph:
			out = append(out, strings.Split(p.Text(b.Text), "\n")...)
		case rich.Quote:
			out = append(out, "│ "+strings.ReplaceAll(p.Text(b.Text), "\n", "\n│ "))
		case rich.List:
			for _, it := range b.Items {
				out = append(out, "• "+strings.ReplaceAll(p.Text(it), "\n", "\n  "))
			}
		case rich.Table:
			for _, r := range b.Rows {
				cells := make([]string, len(r))
				for j, c := range r {
					cells[j] = p.Text(c)
				}
				out = append(out, strings.Join(cells, " · "))
			}
		case rich.Fields:
			for _, f := range b.Fields {
				out = append(out, p.Text(f.Label)+": "+p.Text(f.Value))
			}
		case rich.Context:
			items := make([]string, len(b.Items))
			for j, it := range b.Items {
				items[j] = p.Text(it)
			}
			out = append(out, "· "+strings.Join(items, " · "))
		}
		if spaced && b.Kind != rich.Heading && i < len(blocks) {
			out = append(out, "")
		}
	}
	// Lists hold their continuation lines: split them for the indent.
	var lines []string
	for _, l := range out {
		lines = append(lines, strings.Split(l, "\n")...)
	}
	return lines
}

// Session reads lines and plays them against the engine.
type Session struct {
	Engine *engine.Engine
	// Store is the engine's store, where the session finds the thread a
	// plain line answers in.
	Store   workshop.Store
	Printer *Printer
	// User is who plain lines are said as.
	User string
	TZ   string
	// Interactive shows a prompt before each line.
	Interactive bool
	// Reminders, when set, posts the review reminders that are due: once
	// as the session starts, then every Tick while it runs, so a console
	// left open prints them when they come due. A piped script ends at the
	// end of its input, ticker or not.
	Reminders Reminders
	// Tick is how often Reminders runs (DefaultTick when zero).
	Tick time.Duration
	// People, when set, are the channel's members, kept up to date as
	// people speak and by `members a,b,c`.
	People *People
	// Clock, when set, is the session's clock, which `wait 2d` moves on
	// (the engine and Reminders must read it), so deadlines and reminders
	// can be played and scripted.
	Clock *Clock
}

// People are the console channel's members, for nudges: everyone who has
// spoken (the user, every `as NAME:`), or whom a `members ana,ben` line
// names. It is the console's engine.Directory.
type People struct {
	mu  sync.Mutex
	ids []string
	// TZ is every member's zone (the session's).
	TZ string
}

// Members lists the channel's members.
func (p *People) Members(context.Context, string) ([]engine.Member, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]engine.Member, len(p.ids))
	for i, id := range p.ids {
		out[i] = engine.Member{ID: id, TZ: p.TZ}
	}
	return out, nil
}

func (p *People) seen(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.ids, id) {
		p.ids = append(p.ids, id)
	}
}

func (p *People) set(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = ids
}

// Clock is a clock that runs with real time from an offset that `wait`
// moves on.
type Clock struct {
	// Base is the real clock; time.Now when nil.
	Base func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// Now is the real time plus everything waited.
func (c *Clock) Now() time.Time {
	base := time.Now
	if c.Base != nil {
		base = c.Base
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return base().Add(c.offset)
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Reminders runs the review reminders that are due; *review.Scheduler
// implements it.
type Reminders interface {
	RunDue(ctx context.Context) (int, error)
}

// DefaultTick is how often a session checks for due review reminders.
const DefaultTick = 30 * time.Second

var asLine = regexp.MustCompile(`^(?i:as)\s+@?([^\s:]+)\s*:\s*(.*)$`)

// Run reads in to its end (or until `quit`) and plays every line.
func (s *Session) Run(ctx context.Context, in io.Reader) error {
	if s.Reminders != nil {
		s.remind(ctx)
		tctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.tick(tctx)
		}()
		defer func() { stop(); <-done }()
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	s.prompt()
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSpace(sc.Text())
		if line == "quit" || line == "exit" {
			return nil
		}
		if err := s.Line(ctx, line); err != nil {
			return err
		}
		s.prompt()
	}
	return sc.Err()
}

// tick runs the due reminders every Tick until ctx ends.
func (s *Session) tick(ctx context.Context) {
	every := s.Tick
	if every <= 0 {
		every = DefaultTick
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.remind(ctx) > 0 {
				// The reminder was printed over the prompt: show it again.
				s.prompt()
			}
		}
	}
}

// remind posts the reminders due now and says why when that fails.
func (s *Session) remind(ctx context.Context) int {
	n, err := s.Reminders.RunDue(ctx)
	if err != nil && ctx.Err() == nil {
		s.Printer.print("  (" + s.Printer.t("console.reminders_failed", "err", err.Error()) + ")\n")
	}
	return n
}

func (s *Session) prompt() {
	if s.Interactive {
		s.Printer.print(s.User + "> ")
	}
}

// Line plays one line. Blank lines and # comments (for scripts) are skipped.
func (s *Session) Line(ctx context.Context, line string) error {
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	user := s.User
	if m := asLine.FindStringSubmatch(line); m != nil {
		user, line = m[1], strings.TrimSpace(m[2])
	}
	actor := engine.Actor{ID: user, Name: user, TZ: s.TZ}
	if rest, ok := strings.CutPrefix(line, "members "); ok && s.People != nil {
		var ids []string
		for _, id := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' }) {
			ids = append(ids, strings.TrimPrefix(id, "@"))
		}
		s.People.set(ids)
		s.Printer.print("  (" + s.Printer.t("console.members", "people", strings.Join(ids, ", ")) + ")\n")
		return nil
	}
	if s.People != nil {
		s.People.seen(user)
	}
	if rest, ok := strings.CutPrefix(line, "wait "); ok && s.Clock != nil {
		return s.wait(ctx, strings.TrimSpace(rest))
	}
	if rest, ok := cutCommand(line); ok {
		return s.Engine.Command(ctx, engine.Command{Channel: Channel, Actor: actor, Text: rest})
	}
	return s.reply(ctx, actor, line)
}

// wait moves the session's clock on (`wait 2d`, `wait 90m`) and runs what
// came due meanwhile: deadlines, their digests, autopilot, reminders.
func (s *Session) wait(ctx context.Context, length string) error {
	d, ok := engine.ParseLength(length)
	if rest, until := strings.CutPrefix(length, "until "); until {
		// `wait until monday 08:00`: read as a deadline is, in the
		// session's zone.
		now := s.Clock.Now()
		if t, read := s.Engine.ParseTime(strings.Fields(rest), now, s.zone()); read && t.After(now) {
			d, ok = t.Sub(now), true
		}
	}
	if !ok {
		s.Printer.print("  (" + s.Printer.t("console.wait_usage", "got", length) + ")\n")
		return nil
	}
	s.Clock.Advance(d)
	now := s.Printer.Catalog.Locale(s.Printer.lang()).DateTime(s.Clock.Now().In(s.zone()))
	if strings.HasPrefix(length, "until ") {
		s.Printer.print("  ⏩ " + now + "\n")
	} else {
		s.Printer.print("  ⏩ " + s.Printer.t("console.waited", "length", length, "now", now) + "\n")
	}
	if s.Reminders != nil {
		s.remind(ctx)
	}
	return nil
}

// zone is the session's time zone.
func (s *Session) zone() *time.Location {
	if loc, err := workshop.LoadZone(s.TZ); err == nil {
		return loc
	}
	return time.UTC
}

// cutCommand recognises `/journey ...` (and `/j ...` as a shorthand).
func cutCommand(line string) (string, bool) {
	for _, p := range []string{"/journey", "/j"} {
		if rest, ok := strings.CutPrefix(line, p); ok && (rest == "" || rest[0] == ' ') {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// reply says line in the thread of the current step of the channel's
// current workshop.
func (s *Session) reply(ctx context.Context, a engine.Actor, line string) error {
	store := s.Store
	list, err := store.List(ctx, Channel)
	if err != nil {
		return fmt.Errorf("list workshops: %w", err)
	}
	var meta *workshop.Meta
	for _, sum := range list {
		if !sum.Closed {
			if meta, err = store.LoadMeta(ctx, sum.ID); err != nil {
				return fmt.Errorf("load workshop %s: %w", sum.ID, err)
			}
			break
		}
	}
	if meta == nil || meta.StepTS(meta.Step) == "" {
		s.Printer.print("  (" + s.Printer.t("console.no_workshop") + ")\n")
		return nil
	}
	_, _, err = s.Engine.Reply(ctx, engine.Reply{
		Channel: Channel, ThreadTS: meta.StepTS(meta.Step), TS: s.Printer.NewTS(),
		Author: a.ID, Text: line, Source: workshop.SourceConsole,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.Printer.print("  (" + s.Printer.t("console.not_saved", "err", err.Error()) + ")\n")
		return nil
	}
	return err
}
