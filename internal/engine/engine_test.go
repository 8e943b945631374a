package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// recorder is a Notifier that keeps everything the bot says.
type recorder struct {
	mu        sync.Mutex
	n         int
	posts     []posted
	updates   []engine.Message
	reactions []string
	files     []engine.File
}

type posted struct {
	TS string
	engine.Message
}

func (r *recorder) Post(_ context.Context, m engine.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	ts := fmt.Sprintf("1800000000.%06d", r.n)
	if m.Ephemeral {
		ts = ""
	}
	r.posts = append(r.posts, posted{ts, m})
	return ts, nil
}

func (r *recorder) Update(_ context.Context, _, _ string, m engine.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, m)
	return nil
}

func (r *recorder) React(_ context.Context, _, ts, emoji string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reactions = append(r.reactions, ts+" "+emoji)
	return nil
}

func (r *recorder) Upload(_ context.Context, f engine.File) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = append(r.files, f)
	return nil
}

// since returns the posts after the first n.
func (r *recorder) since(n int) []posted {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]posted(nil), r.posts[n:]...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

func (m posted) text() string {
	return m.Plain()
}

// users lists the people a message refers to (its user spans).
func (m posted) users() []string {
	var out []string
	texts := append([]rich.Text{}, m.Context...)
	for _, b := range m.Blocks {
		texts = append(texts, b.Texts()...)
	}
	for _, t := range texts {
		for _, sp := range t {
			if sp.Kind == rich.KindUser {
				out = append(out, sp.Ref)
			}
		}
	}
	return out
}

type harness struct {
	t     *testing.T
	eng   *engine.Engine
	rec   *recorder
	store workshop.Store
	ts    int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: rec, Catalog: prompts.MustLoad(), Now: func() time.Time { return now }})
	return &harness{t: t, eng: eng, rec: rec, store: store}
}

const channel = "C1"

func (h *harness) cmd(user, text string) []posted {
	h.t.Helper()
	n := h.rec.count()
	if err := h.eng.Command(context.Background(), engine.Command{Channel: channel, Actor: engine.Actor{ID: user}, Text: text}); err != nil {
		h.t.Fatalf("/journey %s: %v", text, err)
	}
	return h.rec.since(n)
}

// reply answers in the thread of the current step of W1.
func (h *harness) reply(user, text string) (engine.Outcome, []posted) {
	h.t.Helper()
	m, err := h.store.LoadMeta(context.Background(), "W1")
	if err != nil {
		h.t.Fatal(err)
	}
	h.ts++
	n := h.rec.count()
	out, _, err := h.eng.Reply(context.Background(), engine.Reply{Channel: channel, ThreadTS: m.StepTS(m.Step), TS: fmt.Sprintf("1700000000.%06d", h.ts), Author: user, Text: text})
	if err != nil {
		h.t.Fatalf("reply %q: %v", text, err)
	}
	return out, h.rec.since(n)
}

func (h *harness) workshop() *workshop.Workshop {
	h.t.Helper()
	w, err := h.store.Load(context.Background(), "W1")
	if err != nil {
		h.t.Fatal(err)
	}
	return w
}

func only(t *testing.T, posts []posted, wantEphemeral bool) posted {
	t.Helper()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1: %+v", len(posts), posts)
	}
	if posts[0].Ephemeral != wantEphemeral {
		t.Fatalf("post ephemeral=%v, want %v: %s", posts[0].Ephemeral, wantEphemeral, posts[0].text())
	}
	return posts[0]
}

