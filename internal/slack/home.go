package slack

import (
	"context"
	"fmt"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
)

// maxHomeBlocks is Slack's limit for a home tab view.
const maxHomeBlocks = 100

// publishHome shows user their home (app_home_opened): the channels they
// are in (users.conversations), the engine's home for them, views.publish.
func (b *Bot) publishHome(ctx context.Context, user string) error {
	var channels []string
	cursor := ""
	for range 50 {
		page, next, err := b.notify.API.GetConversationsForUserContext(ctx, &goslack.GetConversationsForUserParameters{
			UserID: user, Cursor: cursor, Types: []string{"public_channel", "private_channel"}, Limit: 200, ExcludeArchived: true,
		})
		if err != nil {
			return fmt.Errorf("users.conversations %s: %w", user, err)
		}
		for _, c := range page {
			channels = append(channels, c.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	parts, err := b.eng.Home(ctx, user, channels)
	if err != nil {
		return err
	}
	view := HomeView(b.notify.linksAll(ctx, parts))
	if _, err := b.notify.API.PublishViewContext(ctx, goslack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		return fmt.Errorf("views.publish %s: %w", user, err)
	}
	return nil
}

// HomeView renders a home's parts as one home tab view within Slack's
// 100-block limit: each part as its message would be, a divider between.
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
