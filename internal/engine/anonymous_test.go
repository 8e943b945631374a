package engine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// anonymousHarness is a workshop at its touchpoints step, made anonymous by
// its facilitator ana, in a channel of ana, ben, cid and dan.
func anonymousHarness(t *testing.T) *harness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dir := members{channel: {{ID: "ana", TZ: "Europe/Paris"}, {ID: "ben", TZ: "Europe/Paris"}, {ID: "cid", TZ: "Europe/Paris"}, {ID: "dan", TZ: "Europe/Paris"}}}
	eng := engine.New(engine.Config{Store: store, Notifier: rec, Catalog: prompts.MustLoad(), Now: func() time.Time { return now },
		Directory: dir, Schedules: review.Schedules{}})
	h := &harness{t: t, eng: eng, rec: rec, store: store}
	h.cmd("ana", "start Checkout")
	h.cmd("ana", "goto touchpoints")
	return h
}

// submit sends the touchpoint form as user, anonymously or not, and
// returns what the bot said.
func (h *harness) submit(f engine.Form) ([]engine.FieldError, []posted) {
	h.t.Helper()
	n := h.rec.count()
	errs, err := h.eng.Submit(context.Background(), f)
	if err != nil {
		h.t.Fatalf("submit %s: %v", f.ID, err)
	}
	return errs, h.rec.since(n)
}

func touchpointForm(user, id, name string, anonymous bool) engine.Form {
	return engine.Form{Workshop: "W1", Step: workshop.Touchpoints, Actor: engine.Actor{ID: user}, ID: id, Anonymous: anonymous,
		Fields: map[string]string{"name": name, "channel": "website", "phase": "before", "emotion": "-1", "negative": "hidden fees"}}
}

