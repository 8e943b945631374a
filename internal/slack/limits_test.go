package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// capture keeps every message the engine says.
type capture struct {
	mu   sync.Mutex
	n    int
	msgs []engine.Message
}

func (c *capture) Post(_ context.Context, m engine.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.msgs = append(c.msgs, m)
	if m.Ephemeral {
		return "", nil
	}
	return fmt.Sprintf("1800000000.%06d", c.n), nil
}

func (c *capture) Update(_ context.Context, _, _ string, m engine.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	return nil
}
func (c *capture) React(context.Context, string, string, string) error { return nil }
func (c *capture) Upload(context.Context, engine.File) error           { return nil }

// limitChecker walks Block Kit JSON the way Slack validates it.
type limitChecker struct {
	t     *testing.T
	where string
	chars int
}

func (lc *limitChecker) fail(format string, args ...any) {
	lc.t.Helper()
	lc.t.Errorf("%s: "+format, append([]any{lc.where}, args...)...)
}

func (lc *limitChecker) text(obj any, max int, what string) {
	lc.t.Helper()
	m, _ := obj.(map[string]any)
	s, _ := m["text"].(string)
	if n := utf8.RuneCountInString(s); n > max {
		lc.fail("%s text is %d characters, limit %d", what, n, max)
	}
	lc.chars += utf8.RuneCountInString(s)
}

func (lc *limitChecker) element(el map[string]any) {
	lc.t.Helper()
	if id, _ := el["action_id"].(string); len(id) > maxActionID {
		lc.fail("action_id of %d characters", len(id))
	}
	switch el["type"] {
	case "button":
		lc.text(el["text"], maxButtonText, "button")
		if v, _ := el["value"].(string); len(v) > maxButtonValue {
			lc.fail("button value of %d characters", len(v))
		}
	case "static_select":
		opts, _ := el["options"].([]any)
		if len(opts) > maxOptions {
			lc.fail("%d options, limit %d", len(opts), maxOptions)
		}
		for _, o := range opts {
			lc.text(o.(map[string]any)["text"], maxOptionText, "option")
			if v, _ := o.(map[string]any)["value"].(string); utf8.RuneCountInString(v) > maxOptionValue || v == "" {
				lc.fail("option value of %d characters, want 1..%d", utf8.RuneCountInString(v), maxOptionValue)
			}
		}
		if p, ok := el["placeholder"]; ok {
			lc.text(p, maxPlaceholder, "placeholder")
		}
	case "plain_text_input":
		if p, ok := el["placeholder"]; ok {
			lc.text(p, maxPlaceholder, "placeholder")
		}
		if n, _ := el["max_length"].(float64); n > maxInputLength {
			lc.fail("max_length %v, limit %d", n, maxInputLength)
		}
	}
}

// maxInputLength is the most a plain_text_input may take.
const maxInputLength = 3000

func (lc *limitChecker) blocks(raw []byte, maxN int) {
	lc.t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		lc.fail("blocks are not JSON: %v", err)
		return
	}
	if len(blocks) > maxN {
		lc.fail("%d blocks, limit %d", len(blocks), maxN)
	}
	seen := map[string]bool{}
	for _, b := range blocks {
		if id, _ := b["block_id"].(string); id != "" {
			if seen[id] {
				lc.fail("block_id %q twice", id)
			}
			seen[id] = true
			if len(id) > maxActionID {
				lc.fail("block_id of %d characters", len(id))
			}
		}
		switch b["type"] {
		case "header":
			lc.text(b["text"], maxHeaderText, "header")
		case "section":
			lc.text(b["text"], maxSectionText, "section")
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) > 10 {
				lc.fail("context with %d elements", len(els))
			}
			for _, e := range els {
				lc.text(e, maxSectionText, "context")
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) > maxActionButtons {
				lc.fail("actions with %d elements", len(els))
			}
			for _, e := range els {
				lc.element(e.(map[string]any))
			}
		case "input":
			lc.text(b["label"], maxInputLabel, "input label")
			if h, ok := b["hint"]; ok {
				lc.text(h, maxHint, "input hint")
			}
			lc.element(b["element"].(map[string]any))
		case "divider":
		default:
			lc.fail("unexpected block type %v", b["type"])
		}
	}
}

