package app

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// playType plays script in the console as ana, with -out dir, and returns
// what it printed.
func playType(t *testing.T, script, dir string, args ...string) string {
	t.Helper()
	state := filepath.Join(t.TempDir(), "state.db")
	out, errOut, err := runApp(t, nil, script, append([]string{"console", "-state", state, "-user", "ana", "-out", dir}, args...)...)
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut)
	}
	// The export reads the same store, so the test sees what was stored.
	js, errOut, err := runApp(t, nil, "", "export", "-workshop", "W1", "-format", "json", "-state", state)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	// French no-break spaces read as spaces here.
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(out + "\n=== json\n" + js)
}

// outFile returns the content of the one file of dir whose name ends in
// suffix.
func outFile(t *testing.T, dir, suffix string) []byte {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if len(names) != 1 {
		t.Fatalf("files *%s in -out: %v", suffix, names)
	}
	b, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}

// checkPNG decodes a chart the console wrote.
func checkPNG(t *testing.T, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("chart is no PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w < 1200 {
		t.Errorf("chart %d px wide", w)
	}
}

func TestConsolePlaysServiceBlueprint(t *testing.T) {
	dir := t.TempDir()
	out := playType(t, `/journey start Checkout redesign --type service-blueprint
Why do people leave at the payment page?
/journey next
Claire, 34 | marketing manager | hates hidden fees
/journey next
Pricing page | website | before | -1 | clear tiers | hidden fees
as ben: Payment page | website | during | -2 | saved cards | card refused
/journey next
/journey next
T2 | payment support team | refunds checked by hand | PSP dashboard
as ben: T9 | nobody
as ben: T1 | | |
T1 | marketing | prices updated weekly
need | fraud tool | card refused
/journey summary
/journey next
G1 partly | the refusals show, not why
/journey next
Show fees on the pricing page | @leo | 2026-12-15
/journey export md
`, dir)
	contains(t, "console", out,
		"map type: service blueprint",
		"This map is a service blueprint",
		"`T2 | people | process | technology`",
		"Line 1: there is no touchpoint T9; this workshop has 2 (T1 to T2).",
		"Line 1: after the touchpoint, give at least one lane",
		"👥 People: payment support team · ⚙️ Process: refunds checked by hand · 💻 Technology: PSP dashboard",
		`"blueprint": [`,
		`"touchpoint": "T2",`, `"people": "payment support team",`, `"technology": "PSP dashboard"`,
	)
	md := string(outFile(t, dir, ".md"))
	contains(t, "md", md, "#### Backstage lanes", "| T2 | Payment page | payment support team | refunds checked by hand | PSP dashboard |",
		"| T1 | Pricing page | marketing | prices updated weekly |  |")
}

func TestConsolePlaysEmpathyMap(t *testing.T) {
	dir := t.TempDir()
	out := playType(t, `/journey start Refonte du paiement --type carte d'empathie
Pourquoi abandonne-t-on au paiement ?
/journey next
Claire, 34 | cheffe de projet | déteste les frais cachés
/journey next
Page des tarifs | site | avant | -1
/journey next
/journey next
dit | donnez-moi juste le total
as ben: pense | on me cache quelque chose
as ben: fait | compare trois sites
ressent | de la méfiance
as ben: T1 | support | | CRM
as ben: peut-être | rien
/journey next
/journey summary
/journey export md
`, dir, "-lang", "fr")
	contains(t, "console", out,
		"type de carte : carte d'empathie",
		"Cette carte est une carte d'empathie",
		"Ligne 1 : les coulisses (`T1 | personnes | processus | technologie`) sont propres au plan de service, et cette carte est de type carte d'empathie. La personne qui anime l'atelier peut choisir `plan-de-service` à l'étape Portée.",
		"Ligne 1 : commencez par `dispo` ou `besoin`, ou par `dit`, `pense`, `fait` ou `ressent` pour le profil, pas « peut-être ».",
		"Carte d'empathie de Claire, 34",
		"Pense : on me cache quelque chose",
		`"empathy": [`, `"persona": "Claire, 34"`, `"says": [`,
	)
	md := string(outFile(t, dir, ".md"))
	contains(t, "md", md, "| Dit | Pense |\n|---|---|\n| donnez-moi juste le total | on me cache quelque chose |\n| **Fait** | **Ressent** |\n| compare trois sites | de la méfiance |")
}

func TestConsolePlaysDayInTheLife(t *testing.T) {
	dir := t.TempDir()
	out := playType(t, `/journey start A day of Claire --type day-in-the-life
What does Claire need that nobody offers?
/journey next
Claire, 34 | commuter | short on time
/journey next
News app | phone app | morning | 0 | quick headlines | ads
Lunch order | app | midday | -2 | | always late
as ben: Parcel pick-up | locker | evening | 1 | open late
as ben: Checkout | website | before | -1
Streaming | TV app | nuit | 2
/journey chart
/journey export md
`, dir)
	contains(t, "console", out,
		"Where does the customer's day meet us?",
		"Expected format: `name | channel | time of day | emotion | positive | negative`",
		"Line 1: this is a day-in-the-life map, so the phase is a time of the day: `morning`, `midday`, `afternoon`, `evening` or `night`, not “before”.",
		`"phase": "morning"`, `"phase": "night"`,
	)
	checkPNG(t, outFile(t, dir, ".png"))
	md := string(outFile(t, dir, ".md"))
	contains(t, "md", md, "### Morning", "### Midday", "### Evening", "### Night")
	if strings.Contains(md, "### Before") {
		t.Error("md has a Before phase")
	}
}

func TestConsolePlaysFutureState(t *testing.T) {
	dir := t.TempDir()
	out := playType(t, `/journey start Checkout of 2027
Can paying take under a minute?
/journey next
Claire, 34 | manager | values speed
/journey next
Payment page | website | during | -2 | | card refused
One-tap payment | website | during | 2 | instant | | ideal
/journey next
future-state
/journey next
need | wallet integration | no one-tap payment
/journey next
G1 partly | today it takes four minutes
/journey next
Add wallets to the payment page | @leo | 2027-03-01
/journey chart
`, dir)
	contains(t, "console", out,
		"map type: future state",
		"What closes the distance between today and the ideal?",
	)
	checkPNG(t, outFile(t, dir, ".png"))
}
