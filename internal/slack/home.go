package slack

import (
	"context"
	"fmt"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
)

// maxHomeBlocks is Slack's limit for a home tab view.
const maxHomeBlocks = 100

// Home tab defaults (Config.HomeDelay, Config.HomeTTL).
const (
	DefaultHomeDelay = 10 * time.Second
	DefaultHomeTTL   = 30 * 24 * time.Hour
)

// homeWorkers bounds how many homes one process publishes at once, so a
// change seen by a busy channel's members spreads over time rather than
// calling Slack for all of them at the same instant.
const homeWorkers = 4

// maxHomeAttempts bounds how often one publication starts again after a
// later one overlapped it (see publish).
const maxHomeAttempts = 3

// homeUser is one person's home in this process: the publication waiting
// for its turn, and when the last one began.
type homeUser struct {
	timer *time.Timer
	last  time.Time
}

// openedHome shows user their home when they open it (app_home_opened):
// the channels they are in (users.conversations), remembered with the home
// for HomeTTL so that later changes re-publish it, then the home itself.
func (b *Bot) openedHome(ctx context.Context, user string) error {
	channels, err := b.userChannels(ctx, user)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.homeUserLocked(user).last = time.Now()
	b.mu.Unlock()
	if b.homes != nil {
		err := b.homes.PutHome(ctx, user, channels, b.homeTTL)
		if err == nil {
			return b.publish(ctx, user)
		}
		// The home still shows now; only later changes will not reach it.
		b.log.WarnContext(ctx, "remember home", "user", user, "err", err)
	}
	view, err := b.homeView(ctx, user, channels)
	if err != nil {
		return err
	}
	return b.putView(ctx, user, view)
}

