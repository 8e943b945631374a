package workshop

import (
	"fmt"
	"reflect"
	"testing"
)

func TestGoalRefs(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Show fees early (G2)", []string{"G2"}},
		{"g2: fees", []string{"G2"}},
		{"see G2.", []string{"G2"}},
		{"G2's drop-off", []string{"G2"}},
		{"G20 is not G2", []string{"G20", "G2"}},
		{"G20 only", []string{"G20"}},
		{"XG2 is a part number", nil},
		{"G2b is not a goal", nil},
		{"G2_draft", nil},
		{"éG2 and G2é", nil},
		{"G2G3", nil},
		{"G1, G3 and g2", []string{"G1", "G3", "G2"}},
		{"G1-G3: a range names its ends only", []string{"G1", "G3"}},
		{"G2 then G2 again", []string{"G2"}},
		{"G02 is G2", []string{"G2"}},
		{"G0 is no goal", nil},
		{"no goal here: GG, G, 2", nil},
		{"(G4)|G5", []string{"G4", "G5"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := GoalRefs(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("GoalRefs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// coverageWorkshop has goals G1-G3; its inputs are given per step.
func coverageWorkshop(inputs ...Input) *Workshop {
	w := &Workshop{Meta: Meta{ID: "W1", Lang: LangEN}}
	w.Inputs = append(w.Inputs, Input{ID: "1", TS: "1700000001.000001", Step: Goals, Author: "ana",
		Text: "Why do people leave at payment?\nWhich touchpoints cause calls?\nDo they find the fees?"})
	for i, in := range inputs {
		in.ID = fmt.Sprintf("in%d", i)
		in.TS = fmt.Sprintf("17000001%02d.000001", i)
		w.Inputs = append(w.Inputs, in)
	}
	return w
}

func TestCoverageLinksItemsThatMentionAGoal(t *testing.T) {
	w := coverageWorkshop(
		Input{Step: Touchpoints, Author: "ben", Text: "Pricing page | website | before | -1 | clear tiers | hidden fees (g3)\n" +
			"Support line | phone | after | -2 | | long wait, see G2\n" +
			"Cart | website | during | 0 | G20 and G200 are part numbers"},
		Input{Step: Resources, Author: "cid", Text: "need | follow-up tool | calls (G2) and fees (G3) | @maria\nhave | analytics | drop-off | @ana"},
		Input{Step: Test, Author: "ben", Text: "G1 yes | funnel shows it\nG3 no | nobody looked"},
		Input{Step: Test, Author: "cid", Text: "G3 partly | fees page reviewed"},
		Input{Step: Iterate, Author: "ana", Text: "Call back within a day, for G2 | @leo\nShow fees early | @leo"},
		Input{Step: Iterate, Author: "ben", Text: "Explain fees | G1 G2 G3 squad"},
	)
	got := w.Map().Coverage()
	want := []struct {
		id, verdict, note string
		linked            []string
	}{
		{"G1", VerdictYes, "funnel shows it", []string{"C3"}},
		{"G2", "", "", []string{"T2", "R1", "C1", "C3"}},
		{"G3", VerdictPartly, "fees page reviewed", []string{"T1", "R1", "C3"}},
	}
	if len(got) != len(want) {
		t.Fatalf("coverage has %d goals, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		c := got[i]
		if c.Goal.ID != w.id || c.Verdict != w.verdict || c.Note != w.note || !reflect.DeepEqual(c.Linked, w.linked) {
			t.Errorf("coverage of %s = %s %q %q %q, want %s %q %q %q", w.id, c.Goal.ID, c.Verdict, c.Note, c.Linked, w.id, w.verdict, w.note, w.linked)
		}
	}
}

func TestUnanswered(t *testing.T) {
	tests := []struct {
		name  string
		tests []string
		want  []string
	}{
		{"no verdict at all", nil, []string{"G1", "G2", "G3"}},
		{"G1 and G3 answered", []string{"G1 yes", "G3 partly | half"}, []string{"G2"}},
		{"a no is a verdict", []string{"G1 no", "G2 non", "G3 oui"}, nil},
		{"a verdict for a goal that does not exist", []string{"G1 yes", "G9 yes"}, []string{"G2", "G3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ins []Input
			for _, line := range tt.tests {
				ins = append(ins, Input{Step: Test, Author: "ben", Text: line})
			}
			if got := coverageWorkshop(ins...).Map().Unanswered(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unanswered() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResourcesAndChangesAreNumbered(t *testing.T) {
	m := coverageWorkshop(
		Input{Step: Resources, Author: "cid", Text: "need | follow-up tool\nhave | analytics"},
		Input{Step: Iterate, Author: "ana", Text: "Show fees early\nRetry cards"},
	).Map()
	var ids []string
	for _, r := range m.Resources {
		ids = append(ids, r.ID)
	}
	for _, c := range m.Changes {
		ids = append(ids, c.ID)
	}
	if want := []string{"R1", "R2", "C1", "C2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
}
