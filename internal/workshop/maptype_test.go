package workshop

import (
	"reflect"
	"slices"
	"testing"
)

func TestParseMapTypeLines(t *testing.T) {
	tests := []struct {
		name string
		step Step
		line string
		want Item
	}{
		{"lanes", Resources, "T2 | support agent | refund policy | CRM", &Lanes{Touchpoint: "T2", People: "support agent", Process: "refund policy", Technology: "CRM"}},
		{"lanes lower case, one lane", Resources, "t12 | | | Stripe", &Lanes{Touchpoint: "T12", Technology: "Stripe"}},
		{"says", Resources, "says | Just tell me the total", &EmpathyNote{Quadrant: QuadrantSays, Text: "Just tell me the total"}},
		{"pense with persona", Resources, "Pense | on me cache des frais | Claire", &EmpathyNote{Quadrant: QuadrantThinks, Text: "on me cache des frais", Persona: "Claire"}},
		{"ressent", Resources, "ressent | de la méfiance", &EmpathyNote{Quadrant: QuadrantFeels, Text: "de la méfiance"}},
		{"does", Resources, "does | compares three sites", &EmpathyNote{Quadrant: QuadrantDoes, Text: "compares three sites"}},
		{"morning", Touchpoints, "Alarm app | phone app | morning | 0", &Touchpoint{Name: "Alarm app", Channel: "phone app", Phase: Morning, State: StateCurrent}},
		{"après-midi", Touchpoints, "Livraison | coursier | Après-midi | 1", &Touchpoint{Name: "Livraison", Channel: "coursier", Phase: Afternoon, Emotion: 1, State: StateCurrent, Online: true}},
		{"nuit", Touchpoints, "Appli | mobile | nuit | -1", &Touchpoint{Name: "Appli", Channel: "mobile", Phase: Night, Emotion: -1, State: StateCurrent, Online: true}},
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

func TestParseReplyIn(t *testing.T) {
	tests := []struct {
		name    string
		step    Step
		c       Context
		text    string
		field   string
		got     string
		mapType string
	}{
		{"lanes in a blueprint", Resources, Context{MapServiceBlueprint, 3}, "T2 | agent | refunds | CRM\nneed | tool", "", "", ""},
		{"lanes outside a blueprint", Resources, Context{"", 3}, "T2 | agent | refunds | CRM", FieldLane, "T2", MapCurrentState},
		{"lanes of a missing touchpoint", Resources, Context{MapServiceBlueprint, 3}, "T4 | agent", FieldTPoint, "T4", MapServiceBlueprint},
		{"lanes, touchpoints unknown", Resources, Context{MapServiceBlueprint, -1}, "T40 | agent", "", "", ""},
		{"lanes all empty", Resources, Context{MapServiceBlueprint, 3}, "T2 | | |", FieldLanes, "", MapServiceBlueprint},
		{"empathy in an empathy map", Resources, Context{MapEmpathyMap, 0}, "says | hi\nfeels | tired", "", "", ""},
		{"empathy outside one", Resources, Context{MapFutureState, 0}, "feels | tired", FieldQuadrant, "feels", MapFutureState},
		{"empathy empty", Resources, Context{MapEmpathyMap, 0}, "thinks |", FieldNote, "", MapEmpathyMap},
		{"kind in a blueprint", Resources, Context{MapServiceBlueprint, 3}, "maybe | x", FieldKind, "maybe", MapServiceBlueprint},
		{"day phase in a day map", Touchpoints, Context{MapDayInTheLife, 0}, "Alarm | app | matin | 0", "", "", ""},
		{"purchase phase in a day map", Touchpoints, Context{MapDayInTheLife, 0}, "Alarm | app | before | 0", FieldPhase, "before", MapDayInTheLife},
		{"day phase elsewhere", Touchpoints, Context{"", 0}, "Alarm | app | evening | 0", FieldPhase, "evening", MapCurrentState},
		{"purchase phase elsewhere", Touchpoints, Context{MapServiceBlueprint, 0}, "Page | web | during | 0", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, errs := ParseReplyIn(tt.step, tt.text, tt.c)
			if tt.field == "" {
				if len(errs) > 0 || len(items) == 0 {
					t.Fatalf("ParseReplyIn(%q) = %v, %+v; want items", tt.text, items, errs[0])
				}
				return
			}
			if len(errs) != 1 || items != nil {
				t.Fatalf("ParseReplyIn(%q) = %v, %v; want one error", tt.text, items, errs)
			}
			e := errs[0]
			if e.Field != tt.field || e.Got != tt.got || e.MapType != tt.mapType || e.Line != 1 {
				t.Errorf("error %+v; want field %q got %q map type %q line 1", e, tt.field, tt.got, tt.mapType)
			}
		})
	}
}

func TestMapBlueprintAndEmpathy(t *testing.T) {
	w := &Workshop{Inputs: []Input{
		{ID: "1", Step: Personas, Author: "U1", TS: "1", Text: "Claire, 34 | manager\nMarc | student"},
		{ID: "2", Step: Touchpoints, Author: "U1", TS: "2", Text: "Ad | social | before | 0\nCheckout | web | during | -2\nMail | e-mail | after | 1"},
		{ID: "3", Step: Scope, Author: "U1", TS: "3", Text: "service-blueprint"},
		{ID: "4", Step: Resources, Author: "U2", TS: "4", Text: "T2 | support agent | refund policy | CRM\nT9 | ghost\nneed | chat tool\nT2 | | manual review |\nsays | just the total\nthinks | hidden fees? | marc\nfeels | rushed"},
	}}
	m := w.Map()
	want := []Lanes{{Touchpoint: "T2", People: "support agent", Process: "refund policy; manual review", Technology: "CRM", Author: "U2"}}
	if !reflect.DeepEqual(m.Blueprint, want) {
		t.Errorf("blueprint %+v, want %+v", m.Blueprint, want)
	}
	if l, ok := m.LanesOf("T2"); !ok || l.People != "support agent" {
		t.Errorf("LanesOf(T2) = %+v, %v", l, ok)
	}
	wantE := []Empathy{
		{Persona: "Claire, 34", Says: []string{"just the total"}, Feels: []string{"rushed"}},
		{Persona: "Marc", Thinks: []string{"hidden fees?"}},
	}
	if !reflect.DeepEqual(m.Empathy, wantE) {
		t.Errorf("empathy %+v, want %+v", m.Empathy, wantE)
	}
	if got := m.Count(Resources); got != 5 {
		t.Errorf("Count(Resources) = %d, want 5 (a need, T2's lanes, three notes)", got)
	}
}

func TestMapPhases(t *testing.T) {
	w := &Workshop{Inputs: []Input{
		{ID: "1", Step: Touchpoints, TS: "1", Text: "Ad | social | before | 0\nAlarm | app | night | 0\nCoffee | shop | morning | 1"},
		{ID: "2", Step: Scope, TS: "2", Text: "journée type"},
	}}
	m := w.Map()
	if got, want := m.Phases(), []Phase{Before, Morning, Midday, Afternoon, Evening, Night}; !slices.Equal(got, want) {
		t.Errorf("Phases() = %v, want %v", got, want)
	}
	var names []string
	for _, t := range m.Journey() {
		names = append(names, t.Name)
	}
	if want := []string{"Ad", "Coffee", "Alarm"}; !slices.Equal(names, want) {
		t.Errorf("journey %v, want %v", names, want)
	}
	if got := (&Map{}).Phases(); !slices.Equal(got, Phases) {
		t.Errorf("current-state phases %v", got)
	}
}
