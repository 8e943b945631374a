package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/journeybot/journeybot/internal/config"
	"github.com/journeybot/journeybot/internal/install"
)

// installRoutes serves the install pages (GET /slack/install and
// /slack/oauth_redirect). TODO(issue 17): the OAuth handler.
func installRoutes(mux *http.ServeMux, cfg *config.Config, env Env, store install.Store, t *teamSet, log *slog.Logger) {
}

// refresher refreshes a rotating token with oauth.v2.access.
func refresher(cfg *config.Config, hc *http.Client) func(ctx context.Context, inst install.Installation) (install.Installation, error) {
	return nil
}
