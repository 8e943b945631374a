package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
)

// API lists the slack-go client methods the adapter calls, so tests can
// count on a narrow surface (and a fake server behind a real client).
type API interface {
	PostMessageContext(ctx context.Context, channelID string, options ...goslack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...goslack.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...goslack.MsgOption) (string, string, string, error)
	AddReactionContext(ctx context.Context, name string, item goslack.ItemRef) error
	UploadFileContext(ctx context.Context, params goslack.UploadFileParameters) (*goslack.FileSummary, error)
	OpenViewContext(ctx context.Context, triggerID string, view goslack.ModalViewRequest) (*goslack.ViewResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...goslack.GetUserInfoOption) (*goslack.User, error)
	OpenConversationContext(ctx context.Context, params *goslack.OpenConversationParameters) (*goslack.Channel, bool, bool, error)
	GetPermalinkContext(ctx context.Context, params *goslack.PermalinkParameters) (string, error)
	GetUsersInConversationContext(ctx context.Context, params *goslack.GetUsersInConversationParameters) ([]string, string, error)
	GetConversationsForUserContext(ctx context.Context, params *goslack.GetConversationsForUserParameters) ([]goslack.Channel, string, error)
	PublishViewContext(ctx context.Context, req goslack.PublishViewContextRequest) (*goslack.ViewResponse, error)
	CreateChannelCanvasContext(ctx context.Context, channel string, doc goslack.DocumentContent, options ...goslack.CreateChannelCanvasOption) (string, error)
	CreateCanvasContext(ctx context.Context, title string, doc goslack.DocumentContent, options ...goslack.CreateCanvasOption) (string, error)
	EditCanvasContext(ctx context.Context, params goslack.EditCanvasParams) error
}

// Notifier posts the engine's messages through the Web API.
type Notifier struct {
	API API

	// permalinks caches chat.getPermalink: a message's address never
	// changes, and every home published shows up to ten threads.
	mu         sync.Mutex
	permalinks map[engine.ThreadLink]string
}

// maxPermalinks bounds the permalink cache; it starts again empty when
// full.
const maxPermalinks = 10000

// permalink is the address of a thread's message, asked of Slack once.
func (n *Notifier) permalink(ctx context.Context, t engine.ThreadLink) (string, error) {
	n.mu.Lock()
	url, ok := n.permalinks[t]
	n.mu.Unlock()
	if ok {
		return url, nil
	}
	url, err := n.API.GetPermalinkContext(ctx, &goslack.PermalinkParameters{Channel: t.Channel, Ts: t.TS})
	if err != nil {
		return "", err
	}
	n.mu.Lock()
	if n.permalinks == nil || len(n.permalinks) >= maxPermalinks {
		n.permalinks = map[engine.ThreadLink]string{}
	}
	n.permalinks[t] = url
	n.mu.Unlock()
	return url, nil
}

type responseURLKey struct{}

// withResponseURL remembers a slash command's response_url, so an
// ephemeral answer reaches the user even where the bot is not a member.
func withResponseURL(ctx context.Context, url string) context.Context {
	if url == "" {
		return ctx
	}
	return context.WithValue(ctx, responseURLKey{}, url)
}

// notInChannel reports a Slack error that means the bot must be invited.
func notInChannel(err error) bool {
	var se goslack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == "not_in_channel" || se.Err == "channel_not_found"
	}
	return false
}

// Post posts m; ephemeral messages go to m.User only.
func (n *Notifier) Post(ctx context.Context, m engine.Message) (string, error) {
	m = n.links(ctx, m)
	blocks, text := Blocks(m)
	opts := []goslack.MsgOption{goslack.MsgOptionBlocks(blocks...), goslack.MsgOptionText(text, false), goslack.MsgOptionDisableLinkUnfurl()}
	if m.ThreadTS != "" {
		opts = append(opts, goslack.MsgOptionTS(m.ThreadTS))
	}
	if m.Direct {
		// A direct message: its channel is the bot's DM with the user.
		ch, _, _, err := n.API.OpenConversationContext(ctx, &goslack.OpenConversationParameters{Users: []string{m.User}})
		if err != nil {
			return "", fmt.Errorf("conversations.open: %w", err)
		}
		m.Channel = ch.ID
		_, ts, err := n.API.PostMessageContext(ctx, m.Channel, opts...)
		if err != nil {
			return "", fmt.Errorf("chat.postMessage to %s: %w", m.User, err)
		}
		return ts, nil
	}
	if m.Ephemeral {
		_, err := n.API.PostEphemeralContext(ctx, m.Channel, m.User, opts...)
		if err != nil && notInChannel(err) {
			if url, ok := ctx.Value(responseURLKey{}).(string); ok {
				_, _, err = n.API.PostMessageContext(ctx, m.Channel, append(opts, goslack.MsgOptionResponseURL(url, goslack.ResponseTypeEphemeral))...)
			}
		}
		if err != nil {
			return "", fmt.Errorf("chat.postEphemeral: %w", err)
		}
		return "", nil
	}
	_, ts, err := n.API.PostMessageContext(ctx, m.Channel, opts...)
	if err != nil {
		if notInChannel(err) {
			return "", fmt.Errorf("chat.postMessage: %w", &engine.Problem{Key: "error.not_in_channel"})
		}
		return "", fmt.Errorf("chat.postMessage: %w", err)
	}
	return ts, nil
}

