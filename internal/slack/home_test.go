package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/bolt"
	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/review"
	"github.com/journeybot/journeybot/internal/workshop"
	"github.com/journeybot/journeybot/prompts"
)

// homeAPI is the part of Slack's Web API a home needs, in memory:
// users.conversations from a membership list, chat.getPermalink, and
// views.publish recorded with the (bubble's) time it landed. hold, when
// set, is called at the start of a call and may block it, so a test can
// interleave two publications.
type homeAPI struct {
	API // nil: any other method is a test bug and panics

	mu       sync.Mutex
	members  map[string][]string // channel -> users
	homes    []published
	hold     func(method string)
	linkAsks int
}

type published struct {
	user string
	at   time.Time
	view string
}

func (a *homeAPI) held(method string) {
	a.mu.Lock()
	hold := a.hold
	a.mu.Unlock()
	if hold != nil {
		hold(method)
	}
}

func (a *homeAPI) GetConversationsForUserContext(_ context.Context, p *goslack.GetConversationsForUserParameters) ([]goslack.Channel, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []goslack.Channel
	for ch, users := range a.members {
		if slices.Contains(users, p.UserID) {
			var c goslack.Channel
			c.ID = ch
			out = append(out, c)
		}
	}
	return out, "", nil
}

func (a *homeAPI) GetPermalinkContext(_ context.Context, p *goslack.PermalinkParameters) (string, error) {
	a.held("chat.getPermalink")
	a.mu.Lock()
	a.linkAsks++
	a.mu.Unlock()
	return "https://example.slack.com/archives/" + p.Channel + "/p" + strings.ReplaceAll(p.Ts, ".", ""), nil
}

func (a *homeAPI) PublishViewContext(_ context.Context, req goslack.PublishViewContextRequest) (*goslack.ViewResponse, error) {
	a.held("views.publish")
	raw, err := json.Marshal(req.View)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.homes = append(a.homes, published{req.UserID, time.Now(), string(raw)})
	return &goslack.ViewResponse{}, nil
}

// of returns the homes published for user, in the order they landed.
func (a *homeAPI) of(user string) []published {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []published
	for _, h := range a.homes {
		if h.user == user {
			out = append(out, h)
		}
	}
	return out
}

type homeHarness struct {
	t     *testing.T
	bot   *Bot
	eng   *engine.Engine
	api   *homeAPI
	store workshop.Store
	ts    int
}