// userChannels lists the channels user is in (users.conversations).
func (b *Bot) userChannels(ctx context.Context, user string) ([]string, error) {
	var channels []string
	cursor := ""
	for range 50 {
		page, next, err := b.notify.API.GetConversationsForUserContext(ctx, &goslack.GetConversationsForUserParameters{
			UserID: user, Cursor: cursor, Types: []string{"public_channel", "private_channel"}, Limit: 200, ExcludeArchived: true,
		})
		if err != nil {
			return nil, fmt.Errorf("users.conversations %s: %w", user, err)
		}
		for _, c := range page {
			channels = append(channels, c.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return channels, nil
}

// homeView is user's home as the store has it now, for the channels they
// are in.
func (b *Bot) homeView(ctx context.Context, user string, channels []string) (goslack.HomeTabViewRequest, error) {
	parts, err := b.eng.Home(ctx, user, channels)
	if err != nil {
		return goslack.HomeTabViewRequest{}, err
	}
	return HomeView(b.notify.linksAll(ctx, parts)), nil
}

func (b *Bot) putView(ctx context.Context, user string, view goslack.HomeTabViewRequest) error {
	if _, err := b.notify.API.PublishViewContext(ctx, goslack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		return fmt.Errorf("views.publish %s: %w", user, err)
	}
	return nil
}

// publish builds user's remembered home from the store as it stands and
// publishes it. Publications are versioned (Homes.BeginHome), so that of
// several replicas publishing one home at once, the view left is built
// from the latest read: one that a later publication claimed before it
// gives way; one that a later publication overlapped while it was with
// Slack (and may have landed after it) starts again. A home no longer
// remembered is not published.
func (b *Bot) publish(ctx context.Context, user string) error {
	for range maxHomeAttempts {
		v, channels, ok, err := b.homes.BeginHome(ctx, user)
		if err != nil || !ok {
			return err
		}
		view, err := b.homeView(ctx, user, channels)
		if err != nil {
			return err
		}
		if claimed, err := b.homes.ClaimHome(ctx, user, v); err != nil || !claimed {
			return err
		}
		if err := b.putView(ctx, user, view); err != nil {
			return err
		}
		if still, err := b.homes.ClaimHome(ctx, user, v); err != nil || still {
			return err
		}
		b.log.DebugContext(ctx, "home overlapped by a later one: publishing again", "user", user)
	}
	return nil
}

// WorkshopChanged brings up to date, in the background, what shows a
// workshop that changed (engine Config.Changed): its canvas (Config.Canvases,
// see canvasChanged), and the homes that show it: those remembered for its
// channel and for its contributors. Changes are gathered per workshop over
// HomeDelay, and each home is published at most once per HomeDelay, so a
// busy thread costs each person one views.publish per delay whatever the
// number of replies. Without Config.Homes no home is published; on a nil
// Bot it does nothing. It returns at once: the engine calls it on the
// acknowledgement path.
func (b *Bot) WorkshopChanged(id string) {
	if b == nil {
		return
	}
	b.canvasChanged(id)
	if b.homes == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.changed[id]; ok || b.draining {
		return
	}
	b.tasks.Add(1) // the timer is work in flight until it fires or is flushed
	b.changed[id] = time.AfterFunc(b.homeDelay, func() {
		defer b.tasks.Done()
		b.mu.Lock()
		delete(b.changed, id)
		b.mu.Unlock()
		b.timed("homes of a workshop", func(ctx context.Context) error {
			users, err := b.audience(ctx, id)
			for _, u := range users {
				if !b.requestHome(u) {
					// Shutting down: no timer will run it later.
					if perr := b.publishInTurn(ctx, u); perr != nil {
						b.log.WarnContext(ctx, "publish home", "user", u, "err", perr)
					}
				}
			}
			return err
		}, "workshop", id)
	})
}

// audience lists the people with a remembered home that shows workshop id.
func (b *Bot) audience(ctx context.Context, id string) ([]string, error) {
	channel, contributors, err := b.eng.HomeAudience(ctx, id)
	if err != nil {
		return nil, err
	}
	users, err := b.homes.HomesFor(ctx, channel, contributors)
	if err != nil {
		return nil, fmt.Errorf("homes of workshop %s: %w", id, err)
	}
	return users, nil
}

// requestHome publishes user's home as soon as HomeDelay has passed since
// its last publication in this process, unless one is waiting already
// (which reads the store when it runs, so it shows this change too). It
// reports false, scheduling nothing, once Shutdown has begun.
func (b *Bot) requestHome(user string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draining {
		return false
	}
	st := b.homeUserLocked(user)
	if st.timer != nil {
		return true
	}
	wait := max(0, time.Until(st.last.Add(b.homeDelay)))
	b.tasks.Add(1)
	st.timer = time.AfterFunc(wait, func() {
		defer b.tasks.Done()
		b.mu.Lock()
		st.timer, st.last = nil, time.Now()
		b.mu.Unlock()
		b.timed("publish home", func(ctx context.Context) error { return b.publishInTurn(ctx, user) }, "user", user)
	})
	return true
}

// publishInTurn publishes user's home once one of the homeWorkers slots is
// free.
func (b *Bot) publishInTurn(ctx context.Context, user string) error {
	select {
	case b.homeSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.homeSlots }()
	return b.publish(ctx, user)
}

// homeUserLocked returns user's state, made when missing; idle entries
// are dropped first once there are many. b.mu must be held.
func (b *Bot) homeUserLocked(user string) *homeUser {
	st, ok := b.homeUsers[user]
	if ok {
		return st
	}
	if len(b.homeUsers) >= maxHomeUsers {
		for u, s := range b.homeUsers {
			if s.timer == nil && time.Since(s.last) > b.homeDelay {
				delete(b.homeUsers, u)
			}
		}
	}
	st = &homeUser{}
	b.homeUsers[user] = st
	return st
}

// maxHomeUsers is how many people's home state a process keeps before it
// drops those with nothing waiting.
const maxHomeUsers = 4096

// flushHomesLocked stops the home timers that have not fired and runs
// their work now (Shutdown). b.mu must be held.
func (b *Bot) flushHomesLocked(ctx context.Context) {
	for id, t := range b.changed {
		if t.Stop() {
			b.tasks.Done()
			b.start(ctx, "homes of a workshop", func(ctx context.Context) error {
				users, err := b.audience(ctx, id)
				for _, u := range users {
					if perr := b.publishInTurn(ctx, u); perr != nil {
						b.log.WarnContext(ctx, "publish home", "user", u, "err", perr)
					}
				}
				return err
			})
		}
	}
	b.changed = map[string]*time.Timer{}
	for user, st := range b.homeUsers {
		if st.timer != nil && st.timer.Stop() {
			b.tasks.Done()
			b.start(ctx, "home", func(ctx context.Context) error { return b.publishInTurn(ctx, user) })
		}
		st.timer = nil
	}
}

// HomeView renders a home's parts as one home tab view within Slack's
// 100-block limit: each part as its message would be, a divider between.
// A view's block ids must be unique, so each part's buttons get an id of
// their own.
func HomeView(parts []engine.Message) goslack.HomeTabViewRequest {
	var blocks []goslack.Block
	for i, p := range parts {
		pb, _ := Blocks(p)
		if len(blocks)+len(pb)+1 > maxHomeBlocks {
			break
		}
		if i > 0 {
			blocks = append(blocks, goslack.NewDividerBlock())
		}
		for _, b := range pb {
			if a, ok := b.(*goslack.ActionBlock); ok {
				a.BlockID = fmt.Sprintf("%s-%d", a.BlockID, i)
			}
		}
		blocks = append(blocks, pb...)
	}
	return goslack.HomeTabViewRequest{Type: goslack.VTHomeTab, Blocks: goslack.Blocks{BlockSet: blocks}}
}

// linksAll gives every part's thread buttons their permalink.
func (n *Notifier) linksAll(ctx context.Context, parts []engine.Message) []engine.Message {
	out := make([]engine.Message, len(parts))
	for i, p := range parts {
		out[i] = n.links(ctx, p)
	}
	return out
}
