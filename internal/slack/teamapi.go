package slack

import (
	"context"
	"errors"
	"sync/atomic"

	goslack "github.com/slack-go/slack"
)

// ErrTeamGone is what every call of a stopped TeamAPI returns: the app was
// uninstalled from the team, or its token revoked, and nothing more is sent.
var ErrTeamGone = errors.New("slack: the app is no longer installed in this team")

// TeamAPI is the Web API of one installed team (multi-workspace mode):
// every call carries the team's current token, swapped in place when the
// token is refreshed, and none reaches Slack once the team is gone
// (Stop, or a call that Slack answers token_revoked, invalid_auth or
// account_inactive).
type TeamAPI struct {
	cfg     ClientConfig
	cur     atomic.Pointer[goslack.Client]
	token   atomic.Pointer[string]
	stopped atomic.Bool
	// Gone, when set, is called once when a call finds the token dead,
	// with that token.
	Gone func(token, slackError string)
	// Live, when set, is asked before every call whether the team still
	// has the app installed, and with which token: a team uninstalled
	// through another replica gets no call from this one, and a token
	// refreshed elsewhere is used at once. An error other than
	// ErrTeamGone is the call's error; ErrTeamGone stops the API.
	Live func(ctx context.Context) (token string, err error)
}

var _ API = (*TeamAPI)(nil)

// NewTeamAPI returns the API for token, calling Slack as c says (its
// BotToken is not used).
func NewTeamAPI(c ClientConfig, token string) *TeamAPI {
	a := &TeamAPI{cfg: c}
	a.SetToken(token)
	return a
}

// SetToken makes later calls carry token; calls under way finish with the
// one they started with.
func (a *TeamAPI) SetToken(token string) {
	if old := a.token.Load(); old != nil && *old == token {
		return
	}
	c := a.cfg
	c.BotToken = token
	a.cur.Store(NewClient(c))
	a.token.Store(&token)
}

// Token is the token calls carry now.
func (a *TeamAPI) Token() string {
	if t := a.token.Load(); t != nil {
		return *t
	}
	return ""
}

// Stop makes every later call fail with ErrTeamGone, without calling Slack.
func (a *TeamAPI) Stop() { a.stopped.Store(true) }

// Stopped reports whether Stop was called (or a call found the token dead).
func (a *TeamAPI) Stopped() bool { return a.stopped.Load() }

func (a *TeamAPI) client(ctx context.Context) (*goslack.Client, error) {
	if a.stopped.Load() {
		return nil, ErrTeamGone
	}
	if a.Live != nil {
		token, err := a.Live(ctx)
		if errors.Is(err, ErrTeamGone) {
			a.Stop()
		}
		if err != nil {
			return nil, err
		}
		a.SetToken(token)
	}
	return a.cur.Load(), nil
}

// deadTokenErrors are Slack's answers for a token that will never work
// again: the team uninstalled the app or revoked its token.
var deadTokenErrors = map[string]bool{"token_revoked": true, "invalid_auth": true, "account_inactive": true, "not_authed": true}

// check stops the API when err says its token is dead.
func (a *TeamAPI) check(err error) error {
	var se goslack.SlackErrorResponse
	if errors.As(err, &se) && deadTokenErrors[se.Err] {
		if !a.stopped.Swap(true) && a.Gone != nil {
			a.Gone(a.Token(), se.Err)
		}
	}
	return err
}

func (a *TeamAPI) PostMessageContext(ctx context.Context, channelID string, options ...goslack.MsgOption) (string, string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", "", err
	}
	ch, ts, err := c.PostMessageContext(ctx, channelID, options...)
	return ch, ts, a.check(err)
}

func (a *TeamAPI) PostEphemeralContext(ctx context.Context, channelID, userID string, options ...goslack.MsgOption) (string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	ts, err := c.PostEphemeralContext(ctx, channelID, userID, options...)
	return ts, a.check(err)
}

func (a *TeamAPI) UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...goslack.MsgOption) (string, string, string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", "", "", err
	}
	ch, ts, text, err := c.UpdateMessageContext(ctx, channelID, timestamp, options...)
	return ch, ts, text, a.check(err)
}

func (a *TeamAPI) AddReactionContext(ctx context.Context, name string, item goslack.ItemRef) error {
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	return a.check(c.AddReactionContext(ctx, name, item))
}

func (a *TeamAPI) UploadFileContext(ctx context.Context, params goslack.UploadFileParameters) (*goslack.FileSummary, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	f, err := c.UploadFileContext(ctx, params)
	return f, a.check(err)
}

func (a *TeamAPI) OpenViewContext(ctx context.Context, triggerID string, view goslack.ModalViewRequest) (*goslack.ViewResponse, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	v, err := c.OpenViewContext(ctx, triggerID, view)
	return v, a.check(err)
}

func (a *TeamAPI) GetUserInfoContext(ctx context.Context, user string, options ...goslack.GetUserInfoOption) (*goslack.User, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	u, err := c.GetUserInfoContext(ctx, user, options...)
	return u, a.check(err)
}

func (a *TeamAPI) OpenConversationContext(ctx context.Context, params *goslack.OpenConversationParameters) (*goslack.Channel, bool, bool, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, false, false, err
	}
	ch, no, already, err := c.OpenConversationContext(ctx, params)
	return ch, no, already, a.check(err)
}

func (a *TeamAPI) GetPermalinkContext(ctx context.Context, params *goslack.PermalinkParameters) (string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	p, err := c.GetPermalinkContext(ctx, params)
	return p, a.check(err)
}

func (a *TeamAPI) GetUsersInConversationContext(ctx context.Context, params *goslack.GetUsersInConversationParameters) ([]string, string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, "", err
	}
	users, next, err := c.GetUsersInConversationContext(ctx, params)
	return users, next, a.check(err)
}

func (a *TeamAPI) GetConversationsForUserContext(ctx context.Context, params *goslack.GetConversationsForUserParameters) ([]goslack.Channel, string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, "", err
	}
	chans, next, err := c.GetConversationsForUserContext(ctx, params)
	return chans, next, a.check(err)
}

func (a *TeamAPI) PublishViewContext(ctx context.Context, req goslack.PublishViewContextRequest) (*goslack.ViewResponse, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	v, err := c.PublishViewContext(ctx, req)
	return v, a.check(err)
}

func (a *TeamAPI) CreateChannelCanvasContext(ctx context.Context, channel string, doc goslack.DocumentContent, options ...goslack.CreateChannelCanvasOption) (string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	id, err := c.CreateChannelCanvasContext(ctx, channel, doc, options...)
	return id, a.check(err)
}

func (a *TeamAPI) CreateCanvasContext(ctx context.Context, title string, doc goslack.DocumentContent, options ...goslack.CreateCanvasOption) (string, error) {
	c, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	id, err := c.CreateCanvasContext(ctx, title, doc, options...)
	return id, a.check(err)
}

func (a *TeamAPI) EditCanvasContext(ctx context.Context, params goslack.EditCanvasParams) error {
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	return a.check(c.EditCanvasContext(ctx, params))
}

// AuthTestContext checks the current token (and who the bot is).
func (a *TeamAPI) AuthTestContext(ctx context.Context) (*goslack.AuthTestResponse, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.AuthTestContext(ctx)
	return r, a.check(err)
}
