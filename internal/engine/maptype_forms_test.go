package engine_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/workshop"
)

// mapTypeWorkshop plays W1 of map type mt to its resources step, with
// three touchpoints and two personas.
func mapTypeWorkshop(t *testing.T, mt string) *harness {
	h := newHarness(t)
	h.cmd("ana", "start Checkout --type "+mt)
	h.cmd("ana", "goto personas")
	h.reply("ben", "Claire, 34 | marketing manager | values speed\nMarc, 61 | retired | careful")
	h.cmd("ana", "goto touchpoints")
	h.reply("ben", "Pricing page | website | before | -1\nPayment | website | during | -2\nDelivery | e-mail | after | 1")
	h.cmd("ana", "goto resources")
	return h
}

// A form of the backstage lanes or of an empathy note stores the very
// item its typed line does: the same input text, the same map.
func TestMapTypeFormsMakeTheTypedLinesItem(t *testing.T) {
	for _, tt := range []struct {
		mapType, kind string
		fields        map[string]string
		line          string
	}{
		{workshop.MapServiceBlueprint, engine.FormLanes,
			map[string]string{"touchpoint": "T2", "people": "support agent", "process": "", "technology": "CRM | spreadsheet"},
			"T2 | support agent |  | CRM / spreadsheet"},
		{workshop.MapServiceBlueprint, engine.FormLanes,
			map[string]string{"touchpoint": "T3", "technology": "tracking API"},
			"T3 |  |  | tracking API"},
		{workshop.MapEmpathyMap, engine.FormEmpathy,
			map[string]string{"quadrant": "thinks", "note": "they hide the fees\nuntil the end", "persona": "Marc, 61"},
			"thinks | they hide the fees until the end | Marc, 61"},
		{workshop.MapEmpathyMap, engine.FormEmpathy,
			map[string]string{"quadrant": "feels", "note": "rushed"},
			"feels | rushed"},
	} {
		t.Run(tt.kind+" "+tt.line, func(t *testing.T) {
			if got := engine.KindLine(tt.kind, tt.fields); got != tt.line {
				t.Errorf("line %q, want %q", got, tt.line)
			}
			typed := mapTypeWorkshop(t, tt.mapType)
			if out, _ := typed.reply("ben", tt.line); out != engine.Stored {
				t.Fatalf("the typed line %q: %v", tt.line, out)
			}
			form := mapTypeWorkshop(t, tt.mapType)
			errs, posts := form.submit(engine.Form{Workshop: "W1", Step: workshop.Resources, Kind: tt.kind, Actor: engine.Actor{ID: "ben"}, ID: "V1", Fields: tt.fields})
			if len(errs) != 0 {
				t.Fatalf("form refused: %+v", errs)
			}
			if len(posts) == 0 {
				t.Error("the form's item was not echoed in the step's thread")
			}
			in := form.workshop().InputsOf(workshop.Resources)
			if len(in) != 1 || in[0].Text != tt.line || in[0].Source != workshop.SourceForm {
				t.Fatalf("inputs %+v, want the line %q from the form", in, tt.line)
			}
			a, b := typed.workshop().Map(), form.workshop().Map()
			if !reflect.DeepEqual(a.Blueprint, b.Blueprint) || !reflect.DeepEqual(a.Empathy, b.Empathy) {
				t.Errorf("typed gives %+v %+v, the form %+v %+v", a.Blueprint, a.Empathy, b.Blueprint, b.Empathy)
			}
			if len(b.Blueprint)+len(b.Empathy) != 1 {
				t.Errorf("the form stored no lanes or note: %+v %+v", b.Blueprint, b.Empathy)
			}
			if tt.fields["persona"] != "" && b.Empathy[0].Persona != "Marc, 61" {
				t.Errorf("the note went to %q, want Marc", b.Empathy[0].Persona)
			}
			// Its Edit form is the same kind, filled in with the item.
			if got := engine.ItemKind(workshop.Resources, in[0].Text); got != tt.kind {
				t.Errorf("item kind %q, want %q", got, tt.kind)
			}
			if got := engine.KindLine(tt.kind, engine.ItemFields(workshop.Resources, in[0].Text)); got != tt.line {
				t.Errorf("the item's fields give back %q, want %q", got, tt.line)
			}
		})
	}
}

