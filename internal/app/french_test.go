package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFrenchWorkshopReadsAsFrench plays a whole workshop in French in the
// console and reads everything it printed and exported as a French reader
// would: no ISO date, no 09h00, no decimal point, a no-break space before
// every : ; ? ! the bot writes, no English label, and plurals right for 0,
// 1 and 2.
func TestFrenchWorkshopReadsAsFrench(t *testing.T) {
	script, err := os.ReadFile("testdata/atelier.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, errOut, err := runApp(t, nil, string(script), "console", "-state", filepath.Join(t.TempDir(), "s.db"), "-user", "ana", "-lang", "fr", "-out", dir)
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut)
	}
	md, err := os.ReadFile(filepath.Join(dir, "journey-w1.md"))
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "journey-w1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// What the people typed is theirs: take it out, and code spans (what to
	// type), before reading the bot's own French.
	for _, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, rest, ok := strings.Cut(line, ": "); ok && strings.HasPrefix(line, "as ") {
			line = rest
		}
		for _, field := range strings.Split(line, "|") {
			if f := strings.TrimSpace(field); len([]rune(f)) > 3 {
				out = strings.ReplaceAll(out, f, "«typed»")
				md = []byte(strings.ReplaceAll(string(md), f, "«typed»"))
			}
		}
	}
	code := regexp.MustCompile("`[^`]*`")
	for name, text := range map[string]string{"console": code.ReplaceAllString(out, "code"), "md": code.ReplaceAllString(string(md), "code"), "csv": string(csv)} {
		for _, bad := range []struct {
			re   string
			what string
		}{
			{`\b20\d\d-\d\d-\d\d\b`, "an ISO date"},
			{`\b\d\dh\d\d\b`, "a time written 09h00"},
			{`\d\.\d`, "a decimal point"},
			{`[^\x{00a0}\x{202f}][:;?!](\s|$)`, "a : ; ? or ! without a no-break space"},
			{`(?i)\b(saved|in the thread|only @|sees this|bytes|contributors|scores|mean|items|replies|field\(s\)|version 0|minute\b.*ago)\b`, "English"},
			{`\(s\)`, "a dodged plural"},
			{`il y a 0 `, "“il y a 0”"},
		} {
			if name == "csv" && bad.what != "an ISO date" && bad.what != "a decimal point" && bad.what != "English" {
				continue
			}
			re := regexp.MustCompile(bad.re)
			for _, line := range strings.Split(text, "\n") {
				if loc := re.FindStringIndex(line); loc != nil {
					t.Errorf("%s holds %s: %q", name, bad.what, line)
				}
			}
		}
	}
	// Plurals, as French says them: 0 and 1 in the singular.
	for _, want := range []string{
		"1 élément · 1 participant", // the goals step summary… (first status)
		"0 élément · 0 réponse · 0 participant",
		"2 éléments · 2 réponses · 2 participants",
		"(1 note)", "(2 notes)",
		"1er ", "à 9\u00a0h",
		"−1,5",
	} {
		if !strings.Contains(out+string(md), want) {
			t.Errorf("the French workshop never says %q", want)
		}
	}
	if t.Failed() {
		t.Logf("console:\n%s", out)
	}
}