func TestStartPostsHeaderAndFirstStep(t *testing.T) {
	h := newHarness(t)
	posts := h.cmd("ana", "start Checkout redesign")
	if len(posts) != 2 {
		t.Fatalf("start posted %d messages, want header and step 1", len(posts))
	}
	if posts[0].Kind != engine.KindHeader || !strings.Contains(posts[0].Title, "Checkout redesign") {
		t.Errorf("first post %q, want the header", posts[0].Title)
	}
	step := posts[1]
	if step.Kind != engine.KindStep || step.Step != workshop.Goals || step.ThreadTS != "" {
		t.Errorf("second post kind %s step %v thread %q, want top-level goals step", step.Kind, step.Step, step.ThreadTS)
	}
	for _, want := range []string{"Step 1/7", "Why do 40% of visitors leave at the payment page?", "Reply in this thread"} {
		if !strings.Contains(step.text(), want) {
			t.Errorf("step message lacks %q:\n%s", want, step.text())
		}
	}
	var ids []string
	for _, a := range step.Actions {
		ids = append(ids, a.ID)
	}
	if got := strings.Join(ids, ","); got != "add,next,summary" {
		t.Errorf("actions %s, want add,next,summary", got)
	}
	w := h.workshop()
	if w.Facilitator != "ana" || w.HeaderTS != posts[0].TS || w.StepTS(workshop.Goals) != step.TS {
		t.Errorf("meta %+v does not record the facilitator, header and step message", w.Meta)
	}
}

func TestRepliesAreStoredOnceAndMalformedLinesRejected(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.reply("ana", "Why churn?")
	h.cmd("ana", "next")
	h.cmd("ana", "next force")
	out, posts := h.reply("ben", "Pricing page | website | tomorrow | -1")
	if out != engine.Rejected {
		t.Fatalf("outcome %v, want rejected", out)
	}
	p := only(t, posts, true)
	if p.User != "ben" {
		t.Errorf("error sent to %q, want the author", p.User)
	}
	for _, want := range []string{"Line 1", "before", "tomorrow", "name | channel | phase | emotion | positive | negative", "Pricing page | website | before | -1 | clear tiers | hidden fees"} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("error lacks %q:\n%s", want, p.text())
		}
	}
	if got := len(h.workshop().InputsOf(workshop.Touchpoints)); got != 0 {
		t.Errorf("%d touchpoint inputs stored after a bad line, want 0", got)
	}

	meta, _ := h.store.LoadMeta(context.Background(), "W1")
	r := engine.Reply{Channel: channel, ThreadTS: meta.StepTS(workshop.Touchpoints), TS: "1700000099.000001", Author: "ben", Text: "Cart | website | during | -2 | <!channel> | <@U123>"}
	reactions := len(h.rec.reactions)
	for i := range 4 {
		out, _, err := h.eng.Reply(context.Background(), r)
		want := engine.Stored
		if i > 0 {
			want = engine.Duplicate
		}
		if err != nil || out != want {
			t.Fatalf("delivery %d: %v %v, want %v", i+1, out, err, want)
		}
	}
	if got := len(h.workshop().InputsOf(workshop.Touchpoints)); got != 1 {
		t.Fatalf("%d inputs after 4 deliveries, want 1", got)
	}
	if got := len(h.rec.reactions) - reactions; got != 1 {
		t.Errorf("%d reactions, want 1 for one stored reply", got)
	}
	// An edit replaces the text; an older retry of the original does not.
	r.EditedTS, r.Text = "1700000100.000000", "Cart | website | during | -1"
	if out, _, _ := h.eng.Reply(context.Background(), r); out != engine.Stored {
		t.Errorf("edit: %v, want stored", out)
	}
	r.EditedTS, r.Text = "", "Cart | website | during | -2"
	if out, _, _ := h.eng.Reply(context.Background(), r); out != engine.Duplicate {
		t.Errorf("stale retry after edit: %v, want duplicate", out)
	}
	if tp := h.workshop().Map().Touchpoints[0]; tp.Emotion != -1 {
		t.Errorf("emotion after edit %d, want -1", tp.Emotion)
	}
	// A deletion removes the input for good.
	if ok, _, err := h.eng.Delete(context.Background(), channel, r.ThreadTS, r.TS); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if out, _, _ := h.eng.Reply(context.Background(), r); out != engine.Duplicate {
		t.Errorf("retry after delete: %v, want duplicate (not resurrected)", out)
	}
	if got := len(h.workshop().Inputs); got != 1 {
		t.Errorf("inputs after delete %d, want only the goal", got)
	}
}

func TestRepliesOutsideStepThreadsAreIgnored(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	w := h.workshop()
	for _, thread := range []string{"", w.HeaderTS, "1234.5678"} {
		out, _, err := h.eng.Reply(context.Background(), engine.Reply{Channel: channel, ThreadTS: thread, TS: "1700000001.000001", Author: "ben", Text: "hello"})
		if err != nil || out != engine.Ignored {
			t.Errorf("reply in thread %q: %v %v, want ignored", thread, out, err)
		}
	}
	if n := len(h.workshop().Inputs); n != 0 {
		t.Errorf("%d inputs stored, want 0", n)
	}
}

