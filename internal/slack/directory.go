package slack

import (
	"context"
	"fmt"
	"sync"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
)

// Directory lists the people of a channel for nudges (engine.Directory):
// conversations.members, then users.info for each member's zone, leaving
// out bots, deactivated accounts and the bot itself. Users are cached for
// UserTTL, so a nudge pass costs one users.info per person per hour at most.
type Directory struct {
	API     API
	BotUser string
	// UserTTL is how long a user's details are trusted (an hour when 0).
	UserTTL time.Duration
	// MembersTTL is how long a channel's member list is trusted (five
	// minutes when 0): a nudge round over many workshops of one channel,
	// or passes minutes apart, ask conversations.members once.
	MembersTTL time.Duration
	Now        func() time.Time

	mu       sync.Mutex
	users    map[string]dirUser
	channels map[string]dirChannel
}

type dirChannel struct {
	ids []string
	at  time.Time
}

type dirUser struct {
	member engine.Member
	person bool
	at     time.Time
}

// Members lists the people of channel.
func (d *Directory) Members(ctx context.Context, channel string) ([]engine.Member, error) {
	ids, err := d.memberIDs(ctx, channel)
	if err != nil {
		return nil, err
	}
	var out []engine.Member
	for _, id := range ids {
		if id == d.BotUser {
			continue
		}
		u, err := d.user(ctx, id)
		if err != nil {
			return nil, err
		}
		if u.person {
			out = append(out, u.member)
		}
	}
	return out, nil
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// memberIDs lists the user ids in channel, cached for MembersTTL.
func (d *Directory) memberIDs(ctx context.Context, channel string) ([]string, error) {
	ttl := d.MembersTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	d.mu.Lock()
	c, ok := d.channels[channel]
	d.mu.Unlock()
	if ok && d.now().Sub(c.at) < ttl {
		return c.ids, nil
	}
	var ids []string
	cursor := ""
	for range 100 { // 100 pages of 200: far more than a channel holds
		page, next, err := d.API.GetUsersInConversationContext(ctx, &goslack.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("conversations.members %s: %w", channel, err)
		}
		ids = append(ids, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	d.mu.Lock()
	if d.channels == nil {
		d.channels = map[string]dirChannel{}
	}
	d.channels[channel] = dirChannel{ids: ids, at: d.now()}
	d.mu.Unlock()
	return ids, nil
}

func (d *Directory) user(ctx context.Context, id string) (dirUser, error) {
	now := d.now
	ttl := d.UserTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	d.mu.Lock()
	u, ok := d.users[id]
	d.mu.Unlock()
	if ok && now().Sub(u.at) < ttl {
		return u, nil
	}
	info, err := d.API.GetUserInfoContext(ctx, id)
	if err != nil {
		return dirUser{}, fmt.Errorf("users.info %s: %w", id, err)
	}
	u = dirUser{member: engine.Member{ID: id, TZ: info.TZ}, person: !info.IsBot && !info.Deleted && !info.IsAppUser, at: now()}
	d.mu.Lock()
	if d.users == nil {
		d.users = map[string]dirUser{}
	}
	d.users[id] = u
	d.mu.Unlock()
	return u, nil
}
