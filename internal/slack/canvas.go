package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
)

// DefaultCanvasDelay is how often, at most, a workshop's canvas is edited
// (Config.CanvasDelay): canvases.edit is Tier 3 (50+ a minute per
// workspace), and the whole canvas is replaced each time.
const DefaultCanvasDelay = 10 * time.Second

// canvasClaimTTL is how long a replica holds the making of a workshop's
// canvas from one revision of its meta: others make none meanwhile, and a
// make that failed on the way (the network, Slack down) is tried again
// after it, at the next change.
const canvasClaimTTL = time.Minute

// canvasJob is one workshop's canvas in this process: the update waiting
// for its turn, whether one is with Slack, and whether a change came
// while it was.
type canvasJob struct {
	timer   *time.Timer
	running bool
	again   bool
}

// canvasChanged schedules workshop id's canvas to be brought up to date
// from the store: CanvasDelay after this change, unless an update is
// waiting already (it reads the store when it runs, so it shows this
// change too) or is with Slack (another follows it). A burst of replies
// costs one canvases.edit per delay, whatever their number. It returns at
// once: it runs on the acknowledgement path.
func (b *Bot) canvasChanged(id string) {
	if !b.canvases {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draining {
		return
	}
	j := b.canvasJobs[id]
	if j == nil {
		j = &canvasJob{}
		b.canvasJobs[id] = j
	}
	switch {
	case j.timer != nil:
	case j.running:
		j.again = true
	default:
		b.scheduleCanvasLocked(id, j, b.canvasDelay)
	}
}

// scheduleCanvasLocked starts j's timer. b.mu must be held.
func (b *Bot) scheduleCanvasLocked(id string, j *canvasJob, wait time.Duration) {
	b.tasks.Add(1) // the timer is work in flight until it fires or is flushed
	j.timer = time.AfterFunc(wait, func() {
		defer b.tasks.Done()
		b.mu.Lock()
		j.timer, j.running = nil, true
		b.mu.Unlock()
		var retry time.Duration
		b.timed("canvas", func(ctx context.Context) error {
			err := b.syncCanvas(ctx, id, true)
			if errors.Is(err, errCanvasTurn) {
				// Another replica edited it within the delay: come back
				// once its turn is over, and show what changed since.
				retry = b.canvasDelay
				return nil
			}
			var rl *goslack.RateLimitedError
			if errors.As(err, &rl) {
				// The client's own retries (OptionRetry) ran out: come
				// back when Slack says, and not before the delay.
				retry = max(rl.RetryAfter, b.canvasDelay)
			}
			return err
		}, "workshop", id)
		b.mu.Lock()
		defer b.mu.Unlock()
		j.running = false
		switch {
		case b.draining && j.again:
			// Shutdown has flushed the timers: bring it up to date now.
			j.again = false
			b.start(context.Background(), "canvas", func(ctx context.Context) error { return b.lastCanvas(ctx, id) })
		case b.draining:
		case retry > 0 || j.again:
			j.again = false
			b.scheduleCanvasLocked(id, j, max(retry, b.canvasDelay))
		default:
			delete(b.canvasJobs, id)
		}
	})
}

// flushCanvasesLocked stops the canvas timers that have not fired and
// brings those canvases up to date now (Shutdown). b.mu must be held.
func (b *Bot) flushCanvasesLocked(ctx context.Context) {
	for id, j := range b.canvasJobs {
		if j.timer != nil && j.timer.Stop() {
			b.tasks.Done()
			b.start(ctx, "canvas", func(ctx context.Context) error { return b.lastCanvas(ctx, id) })
		}
	}
	b.canvasJobs = map[string]*canvasJob{}
}

// lastCanvas brings a canvas up to date at shutdown: at once when it is
// this replica's turn, else as soon as it is (within the drain's
// deadline), so the last change is shown and the canvas is still edited
// at most once per delay.
func (b *Bot) lastCanvas(ctx context.Context, id string) error {
	for {
		err := b.syncCanvas(ctx, id, true)
		if !errors.Is(err, errCanvasTurn) {
			return err
		}
		t := time.NewTimer(b.canvasDelay / 4)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("last canvas update of %s: %w", id, ctx.Err())
		}
	}
}

