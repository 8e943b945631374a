// Package app wires journeybot together: it reads the configuration, opens
// the store, builds the engine and runs the mode the command line asks for.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/config"
	"github.com/journeybot/journeybot/internal/console"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// Version is stamped at build time with -ldflags "-X ...app.Version=v1.2.3".
var Version = "dev"

// DefaultState is the embedded store's file when -state is not given.
const DefaultState = "journeybot.db"

// ErrUsage marks a command line that could not be understood; main exits 2.
var ErrUsage = errors.New("usage")

// Env is what a run gets from its process, passed explicitly so tests can
// drive Run like main does.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Listening, when set, is told the address serve listens on (tests
	// listen on port 0).
	Listening func(addr string)

	// now and reviewTick are test hooks: the clock of the engine and of
	// the review scheduler (time.Now when nil), and how often the
	// scheduler looks for due reminders (review.DefaultTick when zero), so
	// tests make minutes pass in milliseconds.
	now        func() time.Time
	reviewTick time.Duration
	// wrapStore and reviewRan are test hooks too, so tests wait on serve's
	// work rather than sleep or poll: wrapStore, when set, wraps the store
	// serve opens (to see its writes); reviewRan, when set, is called
	// after each round of the review scheduler (review.Scheduler.Ran).
	wrapStore func(workshop.Store) workshop.Store
	reviewRan func()
	// homeDelay is a test hook too: the bot's slack.Config.HomeDelay
	// (slack.DefaultHomeDelay when zero), so tests see a home published
	// again soon after a change.
	homeDelay time.Duration
	// canvasDelay is a test hook too: the bot's slack.Config.CanvasDelay
	// (slack.DefaultCanvasDelay when zero).
	canvasDelay time.Duration
	// teamSync replaces how often a multi-workspace replica reads the
	// installations (defaultTeamSync).
	teamSync time.Duration
	// teamSynced, when set, is called after each reading of the
	// installations, so tests wait on it.
	teamSynced func()
	// installsChanged, when set, is called after this replica changed an
	// installation (an uninstall, a dead token, a refresh, a purge).
	installsChanged func()
}

const usage = `journeybot runs customer journey map workshops in Slack.

Usage:
  journeybot serve   [-state FILE]                 run the bot (Socket Mode or HTTP)
  journeybot console [-state FILE] [-user NAME] [-lang en|fr] [-out DIR] [-team T…]
                                                   play a workshop in the terminal
  journeybot export  -workshop ID -format md|csv|json|pdf [-out FILE] [-state FILE]
  journeybot list    [-format text|json] [-state FILE]
  journeybot purge   -team T… [-force] [-state FILE]
                                                   delete every key of an uninstalled team
  journeybot version

The store is Redis when REDIS_URL (or REDIS_ADDRS) is set, else the embedded
file named by -state (default ` + DefaultState + `). With several teams
installed (SLACK_CLIENT_ID), export and list take -team T…. See README.md
for every variable.
`

// Run runs one journeybot command.
func Run(ctx context.Context, env Env) error {
	if len(env.Args) < 2 {
		fmt.Fprint(env.Stderr, usage)
		return ErrUsage
	}
	err := run(ctx, env, env.Args[1], env.Args[2:])
	if errors.Is(err, errHelp) {
		return nil // -h: the usage is printed, and that is all
	}
	return err
}

// errHelp says a command's -h printed its usage: Run ends there, with
// success.
var errHelp = errors.New("help shown")

