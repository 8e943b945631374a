package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/prompts"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestBlockKitGolden keeps the Block Kit JSON of the main messages in
// testdata, so a change to what the bot posts shows in review.
func TestBlockKitGolden(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			store, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			cap := &capture{}
			now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
			eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: cap, Catalog: prompts.MustLoad(), DefaultLang: lang, Now: func() time.Time { return now }})
			ctx := context.Background()
			cmd := func(text string) {
				if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			reply := func(ts, text string) {
				m, _ := store.LoadMeta(ctx, "W1")
				if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(m.Step), TS: ts, Author: "U2", Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			cmd("start Checkout <redesign> & co")
			cmd("goto touchpoints")
			reply("1700000001.000001", "Pricing page | website | before | -1 | clear tiers | hidden fees")
			reply("1700000002.000001", "Cart | website | whenever | 0")
			cmd("summary")
			if err := eng.Remind(ctx, "W1", now, true); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for i, m := range cap.msgs {
				blocks, text := Blocks(m)
				js, _ := json.MarshalIndent(map[string]any{"kind": m.Kind, "ephemeral": m.Ephemeral, "thread": m.ThreadTS != "", "text": text, "blocks": blocks}, "", "  ")
				fmt.Fprintf(&out, "// message %d\n%s\n", i, js)
			}
			path := filepath.Join("testdata", "messages-"+lang+".golden")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("Block Kit differs from %s (go test -update rewrites it):\n%s", path, out.Bytes())
			}
		})
	}
}
