// Package install describes the bot's installations in Slack workspaces
// (multi-workspace mode, OAuth v2): what Slack gives back when a team adds
// the app, the store role that keeps it, and the key that scopes a team's
// data. It imports nothing of Slack or of a store's
// engine.
package install

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// ErrNotFound is returned for a team with no installation.
var ErrNotFound = errors.New("install: no installation")

// Installation is one team's (or one Enterprise Grid organisation's) install
// of the app, as oauth.v2.access returned it. BotToken and RefreshToken are
// secrets: LogValue leaves them out, and nothing exports them.
type Installation struct {
	TeamID   string `json:"team_id"`
	TeamName string `json:"team_name,omitempty"`
	// EnterpriseID is the Enterprise Grid organisation, when there is one.
	EnterpriseID string `json:"enterprise_id,omitempty"`
	// EnterpriseInstall is an org-wide install: one token for every
	// workspace of the organisation, keyed by EnterpriseID.
	EnterpriseInstall bool     `json:"is_enterprise_install,omitempty"`
	AppID             string   `json:"app_id,omitempty"`
	BotToken          string   `json:"bot_token,omitempty"`
	BotUserID         string   `json:"bot_user_id"`
	Scopes            []string `json:"scopes,omitempty"`
	// InstallerID is the person who installed it (authed_user.id).
	InstallerID string    `json:"installer_id,omitempty"`
	InstalledAt time.Time `json:"installed_at"`
	// RefreshToken and ExpiresAt are set when token rotation is on
	// (token_rotation_enabled); ExpiresAt is zero when the token does not
	// expire.
	RefreshToken string    `json:"refresh_token,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	// UninstalledAt is set when the app was uninstalled or its tokens
	// revoked: the tokens are gone, the team's data is kept until the
	// retention ends (UNINSTALL_RETENTION), then purged.
	UninstalledAt time.Time `json:"uninstalled_at,omitzero"`
}

// Key is the key a team's installation and data are kept under: the
// organisation for an org-wide install, the team otherwise.
func (i Installation) Key() string {
	if i.EnterpriseInstall && i.EnterpriseID != "" {
		return i.EnterpriseID
	}
	return i.TeamID
}

// Active reports whether the bot may post for this team.
func (i Installation) Active() bool { return i.UninstalledAt.IsZero() && i.BotToken != "" }

// LogValue logs an installation without its tokens.
func (i Installation) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("team", i.TeamID)}
	if i.EnterpriseID != "" {
		attrs = append(attrs, slog.String("enterprise", i.EnterpriseID), slog.Bool("enterprise_install", i.EnterpriseInstall))
	}
	attrs = append(attrs, slog.String("bot_user", i.BotUserID), slog.Bool("rotating", !i.ExpiresAt.IsZero()))
	if !i.UninstalledAt.IsZero() {
		attrs = append(attrs, slog.Time("uninstalled_at", i.UninstalledAt))
	}
	return slog.GroupValue(attrs...)
}

// Forget returns the installation with its tokens removed, marked
// uninstalled at t.
func (i Installation) Forget(t time.Time) Installation {
	i.BotToken, i.RefreshToken, i.ExpiresAt = "", "", time.Time{}
	if i.UninstalledAt.IsZero() {
		i.UninstalledAt = t
	}
	return i
}

// ValidKey reports whether s can be a team or organisation id used in store
// keys: Slack's ids are upper-case letters and digits (T…, E…).
func ValidKey(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return strings.IndexAny(s[:1], "TE") == 0
}

// Store keeps installations and the OAuth states that guard the install
// flow. Its keys live beside the teams' data, never inside one team's.
type Store interface {
	// SaveInstallation stores inst under inst.Key(), replacing what was
	// there, in one atomic write.
	SaveInstallation(ctx context.Context, inst Installation) error
	// Installation returns the installation under key, or ErrNotFound.
	Installation(ctx context.Context, key string) (Installation, error)
	// Installations returns every installation (uninstalled ones too),
	// ordered by key.
	Installations(ctx context.Context) ([]Installation, error)
	// DeleteInstallation removes the installation under key (no error
	// when there is none).
	DeleteInstallation(ctx context.Context, key string) error
	// PutState remembers an OAuth state for ttl.
	PutState(ctx context.Context, state string, ttl time.Duration) error
	// TakeState reports whether state was remembered and not expired, and
	// forgets it: a state is good for one redirect only, whichever
	// replica takes it.
	TakeState(ctx context.Context, state string) (bool, error)
}

// Teams scopes a store's data by team (implemented by the Redis and the
// embedded stores): the store each team's engine uses, and the removal of
// all of one team's data.
type Teams interface {
	// ForTeam returns the store holding key's data only: every key it
	// writes is under the team's prefix (Redis) or bucket (bbolt), so two
	// teams may both have W1, C1 and U1.
	ForTeam(key string) workshop.Store
	// PurgeTeam removes every key of key's data and its installation, and
	// nothing else; it returns how many keys (or records) it removed.
	PurgeTeam(ctx context.Context, key string) (int, error)
}
