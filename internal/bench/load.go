package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// SlackTimeout is how long Slack waits for an acknowledgement before it
// counts a delivery as failed and retries it.
const SlackTimeout = 3 * time.Second

// Event is one Events API delivery: a human reply in a step's thread.
type Event struct {
	ID       string // event_id, Slack's idempotency key for the delivery
	TS       string // the message ts, the bot's idempotency key for the reply
	Channel  string
	Thread   string
	User     string
	Text     string
	Workshop string // which workshop it should land in, to verify
	body     []byte
}

// Body is the request body Slack would send, with the fields real
// deliveries carry (blocks, authorizations), so parsing costs what it does
// in production. It is built once: a redelivery sends the same bytes.
func (e *Event) Body() []byte {
	if e.body != nil {
		return e.body
	}
	msg := map[string]any{
		"type": "message", "channel": e.Channel, "user": e.User, "text": e.Text,
		"ts": e.TS, "thread_ts": e.Thread, "parent_user_id": "UFAC", "channel_type": "channel",
		"event_ts": e.TS, "team": fakeslack.TeamID, "client_msg_id": "c" + e.ID,
		"blocks": []any{map[string]any{"type": "rich_text", "block_id": "b" + e.TS, "elements": []any{
			map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": e.Text}}},
		}}},
	}
	env := map[string]any{
		"token": "verification-token-unused", "team_id": fakeslack.TeamID, "context_team_id": fakeslack.TeamID,
		"api_app_id": "A0BENCH", "type": "event_callback", "event_id": e.ID, "event_time": time.Now().Unix(),
		"event": msg, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ", "is_ext_shared_channel": false,
		"authorizations": []any{map[string]any{"enterprise_id": nil, "team_id": fakeslack.TeamID,
			"user_id": fakeslack.BotUserID, "is_bot": true, "is_enterprise_install": false}},
	}
	e.body, _ = json.Marshal(env)
	return e.body
}

// Target is a bot (or the baseline) listening on loopback.
type Target struct {
	Base   string
	Secret string
	Client *http.Client
}

// NewTarget returns a target with a keep-alive client sized for conns
// concurrent requests, as Slack keeps connections open to an app.
func NewTarget(addr, secret string, conns int) *Target {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	// Slack gives up after 3 s; the bench waits longer, to see how late a
	// slow answer is, but never forever.
	return &Target{Base: "http://" + addr, Secret: secret, Client: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

// Close drops idle connections.
func (t *Target) Close() { t.Client.CloseIdleConnections() }

// Post sends a request signed now, as Slack signs each attempt.
func (t *Target) Post(ctx context.Context, path, contentType string, body []byte, extra http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = fakeslack.Sign(t.Secret, body, time.Now())
	req.Header.Set("Content-Type", contentType)
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Send delivers an event; attempt > 0 marks a retry as Slack does.
func (t *Target) Send(ctx context.Context, e *Event, attempt int, reason string) (int, error) {
	var h http.Header
	if attempt > 0 {
		h = http.Header{}
		h.Set("X-Slack-Retry-Num", strconv.Itoa(attempt))
		h.Set("X-Slack-Retry-Reason", reason)
	}
	return t.Post(ctx, "/slack/events", "application/json", e.Body(), h)
}

// Command sends a slash command.
func (t *Target) Command(ctx context.Context, channel, user, text string) (int, error) {
	form := url.Values{"command": {"/journey"}, "text": {text}, "user_id": {user}, "channel_id": {channel},
		"team_id": {fakeslack.TeamID}, "trigger_id": {"TR" + strconv.FormatInt(time.Now().UnixNano(), 36)},
		"response_url": {""}}
	return t.Post(ctx, "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
}

// Get fetches a route and returns its status.
func (t *Target) Get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Outcome is what became of one delivery.
type Outcome struct {
	Status int // 0 when no HTTP answer came
	Err    error
	// Sent is when the delivery was due (open loop) or started (closed
	// loop); Latency runs from then to the answer, so a generator that
	// falls behind shows up as latency instead of hiding it.
	Sent    time.Time
	Latency time.Duration
}

// Acked reports a 200, which tells Slack the event was handled.
func (o Outcome) Acked() bool { return o.Status == http.StatusOK }

// InTime reports a 200 within Slack's 3 s; anything else Slack retries.
func (o Outcome) InTime() bool { return o.Acked() && o.Latency <= SlackTimeout }

// OpenLoop sends events at a fixed rate whatever the answers, as Slack
// does, with at most workers requests in flight. It stops at the end of the
// list or when ctx ends.
func OpenLoop(ctx context.Context, t *Target, events []*Event, rate float64, workers int) []Outcome {
	out := make([]Outcome, len(events))
	jobs := make(chan int)
	start := time.Now()
	due := func(i int) time.Time { return start.Add(time.Duration(float64(i) / rate * float64(time.Second))) }
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				d := due(i)
				st, err := t.Send(ctx, events[i], 0, "")
				out[i] = Outcome{Status: st, Err: err, Sent: d, Latency: time.Since(d)}
			}
		})
	}
	for i := range events {
		if wait := time.Until(due(i)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

// ClosedLoop sends as fast as conc workers can, for dur or max events,
// whichever comes first. gen makes the i-th event.
func ClosedLoop(ctx context.Context, t *Target, gen func(i int) *Event, conc int, dur time.Duration, max int) ([]*Event, []Outcome) {
	events := make([]*Event, max)
	out := make([]Outcome, max)
	var next atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= max {
					return
				}
				ev := gen(i)
				ev.Body()
				start := time.Now()
				st, err := t.Send(ctx, ev, 0, "")
				events[i], out[i] = ev, Outcome{Status: st, Err: err, Sent: start, Latency: time.Since(start)}
			}
		})
	}
	wg.Wait()
	n := min(int(next.Load()), max)
	// Workers that passed the deadline after taking an index left a gap.
	var evs []*Event
	var outs []Outcome
	for i := range n {
		if events[i] != nil {
			evs, outs = append(evs, events[i]), append(outs, out[i])
		}
	}
	return evs, outs
}

