package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/redis/redistest"
)

// runApp runs journeybot like main does, with env as the environment.
func runApp(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), Env{
		Args:   append([]string{"journeybot"}, args...),
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb,
	})
	return out.String(), errb.String(), err
}

func script(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/workshop.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// playScript pipes the example workshop into the console and returns what it
// printed and the JSON export.
func playScript(t *testing.T, env map[string]string, state string) (string, export.Document) {
	t.Helper()
	out, errOut, err := runApp(t, env, script(t), "console", "-state", state, "-user", "ana", "-out", t.TempDir())
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut)
	}
	return out, exportJSON(t, env, state)
}

func exportJSON(t *testing.T, env map[string]string, state string) export.Document {
	t.Helper()
	js, errOut, err := runApp(t, env, "", "export", "-workshop", "W1", "-format", "json", "-state", state)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	var doc export.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, js)
	}
	return doc
}

// checkScriptOutcome checks the export and console output of the example
// workshop: every item of every step, with its author; the malformed line
// refused with the format; the refused next changing nothing.
func checkScriptOutcome(t *testing.T, out string, doc export.Document) {
	t.Helper()
	for _, want := range []string{
		"Line 1: the phase must be `before`, `during` or `after`, not “whenever”.",
		"Expected format: `name | channel | phase | emotion | positive | negative`",
		"(only @chloe sees this)\n  │ Only the facilitator (@ana) can move to the next step.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if doc.ID != "W1" || doc.Title != "Checkout redesign" || doc.Facilitator != "ana" || doc.CurrentStep != "iterate" || doc.MapType != "current-state" {
		t.Errorf("workshop %s %q facilitator %s step %s map %s", doc.ID, doc.Title, doc.Facilitator, doc.CurrentStep, doc.MapType)
	}
	type row = []string
	var goals, personas, tps, resources, tests, changes []row
	for _, g := range doc.Goals {
		goals = append(goals, row{g.ID, g.Text, g.Author})
	}
	for _, p := range doc.Personas {
		personas = append(personas, row{p.Name, p.Demographics, p.Psychographics, p.Author})
	}
	for _, tp := range doc.Touchpoints {
		scores, _ := json.Marshal(tp.Scores)
		tps = append(tps, row{tp.ID, tp.Name, tp.Channel, string(tp.Phase), string(scores), tp.Positive, tp.Negative, tp.State, tp.Author})
	}
	for _, r := range doc.Resources {
		resources = append(resources, row{r.Kind, r.Name, r.Gap, r.Owner, r.Author})
	}
	for _, r := range doc.Tests {
		tests = append(tests, row{r.Goal, r.Verdict, r.Note, r.Author})
	}
	for _, c := range doc.Changes {
		changes = append(changes, row{c.Text, c.Owner, c.Due, c.Author})
	}
	checks := []struct {
		name      string
		got, want []row
	}{
		{"goals", goals, []row{
			{"G1", "Why do 40% of visitors leave at the payment page?", "ana"},
			{"G2", "Which touchpoints make people call support?", "ben"},
		}},
		{"personas", personas, []row{
			{"Claire, 34", "marketing manager, Lyon, mobile-first", "values speed; hates hidden fees", "ana"},
			{"Marc, 58", "retired teacher, Nantes, desktop", "careful with money; wants a human to talk to", "ben"},
		}},
		{"touchpoints", tps, []row{
			{"T1", "Instagram ad", "social", "before", `{"ana":1}`, "nice visuals", "vague price", "current", "ana"},
			{"T2", "Pricing page", "website", "before", `{"ben":-1,"chloe":-2}`, "clear tiers", "hidden fees", "current", "ben"},
			{"T3", "Payment page", "website", "during", `{"ben":-2,"chloe":-2}`, "saved cards", "card refused twice", "current", "chloe"},
			{"T4", "Delivery e-mail", "e-mail", "after", `{"ben":1}`, "tracking link", "arrives late", "current", "ben"},
			{"T5", "Live chat", "website", "during", `{"ana":2}`, "instant answers", "", "ideal", "ana"},
		}},
		{"resources", resources, []row{
			{"have", "analytics funnel", "we cannot see where people drop out", "@ana", "ana"},
			{"need", "follow-up tool", "no follow-up after a refused card", "@chloe", "chloe"},
		}},
		{"tests", tests, []row{
			{"G1", "partly", "drop-off visible at payment, cause unknown", "ana"},
			{"G2", "yes", "the payment page drives most calls", "ben"},
		}},
		{"changes", changes, []row{
			{"Show fees on the pricing page", "@ben", "2026-12-15", "ana"},
			{"Retry refused cards with a clear message", "@chloe", "2027-01-15", "chloe"},
		}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
		}
	}
	if !reflect.DeepEqual(doc.Scope.Notes, []string{"Mobile web only; the shop is out of scope"}) {
		t.Errorf("scope notes %q", doc.Scope.Notes)
	}
	if len(doc.Inputs) != 17 {
		t.Errorf("%d inputs, want 17 (the malformed line is not one)", len(doc.Inputs))
	}
	for _, in := range doc.Inputs {
		if strings.Contains(in.Text, "whenever") {
			t.Errorf("the malformed line was stored: %+v", in)
		}
	}
	if doc.Review.Cadence != "off" || doc.ClosedAt != nil {
		t.Errorf("review %+v closed %v", doc.Review, doc.ClosedAt)
	}
}

