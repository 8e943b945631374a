package app

import (
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/console"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
)

// The console's opening help shows the custom review example whole, on a
// pipe and on a terminal, in both languages.
func TestConsoleOpeningHelpKeepsTheCronExample(t *testing.T) {
	eng := engine.New(engine.Config{Schedules: review.Schedules{}})
	for _, lang := range []string{"en", "fr"} {
		for _, ansi := range []bool{false, true} {
			var out strings.Builder
			openingHelp(&out, &console.Printer{Out: &out, ANSI: ansi}, eng, lang, "ana")
			if !strings.Contains(out.String(), `"0 9 * * 1"`) || !strings.Contains(out.String(), "ana") {
				t.Errorf("%s (ansi %v) opening help lacks \"0 9 * * 1\" or the user:\n%s", lang, ansi, out.String())
			}
		}
	}
}