// newHomeHarness runs a bot whose engine tells it of every change, on an
// embedded store, with a home delay of delay. In a synctest bubble its
// clock and timers are the bubble's.
func newHomeHarness(t *testing.T, delay time.Duration, members map[string][]string) *homeHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	api := &homeAPI{members: members}
	var bot *Bot
	eng := engine.New(engine.Config{Schedules: review.Schedules{}, Store: store, Notifier: &capture{}, Catalog: prompts.MustLoad(),
		Changed: func(id string) { bot.WorkshopChanged(id) }})
	bot = New(Config{Engine: eng, Store: store, API: api, Homes: store, HomeDelay: delay})
	t.Cleanup(func() {
		if err := bot.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &homeHarness{t: t, bot: bot, eng: eng, api: api, store: store}
}

func (h *homeHarness) open(user string) {
	h.t.Helper()
	if err := h.bot.openedHome(context.Background(), user); err != nil {
		h.t.Fatalf("open the home of %s: %v", user, err)
	}
}

func (h *homeHarness) cmd(user, channel, text string) {
	h.t.Helper()
	if err := h.eng.Command(context.Background(), engine.Command{Channel: channel, Actor: engine.Actor{ID: user}, Text: text}); err != nil {
		h.t.Fatalf("/journey %s: %v", text, err)
	}
}

// reply answers in the thread of the current step of workshop id.
func (h *homeHarness) reply(id, user, text string) {
	h.t.Helper()
	ctx := context.Background()
	m, err := h.store.LoadMeta(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	h.ts++
	if out, _, err := h.eng.Reply(ctx, engine.Reply{Channel: m.Channel, ThreadTS: m.StepTS(m.Step), TS: fmt.Sprintf("1700000000.%06d", h.ts), Author: user, Text: text}); err != nil || out != engine.Stored {
		h.t.Fatalf("reply %q: %v %v", text, out, err)
	}
}

// A workshop that changes re-publishes the homes that show it, and only
// those: people who opened theirs, in its channel or among its
// contributors. Changes are gathered, and no home is published twice
// within the delay, however the changes come.
func TestHomesFollowTheirWorkshops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 10 * time.Second
		h := newHomeHarness(t, delay, map[string][]string{
			"C1": {"ana", "ben", "cleo"}, // cleo never opens her home
			"C2": {"dan", "eve"},         // eve contributes to C1's workshop
		})
		for _, u := range []string{"ana", "ben", "dan", "eve"} {
			h.open(u)
		}
		opened := time.Now()
		step := func(d time.Duration) { time.Sleep(d); synctest.Wait() }

		// A burst: the workshop starts and gets three replies within the
		// delay. Each home that shows it is published once, a delay after
		// the first change.
		h.cmd("ana", "C1", "start Checkout")
		step(time.Second)
		h.reply("W1", "ben", "Why churn?")
		step(2 * time.Second)
		h.reply("W1", "ben", "Where do we lose trust?")
		h.reply("W1", "ana", "Why do carts stall?")
		step(time.Minute)
		for user, want := range map[string]int{"ana": 2, "ben": 2, "cleo": 0, "dan": 1, "eve": 1} {
			if got := len(h.api.of(user)); got != want {
				t.Errorf("after the burst %s has %d homes published, want %d", user, got, want)
			}
		}
		if got := h.api.of("ben"); len(got) == 2 {
			if at := got[1].at.Sub(opened); at != delay {
				t.Errorf("ben's home published %v after the first change, want %v", at, delay)
			}
			if !strings.Contains(got[1].view, "You added 2 items") || !strings.Contains(got[1].view, "Checkout") {
				t.Errorf("ben's new home does not show his two goals: %s", got[1].view)
			}
		}

		// eve contributes from outside the channel: from then on her home
		// follows the workshop too.
		h.reply("W1", "eve", "Why do people call support?")
		step(time.Minute)
		if got := h.api.of("eve"); len(got) != 2 || !strings.Contains(got[1].view, "You added 1 item") {
			t.Errorf("eve, a contributor, got %d homes; the last: %v", len(got), got)
		}

		// Changes spread over time, to two workshops: every home is
		// published again, never twice within the delay, and ends showing
		// the last change.
		for i := range 12 {
			switch i % 3 {
			case 0:
				h.reply("W1", "ben", fmt.Sprintf("Goal %d?", i))
			case 1:
				h.cmd("ana", "C1", "deadline "+strconv3d(i))
			case 2:
				if i == 2 {
					h.cmd("ana", "C1", "start Onboarding")
				} else {
					h.reply("W2", "ana", fmt.Sprintf("Onboarding goal %d?", i))
				}
			}
			step(4 * time.Second)
		}
		h.cmd("ana", "C1", "close W1")
		step(time.Minute)
		for _, user := range []string{"ana", "ben"} {
			homes := h.api.of(user)
			for i := 1; i < len(homes); i++ {
				if gap := homes[i].at.Sub(homes[i-1].at); gap < delay {
					t.Errorf("%s's homes %d and %d published %v apart, under the delay %v", user, i, i+1, gap, delay)
				}
			}
			if len(homes) < 5 {
				t.Errorf("%s's home published %d times over a minute of changes, want at least 5", user, len(homes))
			}
			last := homes[len(homes)-1].view
			if strings.Contains(last, "Checkout") || !strings.Contains(last, "Onboarding") {
				t.Errorf("%s's last home still shows the closed workshop, or not the new one: %s", user, last)
			}
		}
		if n := len(h.api.of("cleo")); n != 0 {
			t.Errorf("cleo never opened her home, yet %d were published", n)
		}
		if n := len(h.api.of("dan")); n != 1 {
			t.Errorf("dan, in no workshop's channel, got %d homes, want the one he opened", n)
		}
		// Thread links are asked of Slack once per thread, not per home.
		if h.api.linkAsks > 4 {
			t.Errorf("chat.getPermalink called %d times for 4 step threads", h.api.linkAsks)
		}
	})
}