func TestOnlyTheFacilitatorSteers(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.reply("ben", "Why churn?")
	before := h.workshop()
	for _, c := range []string{"next", "next force", "back", "goto personas", "close", "lang fr", "facilitator @ben"} {
		p := only(t, h.cmd("ben", c), true)
		if p.Kind != engine.KindError || !strings.Contains(p.text(), "Only the facilitator (@ana)") || !slices.Contains(p.users(), "ana") {
			t.Errorf("%s by ben: %q, want a refusal naming the facilitator", c, p.text())
		}
	}
	after := h.workshop()
	if after.Rev != before.Rev || after.Step != workshop.Goals {
		t.Errorf("refused commands changed the workshop: rev %d -> %d, step %v", before.Rev, after.Rev, after.Step)
	}
	// An admin may steer.
	n := h.rec.count()
	if err := h.eng.Command(context.Background(), engine.Command{Channel: channel, Actor: engine.Actor{ID: "root", Admin: true}, Text: "next"}); err != nil {
		t.Fatal(err)
	}
	if h.workshop().Step != workshop.Personas {
		t.Errorf("admin next did not move the step: %+v", h.rec.since(n))
	}
}

func TestNextNeedsInputUnlessForced(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	p := only(t, h.cmd("ana", "next"), true)
	if !strings.Contains(p.text(), "next force") {
		t.Errorf("empty-step warning %q does not mention next force", p.text())
	}
	if h.workshop().Step != workshop.Goals {
		t.Fatal("next on an empty step moved on")
	}
	posts := h.cmd("ana", "next force")
	if h.workshop().Step != workshop.Personas {
		t.Fatal("next force did not move on")
	}
	var kinds []string
	for _, p := range posts {
		kinds = append(kinds, p.Kind)
	}
	if got := strings.Join(kinds, ","); got != "summary,step" {
		t.Errorf("next posted %s, want the summary (in the old thread) then the new step", got)
	}
	if posts[0].ThreadTS != h.workshop().StepTS(workshop.Goals) {
		t.Errorf("summary thread %q, want step 1's thread", posts[0].ThreadTS)
	}
}

func TestBackAndGoto(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "next force")
	h.cmd("ana", "next force")
	first := h.workshop().StepTS(workshop.Goals)
	h.cmd("ana", "goto objectifs")
	w := h.workshop()
	if w.Step != workshop.Goals || w.StepTS(workshop.Goals) == first {
		t.Fatalf("goto objectifs: step %v ts %q, want goals with a new message", w.Step, w.StepTS(workshop.Goals))
	}
	// A late reply in the first goals thread still counts.
	out, _, err := h.eng.Reply(context.Background(), engine.Reply{Channel: channel, ThreadTS: first, TS: "1700000050.000000", Author: "ben", Text: "Late goal"})
	if err != nil || out != engine.Stored {
		t.Errorf("late reply in an old thread: %v %v", out, err)
	}
	h.cmd("ana", "goto 3")
	h.cmd("ana", "back")
	if got := h.workshop().Step; got != workshop.Personas {
		t.Errorf("after goto 3 and back: %v, want personas", got)
	}
	for _, bad := range []string{"goto", "goto nowhere", "goto personas"} {
		p := only(t, h.cmd("ana", bad), true)
		if p.Kind != engine.KindError {
			t.Errorf("%s: %q, want an error", bad, p.text())
		}
	}
}

func TestLangFrench(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Parcours d'achat")
	posts := h.cmd("ana", "lang fr")
	if p := only(t, posts, false); !strings.Contains(p.text(), "français") {
		t.Errorf("lang fr answered %q", p.text())
	}
	h.reply("ana", "Pourquoi les clients partent-ils ?")
	posts = h.cmd("ana", "next")
	if !strings.Contains(posts[1].text(), "Étape 2/7") {
		t.Errorf("step after lang fr is not French:\n%s", posts[1].text())
	}
	h.cmd("ana", "next force")
	out, _ := h.reply("ben", "Suivi | e-mail | après | 1")
	if out != engine.Stored {
		t.Fatalf("French phase: %v", out)
	}
	_, posts = h.reply("ben", "Suivi | e-mail | plus tard | 1")
	if p := only(t, posts, true); !strings.Contains(p.text(), "Ligne 1") {
		t.Errorf("French error expected, got %q", p.text())
	}
}

