// Package workshop is the customer journey map workshop as a domain: its seven
// steps, the items each step collects, how thread lines are read, and the
// interfaces the domain needs from the outside world (a store, a clock).
//
// It imports no chat, storage, scheduling or charting code, so it can be read
// and tested on its own.
package workshop

import (
	"strconv"
	"strings"
)

// Step is one of the seven steps of the method, numbered from 1.
type Step int

// The seven steps, in the order a workshop walks them.
const (
	Goals Step = iota + 1
	Personas
	Touchpoints
	Scope
	Resources
	Test
	Iterate
)

// Steps lists every step in order.
var Steps = []Step{Goals, Personas, Touchpoints, Scope, Resources, Test, Iterate}

// stepKeys are the stable English names used in commands, storage and exports.
var stepKeys = [...]string{"", "goals", "personas", "touchpoints", "scope", "resources", "test", "iterate"}

// stepAliases maps every accepted spelling (English, French, numbers) to a step.
var stepAliases = map[string]Step{
	"objectifs": Goals, "objectif": Goals, "goal": Goals,
	"profils": Personas, "profil": Personas, "persona": Personas,
	"points-de-contact": Touchpoints, "point-de-contact": Touchpoints, "touchpoint": Touchpoints,
	"portee": Scope, "portée": Scope,
	"ressources": Resources, "ressource": Resources, "resource": Resources,
	"tester": Test, "tests": Test,
	"iterer": Iterate, "itérer": Iterate, "repeter": Iterate, "répéter": Iterate,
}

// Key is the step's stable English name ("goals", "touchpoints", ...).
func (s Step) Key() string {
	if !s.Valid() {
		return "unknown"
	}
	return stepKeys[s]
}

// String returns the step's key.
func (s Step) String() string { return s.Key() }

// Valid reports whether s is one of the seven steps.
func (s Step) Valid() bool { return s >= Goals && s <= Iterate }

// ParseStep reads a step name as typed after `goto`: its English key, its
// French name, or its number.
func ParseStep(name string) (Step, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if n, err := strconv.Atoi(name); err == nil {
		s := Step(n)
		return s, s.Valid()
	}
	for i, k := range stepKeys {
		if k != "" && k == name {
			return Step(i), true
		}
	}
	s, ok := stepAliases[name]
	return s, ok
}

// MarshalText writes the step as its key, so JSON and stores hold "goals"
// rather than a number. The zero Step (none) is written as "".
func (s Step) MarshalText() ([]byte, error) {
	if s == 0 {
		return nil, nil
	}
	return []byte(s.Key()), nil
}

// UnmarshalText reads a step key or number; "" is the zero Step.
func (s *Step) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	st, ok := ParseStep(string(b))
	if !ok {
		return &LineError{Field: FieldStep, Got: string(b)}
	}
	*s = st
	return nil
}