func strconv3d(i int) string { return fmt.Sprintf("%dd", i%3+1) }

// A change waiting for its delay is published at shutdown, not lost.
func TestHomesFlushedAtShutdown(t *testing.T) {
	h := newHomeHarness(t, time.Hour, map[string][]string{"C1": {"ana"}})
	h.open("ana")
	h.cmd("ana", "C1", "start Checkout")
	if n := len(h.api.of("ana")); n != 1 {
		t.Fatalf("%d homes before the delay, want the one opened", n)
	}
	if err := h.bot.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.api.of("ana"); len(got) != 2 || !strings.Contains(got[1].view, "Checkout") {
		t.Errorf("after shutdown: %d homes, want the workshop's published", len(got))
	}
}

// Two publications of one home at once (two replicas): the view left is
// the one built from the later read, whichever reaches Slack last.
func TestHomeNeverLeftStale(t *testing.T) {
	for _, tt := range []struct {
		name string
		// pause is the call the first publication waits in while the
		// second runs whole.
		pause string
		// want is how many views the first publication lands.
		want int
	}{
		// Held before it claims: the second, later, claimed first; the
		// first gives way.
		{"held while it reads", "chat.getPermalink", 0},
		// Held while Slack has it: its stale view lands after the second's,
		// so it publishes again, fresh.
		{"held while it publishes", "views.publish", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHomeHarness(t, time.Hour, map[string][]string{"C1": {"ana", "ben"}})
			h.cmd("ana", "C1", "start Checkout")
			h.open("ben")
			h.reply("W1", "ben", "Why churn?")
			before := len(h.api.of("ben"))

			paused, resume := make(chan struct{}), make(chan struct{})
			var held atomic.Bool
			h.api.mu.Lock()
			h.api.hold = func(method string) {
				if method == tt.pause && held.CompareAndSwap(false, true) {
					close(paused)
					<-resume
				}
			}
			h.api.mu.Unlock()
			if tt.pause == "chat.getPermalink" {
				h.bot.notify.permalinks = nil // the first read asks Slack
			}
			first := make(chan error, 1)
			go func() { first <- h.bot.publish(context.Background(), "ben") }()
			<-paused
			h.reply("W1", "ben", "Where do we lose trust?") // the store moves on
			if err := h.bot.publish(context.Background(), "ben"); err != nil {
				t.Fatal(err)
			}
			close(resume)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			homes := h.api.of("ben")[before:]
			if got := len(homes) - 1; got != tt.want {
				t.Errorf("the first publication landed %d views, want %d", got, tt.want)
			}
			if last := homes[len(homes)-1].view; !strings.Contains(last, "You added 2 items") {
				t.Errorf("the view left is stale: %s", last)
			}
		})
	}
}

// Slack refuses a view whose block ids repeat: each workshop's buttons on a
// home have an id of their own.
func TestHomeViewBlockIDsAreUnique(t *testing.T) {
	h := newHomeHarness(t, time.Hour, map[string][]string{"C1": {"ana"}})
	h.cmd("ana", "C1", "start Checkout")
	h.cmd("ana", "C1", "start Onboarding")
	parts, err := h.eng.Home(context.Background(), "ana", []string{"C1"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	actions := 0
	for _, b := range HomeView(parts).Blocks.BlockSet {
		a, ok := b.(*goslack.ActionBlock)
		if !ok {
			continue
		}
		actions++
		if seen[a.BlockID] {
			t.Errorf("block_id %q twice", a.BlockID)
		}
		seen[a.BlockID] = true
	}
	if actions != 2 {
		t.Errorf("%d button rows for two workshops", actions)
	}
}