func TestScore(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "goto touchpoints")
	h.reply("ben", "Cart | website | during | -2")
	p := only(t, h.cmd("cid", "score T1 +1"), true)
	if !strings.Contains(p.text(), "-0.5") {
		t.Errorf("score answer %q, want the new mean -0.5", p.text())
	}
	h.cmd("cid", "score T1 🙂")
	tp := h.workshop().Map().Touchpoints[0]
	if tp.Scores["cid"] != 1 || len(tp.Scores) != 2 {
		t.Errorf("scores %v", tp.Scores)
	}
	for _, bad := range []string{"score", "score T9 1", "score T1 7", "score X1 1"} {
		if p := only(t, h.cmd("cid", bad), true); p.Kind != engine.KindError {
			t.Errorf("%s: %q, want an error", bad, p.text())
		}
	}
}

// User text is plain in every message: what Slack would read as a
// broadcast, a link or a mention stays words as typed (each renderer
// escapes it), and the only people referred to are the ones the engine
// names itself.
func TestUserTextIsPlain(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start <!channel> launch & <http://evil|click>")
	h.reply("ben", "Why <!channel>? ask <@U123>")
	posts := h.cmd("ana", "summary")
	posts = append(posts, h.cmd("ana", "next")...)
	for _, p := range posts {
		for _, u := range p.users() {
			if u != "ana" && u != "ben" {
				t.Errorf("%s message refers to %s, whom no one named as owner", p.Kind, u)
			}
		}
		for _, b := range p.Blocks {
			for _, tx := range b.Texts() {
				for _, sp := range tx {
					if sp.Kind == rich.KindLink || sp.Kind == rich.KindChannel {
						t.Errorf("%s message has a %v span from user text: %+v", p.Kind, sp.Kind, sp)
					}
				}
			}
		}
		if strings.Contains(p.text(), "<@U123>") {
			t.Errorf("%s message quotes a user reference as markup:\n%s", p.Kind, p.text())
		}
	}
	if !strings.Contains(posts[0].text(), "<!channel> launch & <http://evil|click>") || !strings.Contains(posts[0].text(), "ask @U123") {
		t.Errorf("summary does not show the text as typed:\n%s", posts[0].text())
	}
}

func TestForms(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "goto touchpoints")
	f := engine.Form{Workshop: "W1", Step: workshop.Touchpoints, Actor: engine.Actor{ID: "ben"}, ID: "V1", Fields: map[string]string{
		"name": "Cart | page", "channel": "website", "phase": "during", "emotion": "-1", "state": "ideal", "online": "offline", "owner": "@leo",
	}}
	for range 2 {
		errs, err := h.eng.Submit(context.Background(), f)
		if err != nil || len(errs) != 0 {
			t.Fatalf("submit: %v %v", errs, err)
		}
	}
	m := h.workshop().Map()
	if len(m.Touchpoints) != 1 {
		t.Fatalf("%d touchpoints after a form submitted twice, want 1", len(m.Touchpoints))
	}
	tp := m.Touchpoints[0]
	if tp.Name != "Cart / page" || tp.State != workshop.StateIdeal || tp.Online || tp.Owner != "@leo" || tp.Positive != "" {
		t.Errorf("form touchpoint %+v", tp)
	}
	f.ID, f.Fields = "V2", map[string]string{"name": "Cart", "channel": "web", "phase": "soon", "emotion": "9"}
	errs, err := h.eng.Submit(context.Background(), f)
	if err != nil || len(errs) != 1 || errs[0].Field != "phase" {
		t.Errorf("bad form: %+v %v, want a phase field error", errs, err)
	}
}

