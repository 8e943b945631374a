package slack_test

import (
	"context"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// slowThreads is a store whose thread lookups for one ts wait for release,
// like a store in the middle of a failover.
type slowThreads struct {
	workshop.Store
	slow    string
	release chan struct{}
}

func (s *slowThreads) Thread(ctx context.Context, channel, ts string) (workshop.ThreadRef, error) {
	if ts == s.slow {
		select {
		case <-s.release:
		case <-ctx.Done():
			return workshop.ThreadRef{}, ctx.Err()
		}
	}
	return s.Store.Thread(ctx, channel, ts)
}

// One slow envelope does not hold back the acknowledgements of those that
// arrive after it, and shutdown waits for it.
func TestSocketModeHandlesEnvelopesConcurrently(t *testing.T) {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	disk := slack.OpenTestStore(t)
	store := &slowThreads{Store: disk, slow: "1700000000.999999", release: make(chan struct{})}
	client := goslack.New("xoxb-test", goslack.OptionAPIURL(fake.APIURL()), goslack.OptionAppLevelToken("xapp-test"))
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &slack.Notifier{API: client}, Catalog: prompts.MustLoad()})
	bot := slack.New(slack.Config{Engine: eng, Store: store, API: client, BotUserID: fakeslack.BotUserID, HeaderDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.RunSocket(ctx, socketmode.New(client)) }()
	fake.SocketConnected(t, 5*time.Second)
	if err := eng.Command(context.Background(), engine.Command{Channel: "C1", Actor: engine.Actor{ID: "U1"}, Text: "start Busy"}); err != nil {
		t.Fatal(err)
	}
	m, err := disk.LoadMeta(context.Background(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	reply := func(ts, thread string) string {
		id, _ := fake.SendEventCallback(map[string]any{"type": "message", "channel": "C1", "user": "U2", "text": "Why?", "ts": ts, "thread_ts": thread})
		return id
	}
	slow := reply("1700000001.000001", store.slow)
	var quick []string
	for i := range 5 {
		quick = append(quick, reply("1700000002.00000"+string(rune('1'+i)), m.StepTS(workshop.Goals)))
	}
	for _, id := range quick {
		fake.WaitAck(t, id, 5*time.Second)
	}
	if fake.Acked(slow) {
		t.Fatal("the slow envelope was acknowledged before its lookup returned")
	}
	// Shutdown begins: the envelope in hand is still handled and its ack
	// reaches Slack over the connection, which stays open for it.
	cancel()
	close(store.release)
	fake.WaitAck(t, slow, 5*time.Second)
	if err := <-done; err != nil {
		t.Fatalf("RunSocket: %v", err)
	}
	if err := bot.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	w, err := disk.Load(context.Background(), "W1")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Inputs) != 5 {
		t.Errorf("%d inputs stored, want the 5 quick replies", len(w.Inputs))
	}
}