func checkMessage(t *testing.T, where string, m engine.Message) {
	t.Helper()
	blocks, fallback := Blocks(m)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	lc := &limitChecker{t: t, where: where}
	lc.blocks(raw, maxBlocks)
	if lc.chars > maxMessageChars+maxContextText*2 {
		t.Errorf("%s: %d characters of text; Slack fails messages from about 13k", where, lc.chars)
	}
	if n := utf8.RuneCountInString(fallback); n > maxFallbackText {
		t.Errorf("%s: fallback text of %d characters", where, n)
	}
}

func checkModal(t *testing.T, where string, v goslack.ModalViewRequest) {
	t.Helper()
	for what, obj := range map[string]*goslack.TextBlockObject{"title": v.Title, "submit": v.Submit, "close": v.Close} {
		if obj == nil || utf8.RuneCountInString(obj.Text) > maxModalTitle || obj.Text == "" {
			t.Errorf("%s: modal %s %v, want 1..%d characters", where, what, obj, maxModalTitle)
		}
	}
	if len(v.PrivateMetadata) > maxMetadata {
		t.Errorf("%s: private_metadata of %d bytes", where, len(v.PrivateMetadata))
	}
	raw, err := json.Marshal(v.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	lc := &limitChecker{t: t, where: where}
	lc.blocks(raw, maxModalBlocks)
	if !goslack.ValidateUniqueBlockID(v) {
		t.Errorf("%s: block ids are not unique", where)
	}
}

// TestEverythingFitsSlackLimits builds every message and modal the bot can
// send from the largest input people can give, in both languages, and checks
// each against Block Kit's limits: nothing may be rejected for size.
func TestEverythingFitsSlackLimits(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) { checkAllMessages(t, lang) })
	}
}

