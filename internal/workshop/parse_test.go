package workshop

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name string
		step Step
		line string
		want Item
	}{
		{"goal", Goals, "Why do 40% of visitors leave at the payment page?", &Goal{Text: "Why do 40% of visitors leave at the payment page?"}},
		{"goal bullet", Goals, "- Why do they call support?", &Goal{Text: "Why do they call support?"}},
		{"persona full", Personas, "Claire, 34 | marketing manager, Lyon, mobile-first | values speed; hates hidden fees",
			&Persona{Name: "Claire, 34", Demographics: "marketing manager, Lyon, mobile-first", Psychographics: "values speed; hates hidden fees"}},
		{"persona name only", Personas, "Claire", &Persona{Name: "Claire"}},
		{"touchpoint spec example", Touchpoints, "Pricing page | website | before | -1 | clear tiers | hidden fees",
			&Touchpoint{Name: "Pricing page", Channel: "website", Phase: Before, Emotion: -1, Positive: "clear tiers", Negative: "hidden fees", State: StateCurrent, Online: true}},
		{"touchpoint french, emoji, ideal", Touchpoints, "Chat en direct | site | pendant | 🙂 | rapide | | idéal",
			&Touchpoint{Name: "Chat en direct", Channel: "site", Phase: During, Emotion: 1, Positive: "rapide", State: StateIdeal, Online: true}},
		{"touchpoint après shortcode", Touchpoints, "Suivi | e-mail | APRÈS | :heart_eyes:",
			&Touchpoint{Name: "Suivi", Channel: "e-mail", Phase: After, Emotion: 2, State: StateCurrent, Online: true}},
		{"touchpoint offline guessed, owner", Touchpoints, "Checkout desk | shop | during | +2 | friendly | queue | @leo",
			&Touchpoint{Name: "Checkout desk", Channel: "shop", Phase: During, Emotion: 2, Positive: "friendly", Negative: "queue", Owner: "@leo", State: StateCurrent}},
		{"touchpoint online override", Touchpoints, "Hotline | phone | after | 0 | | | online",
			&Touchpoint{Name: "Hotline", Channel: "phone", Phase: After, Emotion: 0, State: StateCurrent, Online: true}},
		{"scope keyword", Scope, "current-state", &ScopeNote{MapType: MapCurrentState}},
		{"scope french keyword", Scope, "Plan de service", &ScopeNote{MapType: MapServiceBlueprint}},
		{"scope note", Scope, "Only the mobile app, not the shop", &ScopeNote{Note: "Only the mobile app, not the shop"}},
		{"resource", Resources, "need | follow-up tool | no follow-up after a ticket | @maria",
			&Resource{Kind: KindNeed, Name: "follow-up tool", Gap: "no follow-up after a ticket", Owner: "@maria"}},
		{"resource french", Resources, "besoin | outil de relance", &Resource{Kind: KindNeed, Name: "outil de relance"}},
		{"test", Test, "G1 partly | drop-off visible, cause unknown", &TestResult{Goal: "G1", Verdict: VerdictPartly, Note: "drop-off visible, cause unknown"}},
		{"test separated", Test, "g2 | oui | ok", &TestResult{Goal: "G2", Verdict: VerdictYes, Note: "ok"}},
		{"test french two words", Test, "G3 en partie", &TestResult{Goal: "G3", Verdict: VerdictPartly}},
		{"change", Iterate, "Show fees on the pricing page | @leo | 2026-12-15", &Change{Text: "Show fees on the pricing page", Owner: "@leo", Due: "2026-12-15"}},
		{"change french date", Iterate, "Afficher les frais | @léo | 15/12/2026", &Change{Text: "Afficher les frais", Owner: "@léo", Due: "2026-12-15"}},
		{"change text only", Iterate, "Simplify payment", &Change{Text: "Simplify payment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine(tt.step, tt.line)
			if err != nil {
				t.Fatalf("ParseLine(%s, %q) error %v", tt.step, tt.line, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLine(%s, %q)\n got %#v\nwant %#v", tt.step, tt.line, got, tt.want)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	tests := []struct {
		name      string
		step      Step
		line      string
		field     string
		got       string
		min, max_ int
	}{
		{"touchpoint too few fields", Touchpoints, "Pricing page | website", FieldCount, "2", 4, 9},
		{"touchpoint bad phase", Touchpoints, "Pricing page | website | tomorrow | -1", FieldPhase, "tomorrow", 0, 0},
		{"touchpoint emotion out of range", Touchpoints, "Pricing page | website | before | 5", FieldEmotion, "5", 0, 0},
		{"touchpoint emotion word", Touchpoints, "Pricing page | website | before | sad", FieldEmotion, "sad", 0, 0},
		{"touchpoint no name", Touchpoints, " | website | before | 1", FieldName, "", 0, 0},
		{"touchpoint no channel", Touchpoints, "Page |  | before | 1", FieldChannel, "", 0, 0},
		{"touchpoint too many free fields", Touchpoints, "a | b | before | 1 | c | d | e | f", FieldCount, "8", 4, 9},
		{"persona too many", Personas, "a | b | c | d", FieldCount, "4", 1, 3},
		{"persona empty name", Personas, " | b", FieldName, "", 0, 0},
		{"resource bad kind", Resources, "maybe | tool", FieldKind, "maybe", 0, 0},
		{"resource one field", Resources, "need", FieldCount, "1", 2, 4},
		{"test bad goal", Test, "goal one yes", FieldGoal, "goal", 0, 0},
		{"test G0", Test, "G0 yes", FieldGoal, "G0", 0, 0},
		{"test bad verdict", Test, "G1 maybe | hmm", FieldVerdict, "maybe", 0, 0},
		{"test missing verdict", Test, "G1", FieldVerdict, "", 0, 0},
		{"change bad date", Iterate, "Fix | @leo | next week", FieldDue, "next week", 0, 0},
		{"change impossible date", Iterate, "Fix | @leo | 2026-02-30", FieldDue, "2026-02-30", 0, 0},
		{"change empty text", Iterate, " | @leo", FieldName, "", 0, 0},
		{"too long", Goals, strings.Repeat("x", MaxFieldLen+1), FieldTooLong, strings.Repeat("x", 40) + "…", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item, err := ParseLine(tt.step, tt.line)
			if err == nil {
				t.Fatalf("ParseLine(%s, %q) = %#v, want an error on %s", tt.step, tt.line, item, tt.field)
			}
			if err.Field != tt.field || err.Got != tt.got {
				t.Errorf("error field %q got %q, want field %q got %q", err.Field, err.Got, tt.field, tt.got)
			}
			if err.Min != tt.min || err.Max != tt.max_ {
				t.Errorf("error min/max %d/%d, want %d/%d", err.Min, err.Max, tt.min, tt.max_)
			}
			if item != nil {
				t.Errorf("item %#v returned with an error", item)
			}
		})
	}
}

// A reply with one bad line stores nothing: the author fixes it and edits.
func TestParseReplyAllOrNothing(t *testing.T) {
	text := "Pricing page | website | before | -1\nCart | website | whenever | 0\n\nDelivery | courier | after | 2"
	items, errs := ParseReply(Touchpoints, text)
	if items != nil {
		t.Errorf("items = %v, want none when a line fails", items)
	}
	if len(errs) != 1 || errs[0].Line != 2 || errs[0].Field != FieldPhase {
		t.Fatalf("errs = %+v, want one phase error on line 2", errs)
	}
	items, errs = ParseReply(Touchpoints, "Pricing page | website | before | -1\n\n  Delivery | courier | after | 2  ")
	if len(errs) != 0 || len(items) != 2 {
		t.Fatalf("got %d items, errs %v; want 2 items", len(items), errs)
	}
	if _, errs := ParseReply(Goals, " \n \n"); len(errs) != 1 || errs[0].Field != FieldText {
		t.Errorf("blank reply: errs %+v, want one empty-text error", errs)
	}
}

func TestParseStep(t *testing.T) {
	for i, names := range [][]string{
		{"goals", "1", "objectifs", "Goals"},
		{"personas", "2", "profils"},
		{"touchpoints", "3", "points-de-contact"},
		{"scope", "4", "portee", "portée"},
		{"resources", "5", "ressources"},
		{"test", "6", "tester"},
		{"iterate", "7", "iterer", "itérer"},
	} {
		for _, n := range names {
			if got, ok := ParseStep(n); !ok || got != Step(i+1) {
				t.Errorf("ParseStep(%q) = %v, %v; want %v", n, got, ok, Step(i+1))
			}
		}
	}
	for _, bad := range []string{"", "0", "8", "finish"} {
		if s, ok := ParseStep(bad); ok {
			t.Errorf("ParseStep(%q) = %v, want not ok", bad, s)
		}
	}
}

func TestMapDerivation(t *testing.T) {
	w := &Workshop{Meta: Meta{ID: "W1"}, Inputs: []Input{
		{ID: "3.0", TS: "1700000003.000000", Step: Touchpoints, Author: "bob", Text: "Delivery | courier | after | 2\nCart | website | during | -2"},
		{ID: "1.0", TS: "1700000001.000000", Step: Goals, Author: "ann", Text: "Why churn?\nWhy calls?"},
		{ID: "2.0", TS: "1700000002.000000", Step: Touchpoints, Author: "ann", Text: "Ad | social | before | 1"},
		{ID: "4.0", TS: "1700000004.000000", Step: Scope, Author: "ann", Text: "future-state"},
		{ID: "5.0", TS: "1700000005.000000", Step: Test, Author: "cid", Text: "G2 no | nobody knows"},
	}, Scores: []Score{
		{Touchpoint: "3.0#1", User: "ann", Value: 0, At: time.Unix(10, 0)},
		{Touchpoint: "3.0#1", User: "cid", Value: -1, At: time.Unix(11, 0)},
		{Touchpoint: "3.0#1", User: "ann", Value: -1, At: time.Unix(12, 0)}, // ann changes her mind
		{Touchpoint: "gone#0", User: "ann", Value: 2, At: time.Unix(13, 0)}, // a deleted touchpoint
	}}
	m := w.Map()
	if got := []string{m.Goals[0].ID + " " + m.Goals[0].Text, m.Goals[1].ID + " " + m.Goals[1].Text}; !reflect.DeepEqual(got, []string{"G1 Why churn?", "G2 Why calls?"}) {
		t.Errorf("goals %v", got)
	}
	var ids []string
	for _, tp := range m.Touchpoints {
		ids = append(ids, tp.ID+" "+tp.Name)
	}
	if want := []string{"T1 Ad", "T2 Delivery", "T3 Cart"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("touchpoints %v, want %v", ids, want)
	}
	var journey []string
	for _, tp := range m.Journey() {
		journey = append(journey, tp.ID)
	}
	if want := []string{"T1", "T3", "T2"}; !reflect.DeepEqual(journey, want) {
		t.Errorf("journey order %v, want %v", journey, want)
	}
	cart, _ := m.Touchpoint(3)
	if want := map[string]int{"bob": -2, "ann": -1, "cid": -1}; !reflect.DeepEqual(cart.Scores, want) {
		t.Errorf("cart scores %v, want %v", cart.Scores, want)
	}
	if got := cart.Mean(); got != -4.0/3 {
		t.Errorf("cart mean %v, want -1.33", got)
	}
	if lo, hi := cart.Spread(); lo != -2 || hi != -1 {
		t.Errorf("cart spread %d..%d, want -2..-1", lo, hi)
	}
	if m.MapType() != MapFutureState || m.Count(Scope) != 1 {
		t.Errorf("scope %+v", m.Scope)
	}
	if len(m.Tests) != 1 || m.Tests[0].Goal != "G2" || m.Tests[0].Author != "cid" {
		t.Errorf("tests %+v", m.Tests)
	}
	if got := w.Contributors(); !reflect.DeepEqual(got, []string{"ann", "bob", "cid"}) {
		t.Errorf("contributors %v", got)
	}
}

func TestFormatScoreAndEmoji(t *testing.T) {
	for _, tt := range []struct {
		v     float64
		score string
		face  string
	}{{-2, "-2", "😡"}, {-1.333, "-1.3", "😟"}, {0, "0", "😐"}, {-0.01, "0", "😐"}, {0.5, "+0.5", "🙂"}, {2, "+2", "😍"}} {
		if got := FormatScore(tt.v); got != tt.score {
			t.Errorf("FormatScore(%v) = %q, want %q", tt.v, got, tt.score)
		}
		if got := Emoji(tt.v); got != tt.face {
			t.Errorf("Emoji(%v) = %q, want %q", tt.v, got, tt.face)
		}
	}
}

// FuzzParseLine checks that no line, however odd, panics the parser, and
// that what it accepts is well-formed.
func FuzzParseLine(f *testing.F) {
	seeds := []string{
		"Pricing page | website | before | -1 | clear tiers | hidden fees",
		"Chat | site | pendant | 🙂 | | | idéal | hors ligne | @x",
		"G1 partly | note", "g2 | oui", "need | tool | gap | @m", "a|b|c|d|e|f|g|h|i|j",
		"Fix | @leo | 2026-12-15", "current-state", "| | | |", "\x00\xff", "+-1", "−2",
		"T2 | people | process | tech", "t0 | x", "T2 | | |", "says | x | Claire", "ressent |", "Alarm | app | après-midi | 0",
	}
	for _, s := range seeds {
		for st := Goals; st <= Iterate; st++ {
			f.Add(int(st), s)
		}
	}
	f.Fuzz(func(t *testing.T, step int, line string) {
		st := Step(step%7 + 1)
		if step < 0 {
			st = Step(-step%7 + 1)
		}
		item, err := ParseLine(st, line)
		if (item == nil) == (err == nil) {
			t.Fatalf("ParseLine(%s, %q): item %v and error %v", st, line, item, err)
		}
		if err != nil {
			if err.Field == "" {
				t.Fatalf("error without a field: %+v", err)
			}
			return
		}
		if item.step() != st {
			t.Fatalf("item of step %s from step %s", item.step(), st)
		}
		if tp, ok := item.(*Touchpoint); ok {
			if tp.Emotion < -2 || tp.Emotion > 2 || tp.Phase.Order() < 0 || tp.Name == "" || tp.Channel == "" {
				t.Fatalf("bad touchpoint %+v from %q", tp, line)
			}
		}
		if utf8.ValidString(line) && strings.Contains(line, "\n") && st != Goals {
			// Lines never contain newlines once split by ParseReply; a single
			// line with one must still produce a valid item, as above.
			return
		}
	})
}

func TestStepText(t *testing.T) {
	for _, s := range []Step{0, Goals, Iterate} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Step
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("step %d -> %q -> %d, %v", s, b, back, err)
		}
	}
	var s Step
	if err := s.UnmarshalText([]byte("nonsense")); err == nil {
		t.Error("nonsense step accepted")
	}
}