func TestFacilitatorTimeZoneFollowsTheRole(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	cmd := func(a engine.Actor, text string) {
		if err := h.eng.Command(ctx, engine.Command{Channel: channel, Actor: a, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	cmd(engine.Actor{ID: "ana", TZ: "Europe/Paris"}, "start Checkout")
	if tz := h.workshop().FacilitatorTZ; tz != "Europe/Paris" {
		t.Fatalf("tz after start %q", tz)
	}
	cmd(engine.Actor{ID: "ana", TZ: "Europe/Paris"}, "facilitator @ben")
	if w := h.workshop(); w.Facilitator != "ben" || w.FacilitatorTZ != "" {
		t.Fatalf("after handover: %s %q", w.Facilitator, w.FacilitatorTZ)
	}
	cmd(engine.Actor{ID: "ben", TZ: "America/New_York"}, "status")
	cmd(engine.Actor{ID: "cid", TZ: "Asia/Tokyo"}, "status")
	if tz := h.workshop().FacilitatorTZ; tz != "America/New_York" {
		t.Errorf("tz %q, want the new facilitator's", tz)
	}
}

// uncounted is a store holding workshops from before step totals were kept.
type uncounted struct{ workshop.Store }

func (uncounted) Counts(context.Context, string) (workshop.Counts, error) {
	return workshop.Counts{}, nil
}

// Test lines are checked against the goals through the step totals, and
// through the whole workshop when it predates them.
func TestTestLinesAreCheckedAgainstTheGoals(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(fmt.Sprintf("predates totals=%v", old), func(t *testing.T) {
			h := newHarness(t)
			if old {
				h.eng = engine.New(engine.Config{Schedules: review.Schedules{}, Store: uncounted{h.store}, Notifier: h.rec, Catalog: prompts.MustLoad()})
			}
			h.cmd("U1", "start Goals")
			h.reply("U2", "Why do they leave?\nWhy do they call?")
			h.reply("U3", "What do they compare?")
			h.cmd("U1", "goto test")
			for line, want := range map[string]engine.Outcome{
				"G3 yes | compared": engine.Stored,
				"G1 no":             engine.Stored,
				"G4 partly":         engine.Rejected,
				"G0 yes":            engine.Rejected,
			} {
				if got, _ := h.reply("U2", line); got != want {
					t.Errorf("%q: %v, want %v", line, got, want)
				}
			}
			// A deleted reply takes its goals with it.
			if _, err := h.store.DeleteInput(context.Background(), "W1", "1700000000.000002"); err != nil {
				t.Fatal(err)
			}
			if got, _ := h.reply("U2", "G3 yes"); got != engine.Rejected {
				t.Errorf("G3 after its reply was deleted: %v, want rejected", got)
			}
		})
	}
}

// The header the debounced refresh writes from the store's totals says what
// the one written from the whole workshop says.
func TestHeaderFromTotalsMatchesTheMap(t *testing.T) {
	h := newHarness(t)
	h.cmd("U1", "start Header")
	h.reply("U2", "Why do they leave?\nWhy do they call?")
	h.cmd("U1", "goto scope")
	h.reply("U3", "service-blueprint")
	h.reply("U2", "only the web journey")
	h.cmd("U1", "goto touchpoints")
	h.reply("U4", "Pricing | web | before | -1")
	h.cmd("U5", "score T1 2")
	h.cmd("U1", "goto resources") // rewrites the header from the loaded map
	last := func() string {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		m := h.rec.updates[len(h.rec.updates)-1]
		if m.Kind != engine.KindHeader {
			t.Fatalf("the last update is a %s", m.Kind)
		}
		return rich.PlainBlocks(m.Blocks)
	}
	fromMap := last()
	if err := h.eng.RefreshHeader(context.Background(), "W1"); err != nil {
		t.Fatal(err)
	}
	fromTotals := last()
	if fromMap != fromTotals {
		t.Errorf("header from the map:\n%s\nfrom the totals:\n%s", fromMap, fromTotals)
	}
	for _, want := range []string{"service blueprint", "@U2, @U3, @U4, @U5", "4. Scope (2)", "1. Goals (2)", "3. Touchpoints (1)", "Step 5/7"} {
		if !strings.Contains(fromTotals, want) {
			t.Errorf("header from the totals lacks %q:\n%s", want, fromTotals)
		}
	}
}
