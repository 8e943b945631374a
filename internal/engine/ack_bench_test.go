package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// nopNotifier says nothing: the benchmark measures the acknowledgement
// path (lookups and the write), not posting.
type nopNotifier struct{}

func (nopNotifier) Post(context.Context, engine.Message) (string, error) {
	return "1700000000.000001", nil
}
func (nopNotifier) Update(context.Context, string, string, engine.Message) error {
	return nil
}
func (nopNotifier) React(context.Context, string, string, string) error { return nil }
func (nopNotifier) Upload(context.Context, engine.File) error           { return nil }

// BenchmarkTestStepReply acknowledges a test-step reply ("G1 yes | …",
// which is checked against the goals) in a workshop of 50 and of 5,000
// inputs, on the real Redis. The cost should not grow with the workshop:
// compare the two ns/op (target: within 1.5x).
func BenchmarkTestStepReply(b *testing.B) {
	for _, size := range []int{50, 5000} {
		b.Run(fmt.Sprintf("inputs=%d", size), func(b *testing.B) {
			client, prefix := redistest.Client(b)
			store := redis.New(client, prefix)
			ctx := context.Background()
			eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: nopNotifier{}, Catalog: prompts.MustLoad()})
			if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: "start Bench"}); err != nil {
				b.Fatal(err)
			}
			if err := store.BindThread(ctx, "C1", "T-goals", workshop.ThreadRef{Workshop: "W1", Step: workshop.Goals}); err != nil {
				b.Fatal(err)
			}
			if err := store.BindThread(ctx, "C1", "T-test", workshop.ThreadRef{Workshop: "W1", Step: workshop.Test}); err != nil {
				b.Fatal(err)
			}
			for i := range size {
				text := fmt.Sprintf("Why do people leave at step %d? %s", i, strings.Repeat("context ", 20))
				if _, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: "T-goals", TS: fmt.Sprintf("1700000001.%06d", i), Author: "U2", Text: text}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				out, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: "T-test", TS: fmt.Sprintf("1700000002.%06d", i), Author: "U3", Text: "G1 partly | seen, cause unknown"})
				if err != nil || out != engine.Stored {
					b.Fatalf("reply: %v %v", out, err)
				}
			}
		})
	}
}
