package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/workshop"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

func TestFamilies(t *testing.T) {
	m := New(func(context.Context) (int, error) { return 3, nil })
	m.Request("events", "accepted")
	m.Request("events", "duplicate")
	m.Request("commands", "bad_signature")
	m.Reminder("late")
	m.Installations(2, 1)
	h := m.Time("events", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/slack/events", nil))

	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "chat.update") {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer slack.Close()
	client := &http.Client{Transport: m.Transport(nil)}
	for _, method := range []string{"chat.postMessage", "chat.postMessage", "chat.update"} {
		resp, err := client.Post(slack.URL+"/api/"+method, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	out := scrape(t, m)
	for _, want := range []string{
		`journeybot_requests_total{outcome="accepted",route="events"} 1`,
		`journeybot_requests_total{outcome="duplicate",route="events"} 1`,
		`journeybot_requests_total{outcome="bad_signature",route="commands"} 1`,
		`journeybot_request_duration_seconds_count{route="events"} 1`,
		`journeybot_slack_api_calls_total{method="chat.postMessage",status="200"} 2`,
		`journeybot_slack_api_calls_total{method="chat.update",status="429"} 1`,
		`journeybot_reminders_total{result="late"} 1`,
		`journeybot_reminders_total{result="claimed_elsewhere"} 0`,
		`journeybot_workshops_open 3`,
		`journeybot_installations{state="active"} 2`,
		`journeybot_installations{state="uninstalled"} 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStoreErrorsAreCounted(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	m := New(nil)
	st := m.Store(s)
	ctx := context.Background()
	if _, err := st.Load(ctx, "W404"); !errors.Is(err, workshop.ErrNotFound) {
		t.Fatalf("load: %v", err)
	}
	refusal := errors.New("no")
	st.Create(ctx, &workshop.Meta{ID: "W1", Channel: "C1", Step: workshop.Goals})
	if _, err := st.UpdateMeta(ctx, "W1", func(*workshop.Meta) error { return refusal }); !errors.Is(err, refusal) {
		t.Fatalf("update: %v", err)
	}
	s.Close() // every operation fails from now on
	st.Ping(ctx)
	st.PutInput(ctx, "W1", workshop.Input{ID: "1", Step: workshop.Goals, Text: "x"})
	out := scrape(t, m)
	for _, want := range []string{`journeybot_store_errors_total{op="ping"} 1`, `journeybot_store_errors_total{op="put_input"} 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s:\n%s", want, out)
		}
	}
	for _, zero := range []string{`journeybot_store_errors_total{op="load"} 0`, `journeybot_store_errors_total{op="update_meta"} 0`} {
		if !strings.Contains(out, zero) {
			t.Errorf("an answer was counted as a store error: want %s", zero)
		}
	}
}