// links gives thread buttons their permalink (chat.getPermalink); a button
// whose link cannot be had is left out rather than failing the message.
func (n *Notifier) links(ctx context.Context, m engine.Message) engine.Message {
	var kept []engine.Action
	for _, a := range m.Actions {
		if a.Thread != nil && a.URL == "" {
			url, err := n.permalink(ctx, *a.Thread)
			if err != nil {
				continue
			}
			a.URL = url
		}
		kept = append(kept, a)
	}
	m.Actions = kept
	return m
}

// Update replaces the message at ts.
func (n *Notifier) Update(ctx context.Context, channel, ts string, m engine.Message) error {
	blocks, text := Blocks(m)
	if _, _, _, err := n.API.UpdateMessageContext(ctx, channel, ts, goslack.MsgOptionBlocks(blocks...), goslack.MsgOptionText(text, false)); err != nil {
		return fmt.Errorf("chat.update: %w", err)
	}
	return nil
}

// React adds a reaction; one already there is not an error.
func (n *Notifier) React(ctx context.Context, channel, ts, emoji string) error {
	err := n.API.AddReactionContext(ctx, emoji, goslack.NewRefToMessage(channel, ts))
	var se goslack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "already_reacted" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reactions.add: %w", err)
	}
	return nil
}

// Upload shares a file through the external upload flow
// (files.getUploadURLExternal, the upload, files.completeUploadExternal).
func (n *Notifier) Upload(ctx context.Context, f engine.File) error {
	if len(f.Data) == 0 {
		return errors.New("upload: empty file")
	}
	_, err := n.API.UploadFileContext(ctx, goslack.UploadFileParameters{
		Reader:          bytes.NewReader(f.Data),
		FileSize:        len(f.Data),
		Filename:        f.Name,
		Title:           f.Title,
		AltTxt:          f.AltText,
		InitialComment:  mrkdwnOf(f.Comment),
		Channel:         f.Channel,
		ThreadTimestamp: f.ThreadTS,
	})
	if err != nil {
		if notInChannel(err) {
			return fmt.Errorf("upload %s: %w", f.Name, &engine.Problem{Key: "error.not_in_channel"})
		}
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return nil
}

// Share uploads f as Upload does and returns the shared file's permalink,
// as files.completeUploadExternal gives it (no files.info, which would
// need files:read): "" from a client built without Connect's transport.
func (n *Notifier) Share(ctx context.Context, f engine.File) (string, error) {
	link := &fileLink{}
	if err := n.Upload(withFileLink(ctx, link), f); err != nil {
		return "", err
	}
	return link.get(), nil
}

// Scopes are the bot token scopes the adapter needs, and no more; the app
// manifests in deploy/ must ask for exactly these (a test checks).
var Scopes = []string{
	"channels:history", // message events in public channels: thread replies
	"chat:write",       // step messages, summaries, answers, header updates
	"commands",         // the /journey command
	"files:write",      // charts and exports
	"groups:history",   // message events in private channels
	"im:write",         // direct messages: the facilitator's digest, nudges
	"channels:read",    // who is in a workshop's channel, for nudges
	"groups:read",      // the same in private channels
	"reactions:write",  // the ✅ on accepted replies
	"users:read",       // time zones for reviews, admin status
	"canvases:write",   // the workshop's canvas in its channel
}

// BotEvents are the events the adapter subscribes to.
var BotEvents = []string{"app_home_opened", "message.channels", "message.groups"}
