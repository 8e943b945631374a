package console

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine/enginetest"
	"github.com/journeybot/journeybot/prompts"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestConsoleGolden keeps how the console prints every kind of message
// (piped, so plain) in testdata, one file per language.
func TestConsoleGolden(t *testing.T) {
	cat := prompts.MustLoad()
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			samples, _ := enginetest.Messages(t, lang)
			var out bytes.Buffer
			p := &Printer{Out: &out, Dir: t.TempDir(), Catalog: cat}
			for _, s := range samples {
				fmt.Fprintf(&out, "\n### after %s\n", s.Said)
				var err error
				if s.Update {
					err = p.Update(context.Background(), "", "", s.Message)
				} else {
					_, err = p.Post(context.Background(), s.Message)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(strings.TrimLeft(line, " │"), "[") && !strings.Contains(line, "] → ") {
					t.Errorf("a button without what does the same: %q", line)
				}
			}
			if strings.Contains(out.String(), "\x1b[") {
				t.Error("piped output holds ANSI codes")
			}
			enginetest.Golden(t, filepath.Join("testdata", "messages-"+lang+".console.golden"), out.Bytes(), *update)
		})
	}
}