func TestConsoleScriptEmbeddedStore(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	out, doc := playScript(t, map[string]string{"USER": "ana"}, state)
	checkScriptOutcome(t, out, doc)

	// A second run on the same state continues the same workshop.
	more := "as ben: Add a help link next to the card field | @ben\n/journey close\n"
	if _, errOut, err := runApp(t, nil, more, "console", "-state", state, "-user", "ana"); err != nil {
		t.Fatalf("second run: %v\n%s", err, errOut)
	}
	doc = exportJSON(t, nil, state)
	if len(doc.Changes) != 3 || doc.Changes[2].Author != "ben" || doc.ClosedAt == nil {
		t.Errorf("second run did not continue W1: changes %+v closed %v", doc.Changes, doc.ClosedAt)
	}
	list, _, err := runApp(t, nil, "", "list", "-format", "json", "-state", state)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(list), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("list: %v %s", err, list)
	}
	want := map[string]any{"id": "W1", "title": "Checkout redesign", "channel": "console", "current_step": "iterate", "closed": true}
	if !reflect.DeepEqual(rows[0], want) {
		t.Errorf("list row %v, want %v", rows[0], want)
	}
}

func TestConsoleScriptRedis(t *testing.T) {
	_, prefix := redistest.Client(t)
	env := map[string]string{"REDIS_URL": redistestURL(), "REDIS_PREFIX": prefix}
	out, doc := playScript(t, env, filepath.Join(t.TempDir(), "unused.db"))
	checkScriptOutcome(t, out, doc)

	// The same script on the embedded store gives the same map.
	_, local := playScript(t, nil, filepath.Join(t.TempDir(), "state.db"))
	strip := func(d export.Document) export.Document {
		d.CreatedAt = local.CreatedAt
		for i := range d.Versions {
			d.Versions[i].StartedAt = local.Versions[i].StartedAt
		}
		for i := range d.Touchpoints {
			d.Touchpoints[i].Key = ""
		}
		for i := range d.Changes {
			d.Changes[i].Key = ""
		}
		for i := range d.Inputs {
			d.Inputs[i].TS = ""
		}
		return d
	}
	if a, b := strip(doc), strip(local); !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Errorf("Redis and embedded exports differ:\n%s\n---\n%s", ja, jb)
	}
}

func redistestURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return redistest.DefaultURL
}

func TestConfigProblemsAreNamedTogether(t *testing.T) {
	env := map[string]string{"DEFAULT_LANG": "de", "DEFAULT_TZ": "Mars/Olympus", "LOG_LEVEL": "loud", "REDIS_URL": "http://x"}
	_, _, err := runApp(t, env, "", "list")
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"DEFAULT_LANG", "DEFAULT_TZ", "LOG_LEVEL", "REDIS_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestUsageAndVersion(t *testing.T) {
	out, _, err := runApp(t, nil, "", "version")
	if err != nil || !strings.HasPrefix(out, "journeybot ") {
		t.Errorf("version: %q %v", out, err)
	}
	// -h prints a command's usage and stops there, with success: the
	// console does not start reading.
	for _, cmd := range []string{"console", "serve", "export", "list"} {
		out, errOut, err := runApp(t, nil, "/journey start Should not run\n", cmd, "-h")
		if err != nil || !strings.Contains(errOut, "Usage of journeybot "+cmd) || out != "" {
			t.Errorf("%s -h: err %v, stdout %q, stderr %q; want the usage alone", cmd, err, out, errOut)
		}
	}
	for _, args := range [][]string{{}, {"dance"}, {"export", "-format", "xml", "-workshop", "W1"}, {"export"}} {
		if _, _, err := runApp(t, nil, "", args...); err != ErrUsage {
			t.Errorf("%v: err %v, want ErrUsage", args, err)
		}
	}
}