// LoadStats summarises a run.
type LoadStats struct {
	Sent, Acked, Failed int
	// Late counts 200s slower than Slack's 3 s.
	Late          int
	Elapsed       time.Duration
	P50, P99, Max time.Duration
	Statuses      map[int]int
}

// Rate is acknowledged events per second.
func (s LoadStats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Acked) / s.Elapsed.Seconds()
}

// Summarize computes LoadStats; latencies are of acknowledged events.
func Summarize(outs []Outcome) LoadStats {
	s := LoadStats{Sent: len(outs), Statuses: map[int]int{}}
	var lat []time.Duration
	var first, last time.Time
	for _, o := range outs {
		s.Statuses[o.Status]++
		if first.IsZero() || o.Sent.Before(first) {
			first = o.Sent
		}
		if end := o.Sent.Add(o.Latency); end.After(last) {
			last = end
		}
		if !o.Acked() {
			s.Failed++
			continue
		}
		s.Acked++
		if o.Latency > SlackTimeout {
			s.Late++
		}
		lat = append(lat, o.Latency)
	}
	s.Elapsed = last.Sub(first)
	slices.Sort(lat)
	s.P50, s.P99, s.Max = pct(lat, 0.50), pct(lat, 0.99), pct(lat, 1)
	return s
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

// Redeliver does what Slack does for every delivery it did not get a 200
// for within 3 s: send it again, same event_id, ts and body, with the retry
// headers, until it is acknowledged. Slack waits 1 and 5 minutes between
// attempts and gives up after 3; the bench retries every pause, up to
// attempts times, so a drill ends in seconds. It returns how many
// retries it sent and which events were still not acknowledged.
func Redeliver(ctx context.Context, t *Target, events []*Event, outs []Outcome, attempts int, pause time.Duration) (int, []*Event) {
	var pending []*Event
	for i, o := range outs {
		if !o.InTime() {
			pending = append(pending, events[i])
		}
	}
	sent := 0
	for attempt := 1; attempt <= attempts && len(pending) > 0 && ctx.Err() == nil; attempt++ {
		if attempt > 1 {
			time.Sleep(pause)
		}
		var mu sync.Mutex
		var still []*Event
		jobs := make(chan *Event)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for e := range jobs {
					st, err := t.Send(ctx, e, attempt, "http_error")
					mu.Lock()
					sent++
					if err != nil || st != http.StatusOK {
						still = append(still, e)
					}
					mu.Unlock()
				}
			})
		}
		for _, e := range pending {
			jobs <- e
		}
		close(jobs)
		wg.Wait()
		pending = still
	}
	return sent, pending
}

// tsClock hands out unique Slack-style message timestamps for the whole
// bench run, so no two events anywhere share a ts (the bot keys replies by
// it) and a retry is recognisable as the same message.
type tsClock struct{ n atomic.Int64 }

func (c *tsClock) next() string {
	n := c.n.Add(1)
	return fmt.Sprintf("%d.%06d", 1800000000+n/1000000, n%1000000)
}