// errCanvasTurn is syncCanvas's answer when another replica edited the
// canvas less than CanvasDelay ago.
var errCanvasTurn = errors.New("canvas edited by another replica within the delay")

// syncCanvas makes workshop id's canvas, or replaces it whole, from the
// store as it stands. What Slack refuses for good (the plan, the channel's
// one canvas tab taken, a missing scope, a deleted canvas) is told to the
// engine, which says so in the channel once and tries no more. With
// throttle, an edit first claims the workshop's turn in the store for
// CanvasDelay, so however many replicas serve the workshop it is edited
// at most once per delay; one that finds the turn taken gets
// errCanvasTurn, and comes back after it.
func (b *Bot) syncCanvas(ctx context.Context, id string, throttle bool) error {
	c, err := b.eng.CanvasOf(ctx, id)
	if err != nil || !c.Wanted {
		return err
	}
	doc := goslack.DocumentContent{Type: "markdown", Markdown: c.Markdown}
	if c.ID != "" && throttle {
		turn, err := b.store.Claim(ctx, "canvas-edit:"+id, b.canvasDelay)
		if err != nil {
			return err
		}
		if !turn {
			return errCanvasTurn
		}
	}
	if c.ID != "" {
		err := b.notify.API.EditCanvasContext(ctx, goslack.EditCanvasParams{
			CanvasID: c.ID,
			Changes:  []goslack.CanvasChange{{Operation: "replace", DocumentContent: doc}},
		})
		if code := slackError(err); code == engine.CanvasLost {
			return b.eng.CanvasRefused(ctx, id, code)
		}
		if err != nil {
			return fmt.Errorf("canvases.edit %s: %w", c.ID, err)
		}
		return nil
	}
	// One make per reading of the meta: turning the canvas on again (a new
	// revision) makes one at once, a failed make is tried again after the
	// claim's TTL.
	if first, err := b.store.Claim(ctx, fmt.Sprintf("canvas:%s:%d", id, c.Rev), canvasClaimTTL); err != nil || !first {
		return err
	}
	canvasID, err := b.createCanvas(ctx, c, doc)
	if code := slackError(err); code != "" && !transient(code) {
		return b.eng.CanvasRefused(ctx, id, code)
	}
	if err != nil {
		return err
	}
	if _, err := b.eng.CanvasMade(ctx, id, canvasID); err != nil {
		return err
	}
	return nil
}

// createCanvas makes the channel's canvas (conversations.canvases.create,
// Tier 2), or, when the channel has one already (another workshop's, or
// a person's), a canvas tab in the channel (canvases.create with its
// channel_id), which a free plan refuses with
// free_team_canvas_tab_already_exists.
func (b *Bot) createCanvas(ctx context.Context, c engine.Canvas, doc goslack.DocumentContent) (string, error) {
	id, err := b.notify.API.CreateChannelCanvasContext(ctx, c.Channel, doc, goslack.CreateChannelCanvasOptionTitle(c.Title))
	if slackError(err) == "channel_canvas_already_exists" {
		id, err = b.notify.API.CreateCanvasContext(ctx, c.Title, doc, goslack.CreateCanvasOptionChannelID(c.Channel))
		if err != nil {
			return "", fmt.Errorf("canvases.create in %s: %w", c.Channel, err)
		}
		return id, nil
	}
	if err != nil {
		return "", fmt.Errorf("conversations.canvases.create in %s: %w", c.Channel, err)
	}
	return id, nil
}

// slackError is the error code of a Slack answer with "ok": false in
// err's chain ("" for any other error).
func slackError(err error) string {
	var se goslack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// transient reports a Slack error code worth trying again later.
func transient(code string) bool {
	switch code {
	case "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout":
		return true
	}
	return false
}
