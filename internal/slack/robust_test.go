package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/journeybot/journeybot/internal/chart"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// A score of 7 written into Redis by hand (an older version, a script, an
// operator) must not crash the score form or the chart.
func TestOutOfRangeScoreInTheStore(t *testing.T) {
	client, prefix := redistest.Client(t)
	store := redis.New(client, prefix)
	ctx := context.Background()
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &capture{}, Catalog: prompts.MustLoad()})
	if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: "start Scores"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Command(ctx, engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: "goto touchpoints"}); err != nil {
		t.Fatal(err)
	}
	m, err := store.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := eng.Reply(ctx, engine.Reply{Channel: "C1", ThreadTS: m.StepTS(workshop.Touchpoints), TS: "1800000001.000001", Author: "U2", Text: "Pricing | web | before | 1"}); err != nil || out != engine.Stored {
		t.Fatalf("reply: %v %v", out, err)
	}
	key := "1800000001.000001#0"
	for user, v := range map[string]int{"U7": 7, "U8": -9} {
		raw, _ := json.Marshal(workshop.Score{Touchpoint: key, User: user, Value: v})
		if err := client.HSet(ctx, prefix+":{W1}:scores", key+"|"+user+"|0", raw).Err(); err != nil {
			t.Fatal(err)
		}
	}
	w, err := workshop.Open(ctx, store, "W1")
	if err != nil {
		t.Fatal(err)
	}
	b := New(Config{Engine: eng, Store: store})
	for _, user := range []string{"U7", "U8"} {
		v := b.scoreView(w, user, 0)
		if _, err := json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	tp := w.Map().Touchpoints[0]
	if tp.Scores["U7"] != 2 || tp.Scores["U8"] != -2 {
		t.Errorf("scores read back as %v, want clamped", tp.Scores)
	}
	if err := chart.Init(); err != nil {
		t.Fatal(err)
	}
	var png bytes.Buffer
	if err := chart.Render(&png, chart.Curve{Title: "Scores", Points: chart.FromTouchpoints(w.Map().Journey())}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Error("the chart is not a PNG")
	}
}

// syncLog is a log sink safe for the bot's goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestPanicsAreRecoveredLoggedAndCounted(t *testing.T) {
	var log syncLog
	var mu sync.Mutex
	panics := map[string]int{}
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: nil, Notifier: &capture{}, Catalog: prompts.MustLoad()})
	b := New(Config{Engine: eng, Logger: slog.New(slog.NewJSONHandler(&log, nil)), Panicked: func(task string) {
		mu.Lock()
		defer mu.Unlock()
		panics[task]++
	}})

	// In background work.
	b.spawn(withEventID(context.Background(), "Ev0PANIC1"), "injected", func(context.Context) error {
		var m map[string]int
		m["boom"]++ // a nil map: a real runtime panic
		return nil
	})
	// In a request handler: a 500, not a dropped connection or a dead process.
	h := b.recovering("events", func(http.ResponseWriter, *http.Request) { panic("handler boom") })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/slack/events", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("a panicking handler answered %d, want 500", rec.Code)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown after a panic: %v", err)
	}
	mu.Lock()
	if panics["injected"] != 1 || panics["events"] != 1 {
		t.Errorf("panics counted %v, want one each", panics)
	}
	mu.Unlock()
	out := log.String()
	for _, want := range []string{`"msg":"panic recovered"`, `"task":"injected"`, `"event_id":"Ev0PANIC1"`, "assignment to entry in nil map", `"task":"events"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}

	// Once draining began, nothing new starts.
	ran := false
	b.spawn(context.Background(), "late", func(context.Context) error { ran = true; return nil })
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran || !strings.Contains(log.String(), "work refused: shutting down") {
		t.Errorf("work spawned after drain ran=%v; log:\n%s", ran, log.String())
	}
}
