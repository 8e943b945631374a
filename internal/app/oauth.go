package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/journeybot/journeybot/internal/config"
	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/oauth"
	"github.com/journeybot/journeybot/internal/slack"
)

// oauthConfig is the OAuth side of the app, for the install pages and the
// token refresh.
func oauthConfig(cfg *config.Config, env Env, store install.Store, hc *http.Client, log *slog.Logger) oauth.Config {
	return oauth.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: slack.Scopes,
		APIURL: cfg.APIURL, HTTPClient: hc, Store: store, Now: env.now, Logger: log, Catalog: catalog(),
	}
}

// installRoutes serves the install pages: GET /slack/install and
// /slack/oauth_redirect. A team installed here is served at once.
func installRoutes(mux *http.ServeMux, cfg *config.Config, env Env, store install.Store, t *teamSet, log *slog.Logger) {
	c := oauthConfig(cfg, env, store, t.http, log)
	c.Installed = t.installed
	oauth.New(c).Routes(mux)
}

// refresher refreshes a rotating token with oauth.v2.access.
func refresher(cfg *config.Config, env Env, store install.Store, hc *http.Client, log *slog.Logger) func(ctx context.Context, inst install.Installation) (install.Installation, error) {
	c := oauthConfig(cfg, env, store, hc, log)
	return func(ctx context.Context, inst install.Installation) (install.Installation, error) {
		return oauth.Refresh(ctx, c, inst)
	}
}
