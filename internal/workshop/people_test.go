package workshop

import (
	"slices"
	"testing"
)

func TestSplitFieldsKeepsUserReferencesWhole(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"need | CRM | gap | <@U0MARIA001>", []string{"need", "CRM", "gap", "<@U0MARIA001>"}},
		{"need | CRM | gap | <@U0MARIA001|maria>", []string{"need", "CRM", "gap", "<@U0MARIA001|maria>"}},
		{"<@U1|a> | <@U2|b>|c", []string{"<@U1|a>", "<@U2|b>", "c"}},
		{"a <b | c> d", []string{"a <b", "c> d"}}, // not a reference: typed text
		{"x|", []string{"x", ""}},
	}
	for _, tt := range tests {
		if got := splitFields(tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("splitFields(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestOwnersArePeople(t *testing.T) {
	w := &Workshop{
		Inputs: []Input{
			{ID: "1", Step: Resources, Author: "U1", TS: "1.1", Text: "need | CRM | no history of past tickets | <@U0MARIA001>"},
			{ID: "2", Step: Resources, Author: "U1", TS: "1.2", Text: "have | CRM | no history | maria@example.com"},
			{ID: "3", Step: Iterate, Author: "U2", TS: "1.3", Text: "Ask <@U0LEO00001> about fees | <@U0LEO00001|leo> | 2026-12-15"},
			{ID: "4", Step: Touchpoints, Author: "U2", TS: "1.4", Text: "Pricing | web | before | -1 | clear | hidden, says <@U0NOBODY01> | <@U0MARIA001>"},
			{ID: "5", Step: Goals, Author: "U2", TS: "1.5", Text: "Why does <@U0MARIA001> get calls?"},
		},
		Scores: []Score{{Touchpoint: "4#0", User: "U3", Value: 7}, {Touchpoint: "4#0", User: "U4", Value: -9}},
		Names:  Names{"U0MARIA001": "Maria Silva"},
	}
	if got := w.Mentioned(); !slices.Equal(got, []string{"U0MARIA001", "U0LEO00001", "U0NOBODY01"}) {
		t.Errorf("Mentioned = %q", got)
	}
	m := w.Map()
	if r := m.Resources[0]; r.Owner != "@Maria Silva" || r.OwnerID != "U0MARIA001" {
		t.Errorf("mention owner = %q (%q)", r.Owner, r.OwnerID)
	}
	if r := m.Resources[1]; r.Owner != "maria@example.com" || r.OwnerID != "" {
		t.Errorf("typed owner = %q (%q)", r.Owner, r.OwnerID)
	}
	// An unknown name falls back to the label Slack sent, then to the id.
	if c := m.Changes[0]; c.Owner != "@leo" || c.OwnerID != "U0LEO00001" || c.Text != "Ask @U0LEO00001 about fees" || c.Due != "2026-12-15" {
		t.Errorf("change = %+v", c)
	}
	tp := m.Touchpoints[0]
	if tp.Owner != "@Maria Silva" || tp.OwnerID != "U0MARIA001" || tp.Negative != "hidden, says @U0NOBODY01" {
		t.Errorf("touchpoint = %+v", tp)
	}
	// Out-of-range stored scores are clamped on read.
	if tp.Scores["U3"] != 2 || tp.Scores["U4"] != -2 {
		t.Errorf("scores %v, want clamped to ±2", tp.Scores)
	}
	if g := m.Goals[0].Text; g != "Why does @Maria Silva get calls?" {
		t.Errorf("goal %q", g)
	}
}

func TestScoreValidate(t *testing.T) {
	for v := -3; v <= 3; v++ {
		err := Score{Value: v}.Validate()
		if ok := v >= -2 && v <= 2; ok != (err == nil) {
			t.Errorf("Validate(%d) = %v", v, err)
		}
	}
}
