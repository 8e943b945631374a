package chart

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/workshop"
)

// -sample writes the sample pictures to a directory, to look at them:
//
//	go test ./internal/chart -run TestSample -sample /tmp
var sampleDir = flag.String("sample", "", "write sample charts to this directory")

// sampleTouchpoints is a realistic twelve-touchpoint checkout journey with
// scores from four participants and two ideal touchpoints.
func sampleTouchpoints() []workshop.Touchpoint {
	type tp struct {
		name   string
		phase  workshop.Phase
		scores []int
		ideal  bool
	}
	raw := []tp{
		{"Sees Instagram ad 📱", workshop.Before, []int{1, 1, 0, 2}, false},
		{"Pricing page", workshop.Before, []int{0, -1, 1, 0}, false},
		{"Compares delivery options with competitors", workshop.Before, []int{-1, -1, 0, -2}, false},
		{"Creates an account", workshop.Before, []int{-2, -1, -1, -2}, false},
		{"Adds to basket", workshop.During, []int{1, 1, 2, 1}, false},
		{"Enters card details 💳", workshop.During, []int{-1, -2, -1, -1}, false},
		{"3-D Secure check", workshop.During, []int{-2, -2, -1, -2}, false},
		{"One-tap payment", workshop.During, []int{2, 2, 1, 2}, true},
		{"Order confirmation e-mail", workshop.After, []int{1, 2, 1, 1}, false},
		{"Livraison à domicile — suivi", workshop.After, []int{0, -1, 1, 1}, false},
		{"Parcel arrives", workshop.After, []int{2, 1, 2, 2}, false},
		{"Proactive delivery SMS", workshop.After, []int{2, 2, 2, 1}, true},
	}
	tps := make([]workshop.Touchpoint, len(raw))
	for i, r := range raw {
		scores := map[string]int{}
		for j, s := range r.scores {
			scores[fmt.Sprintf("U%d", j)] = s
		}
		state := workshop.StateCurrent
		if r.ideal {
			state = workshop.StateIdeal
		}
		tps[i] = workshop.Touchpoint{ID: fmt.Sprintf("T%d", i+1), Name: r.name, Phase: r.phase, Scores: scores, State: state}
	}
	return tps
}

func sampleCurve() Curve {
	return Curve{
		Title:  "Checkout redesign — Claire, 34",
		Points: FromTouchpoints(sampleTouchpoints()),
		Previous: map[string]float64{
			"Sees Instagram ad 📱": 0.5, "Pricing page": -1, "Creates an account": -2,
			"Adds to basket": 1, "Enters card details 💳": -1.5, "3-D Secure check": -2,
			"Order confirmation e-mail": 0.5, "Parcel arrives": 1.5,
		},
		PhaseLabels: map[workshop.Phase]string{workshop.Before: "Before", workshop.During: "During", workshop.After: "After"},
	}
}

// edgeCurve has 50 touchpoints with long names full of emoji and accents.
func edgeCurve() Curve {
	var pts []Point
	words := []string{"Réception 📦 du colis à domicile", "🚀🚀 Lancement de l'application mobile très attendue 🎉", "Paiement sécurisé 💳 — vérification 3-D Secure obligatoire", "Garçon de café ☕"}
	for i := range 50 {
		phase := workshop.Phases[i*3/50]
		m := float64((i*7)%9)/2 - 2
		name := words[i%len(words)] + strings.Repeat(" encore", i%3)
		pts = append(pts, Point{Label: fmt.Sprintf("T%d %s", i+1, name), Phase: phase, Mean: m, Lo: m - 0.5, Hi: m + 1, Ideal: i%10 == 9})
	}
	return Curve{
		Title:       "Parcours client très long 🎯 — Amélie, 52 ans, cliente fidèle depuis 2010",
		Points:      pts,
		PhaseLabels: map[workshop.Phase]string{workshop.Before: "Avant", workshop.During: "Pendant", workshop.After: "Après"},
		YLabel:      "Émotion", LegendMean: "Moyenne de l'équipe", LegendIdeal: "Idéal", LegendSpread: "Écart (min–max)", LegendPrevious: "Revue précédente",
	}
}

func TestSample(t *testing.T) {
	if *sampleDir == "" {
		t.Skip("no -sample directory")
	}
	for name, c := range map[string]Curve{"chart-sample.png": sampleCurve(), "chart-sample-edge.png": edgeCurve()} {
		f, err := os.Create(filepath.Join(*sampleDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := Render(f, c); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for name, m := range map[string]Matrix{"matrix-sample.png": sampleMatrix(), "matrix-sample-edge.png": edgeMatrix()} {
		f, err := os.Create(filepath.Join(*sampleDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := RenderMatrix(f, m); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleMatrix rates six changes, two of them alike, one on the split.
func sampleMatrix() Matrix {
	return Matrix{
		Title:    "Impact and effort · Checkout redesign",
		KeyTitle: "By priority",
		Points: []MatrixPoint{
			{Label: "C3", Text: "Retry refused cards with a clear message", Impact: 14.0 / 3, Effort: 4.0 / 3},
			{Label: "C1", Text: "Show fees on the pricing page", Impact: 13.0 / 3, Effort: 2},
			{Label: "C6", Text: "Say the delivery date before payment", Impact: 13.0 / 3, Effort: 2},
			{Label: "C5", Text: "Add a help link next to the card field", Impact: 2, Effort: 5.0 / 3},
			{Label: "C7", Text: "Ask why a basket was left", Impact: 3, Effort: 3},
			{Label: "C2", Text: "Rebuild the checkout as a native app with offline support", Impact: 13.0 / 3, Effort: 14.0 / 3},
			{Label: "C4", Text: "A loyalty programme of our own 🎁", Impact: 5.0 / 3, Effort: 13.0 / 3},
		},
		Note: "Not rated yet: C8, C9",
	}
}

// edgeMatrix has 60 changes with long French texts, many at the corners
// and the middle, and values out of range.
func edgeMatrix() Matrix {
	m := Matrix{
		Title:     "Impact et effort · Parcours client très long 🎯 — Amélie, 52 ans, cliente fidèle depuis 2010",
		QuickWins: "Gains rapides", BigBets: "Grands chantiers", FillIns: "Petits plus", MoneyPits: "Gouffres",
		XLabel: "Effort", YLabel: "Impact", KeyTitle: "Par priorité",
		Note: "Pas encore notés : " + strings.Repeat("C61, C62, C63, ", 12) + "C99",
	}
	for i := range 60 {
		m.Points = append(m.Points, MatrixPoint{
			Label:  fmt.Sprintf("C%d", i+1),
			Text:   "Changement " + strings.Repeat("très ", i%7) + "important pour la livraison à domicile",
			Impact: float64(i%9)/2 + 0.5, Effort: float64((i*5)%9)/2 + 0.5,
		})
	}
	return m
}