func run(ctx context.Context, env Env, cmd string, args []string) error {
	switch cmd {
	case "serve":
		return runServe(ctx, env, args)
	case "console":
		return runConsole(ctx, env, args)
	case "export":
		return runExport(ctx, env, args)
	case "list":
		return runList(ctx, env, args)
	case "purge":
		return runPurge(ctx, env, args)
	case "version", "-version", "--version":
		fmt.Fprintf(env.Stdout, "journeybot %s\n", Version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprintf(env.Stderr, "journeybot: unknown command %q\n\n%s", cmd, usage)
	return ErrUsage
}

func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("journeybot "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return ErrUsage
	}
	return nil
}

func newLogger(cfg *config.Config, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openStore opens Redis when it is configured, else the embedded file.
func openStore(ctx context.Context, cfg *config.Config, state string, log *slog.Logger) (workshop.Store, error) {
	if cfg.UsesRedis() {
		redis.SetLogger(log.With("component", "redis"))
		s, err := redis.Open(ctx, redis.Options{
			URL: cfg.RedisURL, Addrs: cfg.RedisAddrs, MasterName: cfg.RedisMaster,
			Username: cfg.RedisUsername, Password: cfg.RedisPassword, SentinelPassword: cfg.RedisSentinelPassword,
			TLS: cfg.RedisTLS, WaitReplicas: cfg.RedisWaitReplicas, Prefix: cfg.RedisPrefix,
		})
		if err != nil {
			return nil, fmt.Errorf("open redis store: %w", err)
		}
		return s, nil
	}
	s, err := bolt.Open(state)
	if err != nil {
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	log.Info("using the embedded store: state lives in one local file, for a single process only; set REDIS_URL to run several replicas", "file", state)
	return s, nil
}

func runConsole(ctx context.Context, env Env, args []string) error {
	fs := newFlags("console", env)
	state := fs.String("state", DefaultState, "embedded store file (ignored when REDIS_URL is set)")
	user := fs.String("user", cmpOr(env.Getenv("USER"), "you"), "who plain lines are said as")
	lang := fs.String("lang", "", "language of new workshops: en or fr (default DEFAULT_LANG)")
	out := fs.String("out", ".", "folder for charts and exports")
	team := fs.String("team", "", "play in this installed team's data (default: the store's own, apart from every team's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(env.Getenv)
	if *lang != "" {
		if *lang != workshop.LangEN && *lang != workshop.LangFR {
			err = config.Merge(err, config.Problems{fmt.Sprintf("-lang: %q is not en or fr", *lang)})
		}
		cfg.DefaultLang = *lang
	}
	if err != nil {
		return err
	}
	// The terminal is for the workshop; only warnings go to stderr.
	log := newLogger(cfg, env.Stderr, max(cfg.LogLevel, slog.LevelWarn))
	store, err := openStore(ctx, cfg, *state, log)
	if err != nil {
		return err
	}
	if *team != "" {
		scoped, err := forTeam(ctx, store, *team)
		if err != nil {
			store.Close()
			return err
		}
		store = scoped
	}
	defer store.Close()
	cat := prompts.MustLoad()
	printer := &console.Printer{Out: env.Stdout, Dir: *out, Catalog: cat, Lang: cfg.DefaultLang,
		// Styles on a terminal only, and never against NO_COLOR
		// (https://no-color.org) or a dumb terminal.
		ANSI:  isTerminal(env.Stdout) && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb",
		Width: terminalWidth(env)}
	// The console's clock: real time, moved on by `wait` (tests start it
	// from env.now).
	clock := &console.Clock{Base: env.now}
	printer.Now = clock.Now
	people := &console.People{TZ: cfg.DefaultTZ.String()}
	eng := engine.New(engine.Config{Schedules: review.Schedules{},
		Store: store, Notifier: printer, Catalog: cat, Now: clock.Now,
		DefaultLang: cfg.DefaultLang, Logger: log, Charts: newCharts(), PDFs: pdfs{},
		DefaultTZ: cfg.DefaultTZ, ReviewMinInterval: cfg.ReviewMinInterval, Directory: people,
	})
	s := &console.Session{People: people, Engine: eng, Store: store, Printer: printer, User: *user, TZ: cfg.DefaultTZ.String(), Interactive: isTerminal(env.Stdin),
		Tick: env.reviewTick, Clock: clock,
		Reminders: &review.Scheduler{
			Store: store, Reminder: eng, Now: clock.Now, Ran: env.reviewRan, Logger: log.With("component", "review"),
			// The console reminds its own workshops only: on a shared Redis,
			// the bot's workshops are the bot's to remind in Slack.
			Match: func(m *workshop.Meta) bool { return m.Channel == console.Channel },
		},
	}
	if s.Interactive {
		openingHelp(env.Stdout, printer, eng, cfg.DefaultLang, *user)
	}
	return s.Run(ctx, env.Stdin)
}

// openingHelp is what an interactive console shows first: the help, then
// who the lines are said as.
func openingHelp(w io.Writer, p *console.Printer, eng *engine.Engine, lang, user string) {
	for _, t := range eng.Help(lang) {
		fmt.Fprintln(w, p.Text(t))
	}
	fmt.Fprintf(w, "\n%s\n\n", eng.T(lang, "console.banner", "user", user))
}

// terminalWidth is how wide the console's terminal is (0 when it prints
// to a pipe, which wants lines whole); COLUMNS answers when the terminal
// does not.
func terminalWidth(env Env) int {
	f, ok := env.Stdout.(*os.File)
	if !ok || !isTerminal(f) {
		return 0
	}
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	if n, err := strconv.Atoi(env.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runExport(ctx context.Context, env Env, args []string) error {
	fs := newFlags("export", env)
	state := fs.String("state", DefaultState, "embedded store file (ignored when REDIS_URL is set)")
	id := fs.String("workshop", "", "workshop id, e.g. W1 (required)")
	format := fs.String("format", export.JSON, "md, csv, json or pdf")
	out := fs.String("out", "", "file to write (default: standard output)")
	team := teamFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || !export.ValidFormat(*format) {
		fmt.Fprintln(env.Stderr, "journeybot export: -workshop ID is required and -format must be md, csv, json or pdf")
		return ErrUsage
	}
	cfg, store, err := quietStore(ctx, env, *state, *team)
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := workshop.Open(ctx, store, strings.ToUpper(*id))
	if errors.Is(err, workshop.ErrNotFound) {
		return fmt.Errorf("no workshop %s in the store (journeybot list shows them)", *id)
	}
	if err != nil {
		return fmt.Errorf("load workshop %s: %w", *id, err)
	}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, DefaultLang: cfg.DefaultLang, Charts: newCharts(), PDFs: pdfs{}})
	if *out == "" && *format != export.PDF {
		// On standard output there is no place for the chart beside it (a
		// PDF holds its own).
		eng = engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, DefaultLang: cfg.DefaultLang})
	}
	files, err := eng.ExportFiles(ctx, w, *format)
	if err != nil {
		return err
	}
	doc := files[len(files)-1]
	if *out == "" {
		_, err = env.Stdout.Write(doc.Data)
		return err
	}
	for _, f := range files[:len(files)-1] {
		path := filepath.Join(filepath.Dir(*out), f.Name)
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintf(env.Stderr, "wrote %s\n", path)
	}
	if err := os.WriteFile(*out, doc.Data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return nil
}

// quietStore reads the configuration and opens the store for a command
// whose output is data: only warnings go to stderr.
// With teams installed (multi-workspace mode) it is the part of one team:
// the one named, or the only one.
func quietStore(ctx context.Context, env Env, state, team string) (*config.Config, workshop.Store, error) {
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, cfg, state, newLogger(cfg, env.Stderr, max(cfg.LogLevel, slog.LevelWarn)))
	if err != nil {
		return nil, nil, err
	}
	scoped, err := forTeam(ctx, store, team)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return cfg, scoped, nil
}

// forTeam is the part of store that team's data is in. Without -team it is
// the only installed team's, or the whole store when none is installed
// (single-workspace mode); with several teams installed, -team is needed.
func forTeam(ctx context.Context, store workshop.Store, team string) (workshop.Store, error) {
	ts, ok := store.(teamStore)
	if !ok {
		if team != "" {
			return nil, fmt.Errorf("-team: this store keeps no teams")
		}
		return store, nil
	}
	list, err := ts.Installations(ctx)
	if err != nil {
		return nil, fmt.Errorf("read installations: %w", err)
	}
	keys := make([]string, len(list))
	for i, inst := range list {
		keys[i] = inst.Key()
	}
	switch {
	case team != "":
		team = strings.ToUpper(strings.TrimSpace(team))
		if !install.ValidKey(team) {
			return nil, fmt.Errorf("-team: %q is not a Slack team id (T… or E…)", team)
		}
		if !slices.Contains(keys, team) {
			return nil, fmt.Errorf("-team: no team %s is installed (installed: %s)", team, orNone(keys))
		}
	case len(keys) == 0:
		return store, nil
	case len(keys) == 1:
		team = keys[0]
	default:
		return nil, fmt.Errorf("several teams are installed (%s): choose one with -team", strings.Join(keys, ", "))
	}
	return teamView{Store: ts.ForTeam(team), close: store.Close}, nil
}

// teamView is one team's part of a store the command opened; closing it
// closes the store.
type teamView struct {
	workshop.Store
	close func() error
}

func (v teamView) Close() error { return v.close() }

func orNone(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

func runList(ctx context.Context, env Env, args []string) error {
	fs := newFlags("list", env)
	state := fs.String("state", DefaultState, "embedded store file (ignored when REDIS_URL is set)")
	format := fs.String("format", "text", "text or json")
	team := teamFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintln(env.Stderr, "journeybot list: -format must be text or json")
		return ErrUsage
	}
	_, store, err := quietStore(ctx, env, *state, *team)
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := store.List(ctx, "")
	if err != nil {
		return fmt.Errorf("list workshops: %w", err)
	}
	if list == nil {
		list = []workshop.Summary{}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tCHANNEL\tSTEP\tSTATE")
	for _, s := range list {
		st := "open"
		if s.Closed {
			st = "closed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d %s\t%s\n", s.ID, s.Title, s.Channel, int(s.Step), s.Step, st)
	}
	return tw.Flush()
}

// teamFlag is -team, for commands that read one team's data.
func teamFlag(fs *flag.FlagSet) *string {
	return fs.String("team", "", "the team (T…) whose data to read, when several are installed")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// runPurge deletes every key of one team, and its installation: what
// happens by itself UNINSTALL_RETENTION after an uninstall, at once.
func runPurge(ctx context.Context, env Env, args []string) error {
	fs := newFlags("purge", env)
	state := fs.String("state", DefaultState, "embedded store file (ignored when REDIS_URL is set)")
	team := fs.String("team", "", "the team (T…, or E… for an org-wide install) whose data to delete (required)")
	force := fs.Bool("force", false, "purge a team that still has the app installed (its installation too)")
	if err := parse(fs, args); err != nil {
		return err
	}
	key := strings.ToUpper(strings.TrimSpace(*team))
	if !install.ValidKey(key) {
		fmt.Fprintln(env.Stderr, "journeybot purge: -team T… is required: the Slack team id (T…, or E… for an org-wide install)")
		return ErrUsage
	}
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, *state, newLogger(cfg, env.Stderr, max(cfg.LogLevel, slog.LevelWarn)))
	if err != nil {
		return err
	}
	defer store.Close()
	ts, ok := store.(teamStore)
	if !ok {
		return fmt.Errorf("this store keeps no teams")
	}
	if inst, err := ts.Installation(ctx, key); err == nil && inst.Active() && !*force {
		return fmt.Errorf("team %s still has the app installed: uninstall it there first, or add -force to delete its installation too", key)
	}
	n, err := ts.PurgeTeam(ctx, key)
	if err != nil {
		return fmt.Errorf("purge team %s: %w", key, err)
	}
	fmt.Fprintf(env.Stdout, "purged team %s: %d keys deleted\n", key, n)
	return nil
}
