package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/journeybot/journeybot/internal/engine/enginetest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestBlockKitGolden keeps the Block Kit JSON of the main messages in
// testdata, so a change to what the bot posts shows in review.
func TestBlockKitGolden(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			samples, files := enginetest.Messages(t, lang)
			var out bytes.Buffer
			for i, s := range samples {
				m := s.Message
				blocks, text := Blocks(m)
				js, _ := json.MarshalIndent(map[string]any{"kind": m.Kind, "ephemeral": m.Ephemeral, "thread": m.ThreadTS != "", "update": s.Update, "text": text, "blocks": blocks}, "", "  ")
				fmt.Fprintf(&out, "// message %d, after %s\n%s\n", i, s.Said, js)
			}
			for _, f := range files {
				fmt.Fprintf(&out, "// file %s: initial_comment %q\n", f.Name, mrkdwnOf(f.Comment))
			}
			enginetest.Golden(t, filepath.Join("testdata", "messages-"+lang+".golden"), out.Bytes(), *update)
		})
	}
}
