package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

func formHarness(t *testing.T) (*Bot, *engine.Engine, workshop.Store) {
	t.Helper()
	store := OpenTestStore(t)
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &capture{}, Catalog: prompts.MustLoad()})
	if err := eng.Command(context.Background(), engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: "start Forms"}); err != nil {
		t.Fatal(err)
	}
	return New(Config{Engine: eng, Store: store}), eng, store
}

func blockIDs(v goslack.ModalViewRequest) []string {
	var ids []string
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*goslack.InputBlock); ok {
			ids = append(ids, in.BlockID)
		}
	}
	return ids
}

// Every error a form can get is keyed to a block the form has, and a
// required field holding only blanks is refused on that field.
func TestFormErrorsAreKeyedToTheFormsBlocks(t *testing.T) {
	b, eng, store := formHarness(t)
	ctx := context.Background()
	// One goal, so the test form opens.
	m, _ := store.LoadMeta(ctx, "W1")
	if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(workshop.Goals), TS: "1800000000.000001", Author: "U1", Text: "Why?"}); err != nil {
		t.Fatal(err)
	}
	w, err := workshop.Open(ctx, store, "W1")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range workshop.Steps {
		ids := blockIDs(b.formView(w, step, "", nil))
		for _, field := range engine.FormFields[step] {
			if !requiredFields[step.Key()+"."+field] {
				continue
			}
			fields := map[string]string{}
			for _, f := range engine.FormFields[step] {
				fields[f] = map[string]string{"phase": "before", "emotion": "1", "kind": "need", "goal": "G1", "verdict": "yes"}[f]
				if fields[f] == "" {
					fields[f] = "x"
				}
			}
			delete(fields, "due")
			fields[field] = "   "
			errs, err := eng.Submit(ctx, engine.Form{Workshop: "W1", Step: step, Actor: engine.Actor{ID: "U2"}, ID: fmt.Sprintf("V-%s-%s", step.Key(), field), Fields: formFields(values(fields))})
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Errorf("%s: a blank %s was accepted", step.Key(), field)
				continue
			}
			for _, fe := range errs {
				if !slices.Contains(ids, fe.Field) {
					t.Errorf("%s, blank %s: error keyed %q, the form's blocks are %v", step.Key(), field, fe.Field, ids)
				}
				if fe.Field != field && len(ids) > 1 && step != workshop.Test {
					t.Errorf("%s, blank %s: error keyed %q, want the field itself", step.Key(), field, fe.Field)
				}
			}
		}
	}
}

// values builds view state as Slack sends it, field by field.
func values(fields map[string]string) map[string]map[string]goslack.BlockAction {
	out := map[string]map[string]goslack.BlockAction{}
	for k, v := range fields {
		out[k] = map[string]goslack.BlockAction{k: {Value: v}}
	}
	return out
}

// Past 100 goals the goal is typed, and every goal can be tested.
func TestTestFormWithManyGoals(t *testing.T) {
	b, eng, store := formHarness(t)
	ctx := context.Background()
	m, _ := store.LoadMeta(ctx, "W1")
	var lines []string
	for i := range 120 {
		lines = append(lines, fmt.Sprintf("Question %d?", i+1))
	}
	if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(workshop.Goals), TS: "1800000000.000001", Author: "U1", Text: strings.Join(lines, "\n")}); err != nil {
		t.Fatal(err)
	}
	w, _ := workshop.Open(ctx, store, "W1")
	v := b.formView(w, workshop.Test, "", nil)
	for _, bl := range v.Blocks.BlockSet {
		in, ok := bl.(*goslack.InputBlock)
		if !ok || in.BlockID != "goal" {
			continue
		}
		if _, ok := in.Element.(*goslack.PlainTextInputBlockElement); !ok {
			t.Fatalf("the goal of a test form with 120 goals is a %T, want typed text", in.Element)
		}
		if !strings.Contains(in.Label.Text, "G120") {
			t.Errorf("goal label %q does not say how far goals go", in.Label.Text)
		}
	}
	errs, err := eng.Submit(ctx, engine.Form{Workshop: "W1", Step: workshop.Test, Actor: engine.Actor{ID: "U2"}, ID: "V1", Fields: map[string]string{"goal": "G115", "verdict": "partly", "note": "ok"}})
	if err != nil || len(errs) != 0 {
		t.Fatalf("G115: %v %v", errs, err)
	}
	w, _ = workshop.Open(ctx, store, "W1")
	if tests := w.Map().Tests; len(tests) != 1 || tests[0].Goal != "G115" {
		t.Errorf("tests %+v", tests)
	}
}

// The touchpoint form's phase select offers the map type's phases: the
// times of the day in a day-in-the-life map.
func TestPhaseSelectFollowsTheMapType(t *testing.T) {
	b, _, _ := formHarness(t)
	phases := func(m *workshop.Map) []string {
		var out []string
		for _, o := range b.fieldOptions("fr", "phase", m) {
			out = append(out, o.Value+"="+o.Text.Text)
		}
		return out
	}
	if got, want := phases(&workshop.Map{}), []string{"before=Avant", "during=Pendant", "after=Après"}; !slices.Equal(got, want) {
		t.Errorf("current-state phases %q, want %q", got, want)
	}
	day := &workshop.Map{Scope: workshop.ScopeSummary{MapType: workshop.MapDayInTheLife}}
	if got, want := phases(day), []string{"morning=Matin", "midday=Midi", "afternoon=Après-midi", "evening=Soir", "night=Nuit"}; !slices.Equal(got, want) {
		t.Errorf("day-in-the-life phases %q, want %q", got, want)
	}
}