func checkAllMessages(t *testing.T, lang string) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cap := &capture{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: cap, Catalog: prompts.MustLoad(), DefaultLang: lang})
	ctx := context.Background()
	long := func(prefix string, n int) string { return prefix + strings.Repeat("é<&>x", n/5)[:n-len(prefix)] }
	cmd := func(user, text string) {
		if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: engine.Actor{ID: user}, Text: text}); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
	}
	ts := 0
	reply := func(user, text string) {
		m, _ := store.LoadMeta(ctx, "W1")
		ts++
		if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(m.Step), TS: fmt.Sprintf("1700000000.%06d", ts), Author: user, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	title := strings.Repeat("Ü", engine.MaxTitleLen)
	cmd("U1", "start "+title)
	// Goals: 3,000-character replies, many of them.
	for i := range 20 {
		reply(fmt.Sprintf("U%d", i), long(fmt.Sprintf("G%d ", i), workshop.MaxFieldLen))
	}
	reply("U2", strings.Repeat("x | ", 900)+"phase") // a 3,600-char line of the goals step is still a goal
	cmd("U1", "next")
	for i := range 10 {
		reply("U3", long("P", 200)+" | "+long("d", 1000)+" | "+long("p", 1500))
		_ = i
	}
	cmd("U1", "next")
	// 50 touchpoints with 200-character names and long notes.
	for i := range 50 {
		phase := []string{"before", "during", "after"}[i%3]
		reply(fmt.Sprintf("U%d", i%7), fmt.Sprintf("%s | %s | %s | %d | %s | %s | ideal | @%s", long(fmt.Sprintf("T%d ", i), 200), long("c", 100), phase, i%5-2, long("+", 500), long("-", 500), long("o", 80)))
	}
	reply("U9", "bad | line | "+long("phase", 2900)+" | 9") // the rejection quotes what was typed
	reply("U9", strings.Repeat("a | b | c\n", 40))          // many bad lines at once
	for i := range 50 {
		cmd(fmt.Sprintf("U%d", i%7), fmt.Sprintf("score T%d %d", i+1, (i%5)-2))
	}
	cmd("U1", "next")
	reply("U1", "service-blueprint")
	reply("U2", long("note", 3000))
	cmd("U1", "next")
	for range 20 {
		reply("U4", "need | "+long("r", 500)+" | "+long("g", 2000)+" | @"+long("o", 100))
	}
	cmd("U1", "next")
	for i := range 20 {
		reply("U5", fmt.Sprintf("G%d partly | %s", i+1, long("n", 2900)))
	}
	cmd("U1", "next force") // G21 has no verdict
	for range 45 {
		reply("U6", long("c", 2000)+" | @"+long("o", 200)+" | 2020-01-01")
	}
	for i := range 45 {
		cmd(fmt.Sprintf("U%d", i%7), fmt.Sprintf("rate C%d impact %d effort %d", i+1, i%5+1, (i*3)%5+1))
	}
	cmd("U2", "next")
	cmd("U1", "summary")
	cmd("U1", "status")
	cmd("U1", "help")
	cmd("U1", "list")
	cmd("U1", "goto "+long("nowhere", 2000))
	cmd("U1", "frobnicate "+long("x", 2000))
	cmd("U1", "lang "+map[string]string{"en": "fr", "fr": "en"}[lang])
	cmd("U1", "close")
	for i := range 30 {
		cmd("U1", fmt.Sprintf("start %s %d", long("t", 100), i))
	}
	cmd("U1", "list")

	if len(cap.msgs) < 100 {
		t.Fatalf("only %d messages captured; the workshop did not run", len(cap.msgs))
	}
	kinds := map[string]int{}
	for i, m := range cap.msgs {
		kinds[m.Kind]++
		checkMessage(t, fmt.Sprintf("message %d (%s)", i, m.Kind), m)
	}
	for _, k := range []string{engine.KindHeader, engine.KindStep, engine.KindSummary, engine.KindAnswer, engine.KindError, engine.KindHelp, engine.KindNotice} {
		if kinds[k] == 0 {
			t.Errorf("no %s message was checked", k)
		}
	}

	// Every form, and the score form with 50 touchpoints.
	w, err := store.Load(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.Map().Touchpoints); n != 50 {
		t.Fatalf("%d touchpoints, want 50", n)
	}
	b := New(Config{Engine: eng, API: nil})
	for _, s := range workshop.Steps {
		checkModal(t, "form "+s.Key(), b.formView(w, s, "", nil))
	}
	// The forms map types add: 50 touchpoints of long names to choose
	// from, and ten personas whose 200-character names are longer than an
	// option's value may be.
	for _, kind := range []string{engine.FormLanes, engine.FormEmpathy} {
		v := b.formView(w, workshop.Resources, kind, nil)
		checkModal(t, kind+" form", v)
		if got, want := len(blockIDs(v)), len(engine.KindFields[kind])+1; got != want {
			t.Errorf("%s form: blocks %v, want its %d fields and the anonymous box", kind, blockIDs(v), want-1)
		}
	}
	// The score form pages: every touchpoint on exactly one page, each
	// page within the limits, the last page's submit closes the form.
	seen := map[string]int{}
	for page := 0; ; page++ {
		v := b.scoreView(w, "U1", page)
		checkModal(t, fmt.Sprintf("score form page %d", page), v)
		for _, bl := range v.Blocks.BlockSet {
			if in, ok := bl.(*goslack.InputBlock); ok {
				seen[in.BlockID]++
			}
		}
		next := strings.Fields(v.PrivateMetadata)
		if len(next) < 3 {
			if page != 2 {
				t.Errorf("50 touchpoints in %d pages, want 3", page+1)
			}
			break
		}
		if next[2] != strconv.Itoa(page+1) || v.Submit.Text == b.eng.T("en", "form.submit") {
			t.Errorf("page %d: metadata %q, submit %q", page, v.PrivateMetadata, v.Submit.Text)
		}
		if page > 5 {
			t.Fatal("the score form does not end")
		}
	}
	for _, tp := range w.Map().Touchpoints {
		if seen[tp.ID] != 1 {
			t.Errorf("%s is on %d pages of the score form", tp.ID, seen[tp.ID])
		}
	}

	// The home of the facilitator of 30 open workshops with long titles,
	// planned, with deadlines: ten shown with every button (a long link
	// each), and a word on the rest; the setting forms, with the longest
	// title and the longest plan.
	cmd("U1", "plan W31 goals=90d personas=90d touchpoints=90d scope=90d resources=90d test=90d iterate=90d")
	for i := 2; i <= 31; i++ {
		cmd("U1", fmt.Sprintf("deadline W%d 3d", i))
	}
	parts, err := eng.Home(ctx, "U1", []string{"C1"})
	if err != nil {
		t.Fatal(err)
	}
	buttons := map[string]int{}
	for i := range parts {
		for j := range parts[i].Actions {
			if a := &parts[i].Actions[j]; a.Thread != nil {
				a.URL = "https://journeybot-workshops.enterprise.slack.com/archives/" + a.Thread.Channel + "/p" + strings.Repeat("9", 16) + "?thread_ts=" + a.Thread.TS
			}
			buttons[parts[i].Actions[j].ID]++
		}
	}
	if buttons[engine.ActionSetDeadline] != engine.MaxHomeWorkshops || buttons[engine.ActionPlan] != engine.MaxHomeWorkshops {
		t.Errorf("the home's buttons: %v", buttons)
	}
	home := HomeView(parts)
	raw, err := json.Marshal(home.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	lc := &limitChecker{t: t, where: "home of U1"}
	lc.blocks(raw, maxHomeBlocks)
	if got := strings.Count(string(raw), `"action_id":"set_deadline"`); got != engine.MaxHomeWorkshops {
		t.Errorf("the home view shows %d Set deadline buttons, want %d: cut short?", got, engine.MaxHomeWorkshops)
	}
	for _, id := range []string{"W1", "W31"} {
		m, err := store.LoadMeta(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, command := range []string{engine.SettingDeadline, engine.SettingPlan} {
			checkModal(t, command+" form of "+id, b.settingView(m, command))
		}
	}
	// The rating form pages the same way: 45 changes on three pages, each
	// change's two selects on exactly one.
	if n := len(w.Map().Changes); n != 45 {
		t.Fatalf("%d changes, want 45", n)
	}
	seen = map[string]int{}
	for page := 0; ; page++ {
		v := b.rateView(w, "U1", page)
		checkModal(t, fmt.Sprintf("rate form page %d", page), v)
		for _, bl := range v.Blocks.BlockSet {
			if in, ok := bl.(*goslack.InputBlock); ok {
				seen[in.BlockID]++
			}
		}
		next := strings.Fields(v.PrivateMetadata)
		if len(next) < 3 {
			if page != 2 {
				t.Errorf("45 changes in %d pages, want 3", page+1)
			}
			break
		}
		if page > 5 {
			t.Fatal("the rate form does not end")
		}
	}
	for _, c := range w.Map().Changes {
		if seen[c.ID+".impact"] != 1 || seen[c.ID+".effort"] != 1 {
			t.Errorf("%s is on %d and %d pages of the rate form", c.ID, seen[c.ID+".impact"], seen[c.ID+".effort"])
		}
	}
}

func TestSplitAndCut(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"line one\nline two\nline three", 18, []string{"line one\nline two", "line three"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab &amp; cd", 6, []string{"ab ", "&amp; ", "cd"}},
	} {
		got := splitText(tt.in, tt.n)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	if got := cut("a &amp; b", 4); got != "a …" {
		t.Errorf("cut kept half an entity: %q", got)
	}
}
