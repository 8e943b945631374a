package slack

import (
	"context"
	"fmt"
	"net/http"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ClientConfig says how to reach Slack's Web API (and Socket Mode).
type ClientConfig struct {
	BotToken string
	// AppToken (xapp-…) turns on Socket Mode; empty for HTTP mode.
	AppToken string
	// APIURL is the Web API's base URL, ending in "/".
	APIURL string
	// Wrap, when set, wraps the HTTP transport (metrics count the calls).
	Wrap func(http.RoundTripper) http.RoundTripper
	// HTTP, when set, is the HTTP client to call with (Wrap is then not
	// used): the teams of a multi-workspace bot share one connection pool.
	HTTP *http.Client
}

// Connection is a Web API client whose token Slack accepted.
type Connection struct {
	// API is the client; it implements API.
	API *goslack.Client
	// BotUserID is the bot's own user, whose messages are never input.
	BotUserID string
	// Team is the workspace's name, for the logs.
	Team string
}

// Connect builds the Web API client and checks its token with auth.test
// (within 15 s), so a wrong token stops the bot at start.
func Connect(ctx context.Context, c ClientConfig) (*Connection, error) {
	client := NewClient(c)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	auth, err := client.AuthTestContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BOT_TOKEN: Slack refused it (auth.test): %w", err)
	}
	return &Connection{API: client, BotUserID: auth.UserID, Team: auth.Team}, nil
}

// NewClient builds a Web API client for c.BotToken, without calling Slack.
func NewClient(c ClientConfig) *goslack.Client {
	hc := c.HTTP
	if hc == nil {
		hc = HTTPClient(c.Wrap)
	}
	opts := []goslack.Option{
		goslack.OptionAPIURL(c.APIURL),
		goslack.OptionHTTPClient(hc),
		// Honour 429 Retry-After rather than failing a post. It wraps the
		// HTTP client set so far, so it must come after OptionHTTPClient:
		// before it, the client set later had no retries at all.
		goslack.OptionRetry(3),
	}
	if c.AppToken != "" {
		opts = append(opts, goslack.OptionAppLevelToken(c.AppToken))
	}
	return goslack.New(c.BotToken, opts...)
}

// HTTPClient is the HTTP client the Web API is called with (30 s per call),
// its transport wrapped by wrap when it is set.
func HTTPClient(wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	// The uploads' answers are read for their file's permalink (see
	// linkTransport): the canvas links the latest chart.
	var rt http.RoundTripper = linkTransport{transport()}
	if wrap != nil {
		rt = wrap(rt)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: rt}
}

// RunSocket serves b over Socket Mode on this connection until ctx ends
// (see Bot.RunSocket).
func (c *Connection) RunSocket(ctx context.Context, b *Bot) error {
	return b.RunSocket(ctx, socketmode.New(c.API))
}

// transport keeps enough idle connections to Slack for a busy bot: the
// default two per host made it dial (a TLS handshake) for half the events
// under load.
func transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}
