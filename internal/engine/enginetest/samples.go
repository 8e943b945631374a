// Package enginetest plays a short workshop that makes the engine say every
// kind of message it has, for the renderers' golden files and for the test
// that every message reads as plain text. It is used by tests only.
package enginetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// TB is what Messages and Golden need of a test.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	TempDir() string
}

// Golden compares a renderer's output with the golden file at path, after
// rewriting it when update is set (go test -update).
func Golden(tb TB, path string, got []byte, update bool) {
	tb.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("%v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("%v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// Title is the sample workshop's title: it holds the characters every
// surface must escape its own way, and no markup.
const Title = "Checkout <redesign> & co"

// Now is the sample's clock.
var Now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// Sample is one message and what it was said for.
type Sample struct {
	// Said is what made the engine say it ("command: status").
	Said    string
	Message engine.Message
	// Update is set when the message replaced an earlier one.
	Update bool
}

// Recorder keeps what the engine says.
type Recorder struct {
	mu      sync.Mutex
	n       int
	said    string
	Samples []Sample
	Files   []engine.File
}

// Post records a message.
func (r *Recorder) Post(_ context.Context, m engine.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.Samples = append(r.Samples, Sample{Said: r.said, Message: m})
	if m.Ephemeral {
		return "", nil
	}
	return fmt.Sprintf("1800000000.%06d", r.n), nil
}

// Update records a replaced message.
func (r *Recorder) Update(_ context.Context, _, _ string, m engine.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Samples = append(r.Samples, Sample{Said: r.said, Message: m, Update: true})
	return nil
}

// React records nothing: a reaction has no text.
func (r *Recorder) React(context.Context, string, string, string) error { return nil }

// Upload records a file.
func (r *Recorder) Upload(_ context.Context, f engine.File) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Files = append(r.Files, f)
	return nil
}

func (r *Recorder) say(what string) {
	r.mu.Lock()
	r.said = what
	r.mu.Unlock()
}

// members is the sample channel: U4 never contributes.
type members struct{}

func (members) Members(context.Context, string) ([]engine.Member, error) {
	return []engine.Member{{ID: "U1", TZ: "Europe/Paris"}, {ID: "U2", TZ: "Europe/Paris"}, {ID: "U4", TZ: "Europe/Paris"}}, nil
}

type noCharts struct{}

func (noCharts) RenderCurve(context.Context, engine.Curve) ([]byte, error) {
	return []byte("\x89PNG\r\n\x1a\n"), nil
}

func (noCharts) RenderMatrix(context.Context, engine.Matrix) ([]byte, error) {
	return []byte("\x89PNG\r\n\x1a\n"), nil
}

// Messages plays the sample workshop in lang and returns what the engine
// said: the header and its updates, each step message, answers (help,
// status, list, score, ratings, review usage), errors (a refusal, a reply
// with bad lines, an unknown command, a rating without its effort),
// notices (a form echoed, the facilitator handed over, reviews scheduled,
// the workshop closed, an anonymous step, items posted anonymously and one
// edited by its author), step summaries, the whole summary (changes by
// their ratings), the facilitator's home, and a late review reminder; and
// the files' comments. Its goals G1-G3 get verdicts for G1 and G3 only, so
// the test step warns about G2, and the coverage shows in the step
// messages and summaries.
func Messages(tb TB, lang string) ([]Sample, []engine.File) {
	tb.Helper()
	store, err := bolt.Open(filepath.Join(tb.TempDir(), "samples.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	defer store.Close()
	rec := &Recorder{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: rec, Catalog: prompts.MustLoad(),
		DefaultLang: lang, Now: func() time.Time { return Now }, Charts: noCharts{}, Directory: members{}})
	ctx := context.Background()
	ana := engine.Actor{ID: "U1", TZ: "Europe/Paris"}
	cmd := func(who engine.Actor, text string) {
		tb.Helper()
		rec.say("command: " + text)
		if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: who, Text: text}); err != nil {
			tb.Fatalf("%s: %v", text, err)
		}
	}
	n := 0
	reply := func(author, text string) {
		tb.Helper()
		rec.say("reply: " + text)
		m, err := store.LoadMeta(ctx, "W1")
		if err != nil {
			tb.Fatalf("load: %v", err)
		}
		n++
		if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(m.Step), TS: fmt.Sprintf("1700000%03d.000001", n), Author: author, Text: text}); err != nil {
			tb.Fatalf("reply %q: %v", text, err)
		}
	}
	cmd(ana, "help")
	cmd(ana, "start "+Title)
	cmd(ana, "plan 2d")
	reply("U2", "Why do 40% of visitors leave at the payment page?")
	reply("U1", "Which touchpoints make people call support?\nDo customers see the fees before they pay?")
	cmd(engine.Actor{ID: "U2"}, "next") // refused: not the facilitator
	cmd(ana, "next")
	reply("U2", "Claire, 34 | marketing manager, Lyon | values speed; hates hidden fees")
	cmd(ana, "goto touchpoints")
	reply("U2", "Pricing page | website | before | -1 | clear tiers | hidden fees | <@U3>")
	reply("U2", "Cart | website | whenever | 0")
	rec.say("form: touchpoints")
	if _, err := eng.Submit(ctx, engine.Form{Workshop: "W1", Step: workshop.Touchpoints, Actor: engine.Actor{ID: "U3"}, ID: "V1",
		Fields: map[string]string{"name": "Support chat", "channel": "chat", "phase": "after", "emotion": "1", "negative": "asked about fees (g2)"}}); err != nil {
		tb.Fatalf("form: %v", err)
	}
	cmd(ana, "anonymous on touchpoints")
	rec.say("form: touchpoints, anonymous")
	if _, err := eng.Submit(ctx, engine.Form{Workshop: "W1", Step: workshop.Touchpoints, Actor: engine.Actor{ID: "U2"}, ID: "V2", Anonymous: true,
		Fields: map[string]string{"name": "Invoice e-mail", "channel": "e-mail", "phase": "after", "emotion": "-2", "negative": "nobody reads it"}}); err != nil {
		tb.Fatalf("anonymous form: %v", err)
	}
	cmd(engine.Actor{ID: "U3"}, "add anonymous Delivery tracking | website | after | -1 | | no updates")
	rec.say("edit of someone else's anonymous item (refused)")
	if _, _, err := eng.EditableItem(ctx, "C1", engine.Actor{ID: "U3"}, "W1 form:V2"); err != nil {
		tb.Fatalf("editable: %v", err)
	}
	rec.say("form: touchpoints, the anonymous author's edit")
	if _, err := eng.Submit(ctx, engine.Form{Workshop: "W1", Step: workshop.Touchpoints, Actor: engine.Actor{ID: "U2"}, ID: "V3",
		Edit:   &engine.ItemEdit{Input: "form:V2", Channel: "C1", TS: "1800000000.000001"},
		Fields: map[string]string{"name": "Invoice e-mail", "channel": "e-mail", "phase": "after", "emotion": "-2", "negative": "nobody reads it, no link"}}); err != nil {
		tb.Fatalf("anonymous edit: %v", err)
	}
	cmd(engine.Actor{ID: "U4"}, "anonymous")
	cmd(engine.Actor{ID: "U3"}, "score T1 -2")
	cmd(ana, "chart")
	cmd(ana, "deadline friday 17:00")
	cmd(ana, "deadline next week") // refused: unreadable
	cmd(ana, "home")               // the facilitator's: Next step, Set deadline, Plan
	rec.say("nudge pass (Monday 10:00)")
	if m, err := store.LoadMeta(ctx, "W1"); err != nil {
		tb.Fatalf("load: %v", err)
	} else if _, err := eng.NudgeAll(ctx, []*workshop.Meta{m}, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), func(keys []string) ([]bool, error) {
		return slices.Repeat([]bool{true}, len(keys)), nil
	}); err != nil {
		tb.Fatalf("nudge: %v", err)
	}
	rec.say("deadline reached (digest)")
	if m, err := store.LoadMeta(ctx, "W1"); err != nil {
		tb.Fatalf("load: %v", err)
	} else if err := eng.Deadline(ctx, "W1", m.Step, m.Deadline); err != nil {
		tb.Fatalf("deadline: %v", err)
	}
	cmd(ana, "goto test")
	reply("U2", "G1 partly | drop-off visible, cause unknown\nG3 no | nobody checked the fees")
	rec.say("header refresh (test step)")
	if err := eng.RefreshHeader(ctx, "W1"); err != nil {
		tb.Fatalf("refresh: %v", err)
	}
	cmd(ana, "next") // warned: G2 has no verdict
	cmd(ana, "next force")
	reply("U2", "Show fees on the pricing page (G3) | <@U3> | 2026-11-01")
	rec.say("dot-voting")
	cmd(ana, "vote 2")
	cmd(engine.Actor{ID: "U2"}, "vote T1 C1")
	cmd(engine.Actor{ID: "U3"}, "vote T1 T2 C1") // refused: T2 is not a pain point
	cmd(ana, "vote close")
	reply("U3", "Retry refused cards with a clear message | <@U3> | 2026-12-01")
	cmd(engine.Actor{ID: "U2"}, "rate C1 impact 4 effort 2")
	cmd(engine.Actor{ID: "U3"}, "rate C2 impact 5 effort 1")
	cmd(ana, "rate C2 impact 4 effort 2")
	cmd(engine.Actor{ID: "U3"}, "rate C2 impact 4") // refused: no effort
	cmd(ana, "matrix")
	cmd(engine.Actor{ID: "U2"}, "home") // at the iterate step: U2's ratings and the top changes
	cmd(ana, "status")
	cmd(ana, "list")
	cmd(ana, "review")
	cmd(ana, `review "0 9 * * 1"`)
	cmd(ana, "frobnicate")
	cmd(ana, "facilitator <@U2>")
	cmd(engine.Actor{ID: "U2"}, "summary")
	cmd(engine.Actor{ID: "U2"}, "export md")
	rec.say("review reminder (late)")
	if err := eng.Remind(ctx, "W1", Now.Add(-time.Hour), true); err != nil {
		tb.Fatalf("remind: %v", err)
	}
	cmd(engine.Actor{ID: "U2"}, "close")
	return rec.Samples, rec.Files
}