// What the forms cannot take is refused on the field it concerns, with
// a sentence, and nothing is stored.
func TestMapTypeFormsRefuseOnTheField(t *testing.T) {
	for _, tt := range []struct {
		name, mapType, kind string
		fields              map[string]string
		field, says         string
	}{
		{"no lane", workshop.MapServiceBlueprint, engine.FormLanes, map[string]string{"touchpoint": "T1", "people": "  "}, "people", "at least one lane"},
		{"a touchpoint past the last", workshop.MapServiceBlueprint, engine.FormLanes, map[string]string{"touchpoint": "T9", "people": "agent"}, "touchpoint", "T1 to T3"},
		{"a touchpoint that is none", workshop.MapServiceBlueprint, engine.FormLanes, map[string]string{"touchpoint": "have", "people": "agent"}, "touchpoint", "no touchpoint have"},
		{"lanes outside a blueprint", workshop.MapEmpathyMap, engine.FormLanes, map[string]string{"touchpoint": "T1", "people": "agent"}, "touchpoint", "service blueprint"},
		{"a blank note", workshop.MapEmpathyMap, engine.FormEmpathy, map[string]string{"quadrant": "says", "note": " "}, "note", "Write the note"},
		{"a note outside an empathy map", workshop.MapServiceBlueprint, engine.FormEmpathy, map[string]string{"quadrant": "says", "note": "hi"}, "quadrant", "empathy map"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := mapTypeWorkshop(t, tt.mapType)
			errs, _ := h.submit(engine.Form{Workshop: "W1", Step: workshop.Resources, Kind: tt.kind, Actor: engine.Actor{ID: "ben"}, ID: "V1", Fields: tt.fields})
			if len(errs) != 1 || errs[0].Field != tt.field || !strings.Contains(errs[0].Message, tt.says) {
				t.Fatalf("errors %+v, want one on %s saying %q", errs, tt.field, tt.says)
			}
			if !slices.Contains(engine.KindFields[tt.kind], errs[0].Field) {
				t.Errorf("error keyed %q, not a field of the %s form", errs[0].Field, tt.kind)
			}
			if in := h.workshop().InputsOf(workshop.Resources); len(in) != 0 {
				t.Errorf("a refused form stored %+v", in)
			}
		})
	}
}

// The resources step message of a service blueprint has the Backstage
// lanes button, an empathy map's the Empathy note button, and other
// maps neither.
func TestResourcesStepHasTheMapTypesFormButton(t *testing.T) {
	for mt, want := range map[string]string{
		workshop.MapServiceBlueprint: engine.ActionLanes,
		workshop.MapEmpathyMap:       engine.ActionEmpathy,
		workshop.MapCurrentState:     "",
	} {
		h := newHarness(t)
		h.cmd("ana", "start Checkout --type "+mt)
		var got []string
		for _, p := range h.cmd("ana", "goto resources") {
			if p.Kind != engine.KindStep {
				continue
			}
			for _, a := range p.Actions {
				if engine.ActionKind(a.ID) != "" {
					got = append(got, a.ID)
					if a.Value != "W1 resources" || a.Command != "" {
						t.Errorf("%s: button %+v", mt, a)
					}
				}
			}
			if want != "" && !strings.Contains(p.text(), "button has a form") {
				t.Errorf("%s: the step message does not mention the form:\n%s", mt, p.text())
			}
		}
		if want == "" && len(got) != 0 || want != "" && !slices.Equal(got, []string{want}) {
			t.Errorf("%s: form buttons %v, want %q", mt, got, want)
		}
	}
}