// An anonymous touchpoints step: items submitted through the form by two
// people are posted as Anonymous and stored with no user id; each author
// can edit their own item and not the other's; both count as
// contributors.
func TestAnonymousTouchpointsStep(t *testing.T) {
	h := anonymousHarness(t)
	if posts := h.cmd("ben", "anonymous on touchpoints"); !strings.Contains(only(t, posts, true).text(), "Only the facilitator") {
		t.Errorf("a participant made a step anonymous: %s", posts[0].text())
	}
	n := len(h.rec.updates)
	posts := h.cmd("ana", "anonymous on touchpoints")
	if got := only(t, posts, false).text(); !strings.Contains(got, "made Touchpoints anonymous") {
		t.Errorf("announce: %s", got)
	}
	if len(h.rec.updates) != n+1 || !strings.Contains(h.rec.updates[n].Plain(), "This step is anonymous.") ||
		!strings.Contains(h.rec.updates[n].Plain(), "Replies typed in this thread stay attributed") {
		t.Fatalf("the step message was not updated to say it is anonymous: %+v", h.rec.updates[n:])
	}
	if w := h.workshop(); !w.AnonymousAt(workshop.Touchpoints) || w.AnonymousAt(workshop.Goals) {
		t.Error("anonymous at the wrong steps")
	}

	var items []string // the item buttons' values, ben's then cid's
	for _, who := range []string{"ben", "cid"} {
		errs, posts := h.submit(touchpointForm(who, "V-"+who, "Pricing page of "+strings.ToUpper(who[:1]), true))
		if len(errs) > 0 {
			t.Fatalf("%s's form: %+v", who, errs)
		}
		echo := only(t, posts, false)
		if !strings.HasPrefix(echo.text(), "Anonymous added:") || echo.ThreadTS == "" || len(echo.users()) != 0 || strings.Contains(echo.text(), who) {
			t.Errorf("%s's item posted as %q (users %q)", who, echo.text(), echo.users())
		}
		if len(echo.Actions) != 2 || echo.Actions[0].ID != engine.ActionItemEdit || echo.Actions[1].ID != engine.ActionItemDelete || echo.Actions[1].Confirm == nil {
			t.Fatalf("%s's item has buttons %+v", who, echo.Actions)
		}
		items = append(items, echo.Actions[0].Value)
	}
	w := h.workshop()
	for _, in := range w.Inputs {
		if in.Author != "" || !in.Anonymous() {
			t.Errorf("input stored as %+v, want no author and an author key", in)
		}
	}
	js, _ := json.Marshal(struct {
		I []workshop.Input
		M *workshop.Map
	}{w.Inputs, w.Map()})
	if strings.Contains(string(js), `"ben"`) || strings.Contains(string(js), `"cid"`) {
		t.Errorf("the stored inputs or the map name an anonymous author: %s", js)
	}
	for _, tp := range w.Map().Touchpoints {
		if !tp.Anonymous || tp.Author != "" {
			t.Errorf("touchpoint %+v", tp)
		}
	}

	// Each author can edit their own item, not the other's.
	ctx := context.Background()
	n = h.rec.count()
	if w, _, err := h.eng.EditableItem(ctx, channel, engine.Actor{ID: "ben"}, items[1]); err != nil || w != nil {
		t.Errorf("ben may edit cid's item: %v, %v", w, err)
	}
	if got := only(t, h.rec.since(n), true); got.User != "ben" || !strings.Contains(got.text(), "Only the person who posted this item") {
		t.Errorf("ben told %q", got.text())
	}
	ew, in, err := h.eng.EditableItem(ctx, channel, engine.Actor{ID: "ben"}, items[0])
	if err != nil || ew == nil {
		t.Fatalf("ben may not edit his own item: %v", err)
	}
	if got := engine.ItemFields(in.Step, in.Text); got["name"] != "Pricing page of B" || got["negative"] != "hidden fees" || got["emotion"] != "-1" {
		t.Errorf("the edit form starts from %v", got)
	}
	_, inputID := engine.ParseItemValue(items[0])
	edit := touchpointForm("cid", "V-edit1", "Hijacked", false)
	edit.Edit = &engine.ItemEdit{Input: inputID, Channel: channel, TS: "1800000000.000009"}
	if errs, posts := h.submit(edit); len(errs) != 1 || !strings.Contains(errs[0].Message, "Only the person") || len(posts) != 0 {
		t.Errorf("cid's edit of ben's item: %+v %+v", errs, posts)
	}
	edit.Actor, edit.Fields["name"] = engine.Actor{ID: "ben"}, "Pricing page, edited"
	n = len(h.rec.updates)
	if errs, _ := h.submit(edit); len(errs) != 0 {
		t.Fatalf("ben's edit: %+v", errs)
	}
	if len(h.rec.updates) != n+1 || !strings.Contains(h.rec.updates[n].Plain(), "Anonymous edited their item:") ||
		!strings.Contains(h.rec.updates[n].Plain(), "Pricing page, edited") {
		t.Errorf("the item's message after the edit: %+v", h.rec.updates[n:])
	}
	m := h.workshop().Map()
	if names := []string{m.Touchpoints[0].Name, m.Touchpoints[1].Name}; !slices.Equal(names, []string{"Pricing page, edited", "Pricing page of C"}) {
		t.Errorf("touchpoints after the edit: %q", names)
	}

	// Both count as contributors: the nudge pass and the status know it,
	// without the store holding their ids.
	c, err := h.store.Counts(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	step, _ := c.StepContributors(workshop.Touchpoints, 0)
	if len(step) != 2 || slices.Contains(step, "ben") || slices.Contains(step, "cid") {
		t.Errorf("the store's touchpoints contributors %q", step)
	}
	if _, err := h.store.UpdateMeta(ctx, "W1", func(m *workshop.Meta) error {
		m.SetDeadline(time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		m.NudgeAt = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	meta, _ := h.store.LoadMeta(ctx, "W1")
	plans, err := h.eng.NudgeAll(ctx, []*workshop.Meta{meta}, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), func(keys []string) ([]bool, error) {
		return slices.Repeat([]bool{true}, len(keys)), nil
	})
	if err != nil || !slices.Equal(plans[0].Nudged, []string{"ana", "dan"}) {
		t.Errorf("nudged %q (%v), want ana and dan: ben and cid contributed anonymously", plans[0].Nudged, err)
	}
	n = h.rec.count()
	if err := h.eng.Deadline(ctx, "W1", workshop.Touchpoints, time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if digest := only(t, h.rec.since(n), false); !digest.Direct || !strings.Contains(digest.text(), "2 items · 2 contributors: 2 anonymous") ||
		!strings.Contains(digest.text(), "Not heard from (2): @ana, @dan") {
		t.Errorf("digest:\n%s", digest.text())
	}
	for user, want := range map[string]string{"ben": "You added 1 item", "cid": "You added 1 item", "dan": ""} {
		parts, err := h.eng.Home(ctx, user, nil) // in no channel: found by their author key
		if err != nil {
			t.Fatal(err)
		}
		var home []string
		for _, p := range parts {
			home = append(home, p.Plain())
		}
		if got := strings.Join(home, "\n"); want == "" && len(parts) != 1 || want != "" && !strings.Contains(got, want) {
			t.Errorf("%s's home:\n%s", user, got)
		}
	}
	status := only(t, h.cmd("dan", "status"), true).text()
	if !strings.Contains(status, "2 contributors: 2 anonymous") || !strings.Contains(status, "3. Touchpoints: 2 items · 2 replies · 2 contributors") {
		t.Errorf("status:\n%s", status)
	}
	summary := only(t, h.cmd("dan", "summary"), false)
	if strings.Contains(summary.text(), "ben") || strings.Contains(summary.text(), "cid") || len(summary.users()) != 0 {
		t.Errorf("the summary names someone: %s (users %q)", summary.text(), summary.users())
	}

	// ben scores his own touchpoint: his score replaces his emotion; cid
	// scoring it adds one.
	h.cmd("ben", "score T1 +1")
	h.cmd("cid", "score T1 -2")
	tp := h.workshop().Map().Touchpoints[0]
	if tp.Scores[workshop.AnonymousScorer] != 1 || tp.Scores["cid"] != -2 || len(tp.Scores) != 2 {
		t.Errorf("T1 scores %v, want ben's +1 as the author's and cid's -2", tp.Scores)
	}
}

// The author deletes their own anonymous item, for good; nobody else can.
func TestDeleteAnonymousItem(t *testing.T) {
	h := anonymousHarness(t)
	posts := h.cmd("ben", "add anonymous Invoice e-mail | e-mail | after | -2")
	if len(posts) != 2 || !posts[1].Ephemeral {
		t.Fatalf("add anonymous posted %+v", posts)
	}
	echo := posts[0]
	if !strings.HasPrefix(echo.text(), "Anonymous added:") || len(echo.Actions) != 2 {
		t.Fatalf("add anonymous posted %q with %+v", echo.text(), echo.Actions)
	}
	value := echo.Actions[1].Value
	ctx := context.Background()
	n := h.rec.count()
	if err := h.eng.DeleteItem(ctx, channel, engine.Actor{ID: "cid"}, value, echo.TS); err != nil {
		t.Fatal(err)
	}
	if got := only(t, h.rec.since(n), true); !strings.Contains(got.text(), "Only the person") {
		t.Errorf("cid told %q", got.text())
	}
	if m := h.workshop().Map(); len(m.Touchpoints) != 1 {
		t.Fatalf("%d touchpoints after cid's refused deletion", len(m.Touchpoints))
	}
	u := len(h.rec.updates)
	if err := h.eng.DeleteItem(ctx, channel, engine.Actor{ID: "ben"}, value, echo.TS); err != nil {
		t.Fatal(err)
	}
	if m := h.workshop().Map(); len(m.Touchpoints) != 0 {
		t.Errorf("%d touchpoints after ben deleted his", len(m.Touchpoints))
	}
	var deleted bool
	for _, m := range h.rec.updates[u:] {
		deleted = deleted || strings.Contains(m.Plain(), "An anonymous item was deleted by its author.")
	}
	if !deleted {
		t.Errorf("the item's message was not turned into a note: %+v", h.rec.updates[u:])
	}
	if c, _ := h.store.Counts(ctx, "W1"); len(c.People) != 0 {
		t.Errorf("contributors %q after the only item was deleted", c.People)
	}
	n = h.rec.count()
	if err := h.eng.DeleteItem(ctx, channel, engine.Actor{ID: "ben"}, value, echo.TS); err != nil {
		t.Fatal(err)
	}
	if got := only(t, h.rec.since(n), true); !strings.Contains(got.text(), "no longer in the map") {
		t.Errorf("a second deletion told %q", got.text())
	}
}

// /journey add adds one line to the current step from anywhere: under the
// caller's name, or anonymously with the word (in English or French); a
// line that cannot be read adds nothing.
func TestAddCommand(t *testing.T) {
	h := anonymousHarness(t)
	posts := h.cmd("ben", `add W1 "Buy now" button | website | during | 1`)
	if len(posts) != 2 || !strings.Contains(posts[0].text(), "added with /journey add:") || !slices.Contains(posts[0].users(), "ben") || len(posts[0].Actions) != 0 {
		t.Fatalf("attributed add posted %+v", posts)
	}
	if !posts[1].Ephemeral || !strings.Contains(posts[1].text(), "Added to Touchpoints (W1).") {
		t.Errorf("answer %q", posts[1].text())
	}
	posts = h.cmd("cid", "ajouter anonyme Facture | e-mail | après | -1")
	if len(posts) != 2 || !strings.HasPrefix(posts[0].text(), "Anonymous added:") || !strings.Contains(posts[1].text(), "as “Anonymous”") {
		t.Fatalf("French anonymous add posted %+v", posts)
	}
	w := h.workshop()
	m := w.Map()
	if len(m.Touchpoints) != 2 || m.Touchpoints[0].Name != `"Buy now" button` || m.Touchpoints[0].Author != "ben" || !m.Touchpoints[1].Anonymous {
		t.Errorf("touchpoints %+v", m.Touchpoints)
	}
	if src := w.InputsOf(workshop.Touchpoints)[0].Source; src != workshop.SourceCommand {
		t.Errorf("source %q", src)
	}
	for text, want := range map[string]string{
		"add":                            "Give the item as one line",
		"add anonymous":                  "Give the item as one line",
		"add Cart | website | soon | -1": "I couldn't read that line, so I added nothing",
	} {
		got := only(t, h.cmd("ben", text), true)
		if !strings.Contains(got.text(), want) {
			t.Errorf("%q answered %q, want %q", text, got.text(), want)
		}
	}
	if n := len(h.workshop().Inputs); n != 2 {
		t.Errorf("%d inputs after refused adds, want 2", n)
	}
}

// /journey anonymous alone says where input is anonymous; on and off for
// the whole workshop, and a step of its own.
func TestAnonymousSettings(t *testing.T) {
	h := anonymousHarness(t)
	ask := func() string { return only(t, h.cmd("ben", "anonymous"), true).text() }
	if got := ask(); !strings.Contains(got, "Anonymous in no step by default") {
		t.Errorf("state: %s", got)
	}
	h.cmd("ana", "anonymous on")
	n := len(h.rec.updates)
	h.cmd("ana", "anonymous off goals")
	for _, u := range h.rec.updates[n:] {
		if u.Kind == engine.KindStep {
			t.Errorf("another step's choice rewrote the current step's message: %s", u.Plain())
		}
	}
	if got := ask(); !strings.Contains(got, "Anonymous by default in 6 steps: Personas, Touchpoints, Scope, Resources, Test, Iterate.") {
		t.Errorf("state: %s", got)
	}
	for text, want := range map[string]string{"anonymous maybe": "Say on or off", "anonymous on nowhere": "I don't know the step"} {
		if got := only(t, h.cmd("ana", text), true).text(); !strings.Contains(got, want) {
			t.Errorf("%q answered %q", text, got)
		}
	}
	h.cmd("ana", "anonymous off")
	if got := ask(); !strings.Contains(got, "no step") {
		t.Errorf("state: %s", got)
	}
	h.cmd("ana", "lang fr")
	if got := only(t, h.cmd("ana", "anonymous oui points-de-contact"), false).text(); !strings.Contains(got, "a rendu l'étape Points de contact anonyme") {
		t.Errorf("French: %s", got)
	}
}

// Two replicas (two engines on one store, their clocks at the same
// microsecond) each take an add: both are kept, keyed by the command's id;
// the same command delivered twice is kept once.
func TestAddOnTwoReplicasKeepsBoth(t *testing.T) {
	h := anonymousHarness(t)
	other := engine.New(engine.Config{Store: h.store, Notifier: h.rec, Catalog: prompts.MustLoad(), Schedules: review.Schedules{},
		Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }})
	for _, c := range []struct {
		eng *engine.Engine
		id  string
	}{{h.eng, "TRIG-1"}, {other, "TRIG-2"}, {other, "TRIG-2"}} {
		if err := c.eng.Command(context.Background(), engine.Command{Channel: channel, Actor: engine.Actor{ID: "ben"}, ID: c.id, Text: "add anonymous Cart | web | during | 0"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.workshop().Inputs); n != 2 {
		t.Errorf("%d inputs, want 2", n)
	}
}
