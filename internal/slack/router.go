package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
)

// ErrNoTeam is what Teams.Bot returns for a team with no active
// installation.
var ErrNoTeam = errors.New("slack: no installation for this team")

// TeamQuery names the installation a request is for, as Slack sends it.
type TeamQuery struct {
	TeamID, EnterpriseID string
	// EnterpriseInstall is set for an org-wide install, kept under the
	// organisation's id.
	EnterpriseInstall bool
}

// Keys are the installation keys to look up, best first: the organisation
// for an org-wide install; else the team, then its organisation (an
// org-wide install also serves its workspaces).
func (q TeamQuery) Keys() []string {
	switch {
	case q.EnterpriseInstall && q.EnterpriseID != "":
		return []string{q.EnterpriseID}
	case q.EnterpriseID != "" && q.TeamID != "":
		return []string{q.TeamID, q.EnterpriseID}
	case q.TeamID != "":
		return []string{q.TeamID}
	case q.EnterpriseID != "":
		return []string{q.EnterpriseID}
	}
	return nil
}

// Teams is what the router needs of the installed teams.
type Teams interface {
	// Bot returns the bot serving q's installation, or ErrNoTeam.
	Bot(ctx context.Context, q TeamQuery) (*Bot, error)
	// Gone is told that the app was uninstalled from q's team
	// (app_uninstalled) or that its bot token was revoked
	// (tokens_revoked): nothing more may be posted for it.
	Gone(ctx context.Context, q TeamQuery, why string) error
}

// RouterConfig holds a Router's dependencies.
type RouterConfig struct {
	SigningSecret string
	Teams         Teams
	Logger        *slog.Logger
	// Observe, when set, is told what became of the requests the router
	// answers itself (the team's bot tells of the others).
	Observe func(route, outcome string)
}

// Router serves Slack's routes for every installed team (multi-workspace
// mode): it checks the signature, reads which team a request is for, and
// hands it to that team's Bot, which answers with the team's token.
type Router struct {
	secret  string
	teams   Teams
	log     *slog.Logger
	observe func(route, outcome string)
}

// NewRouter returns a Router.
func NewRouter(cfg RouterConfig) *Router {
	r := &Router{secret: cfg.SigningSecret, teams: cfg.Teams, log: cfg.Logger, observe: cfg.Observe}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.observe == nil {
		r.observe = func(string, string) {}
	}
	return r
}

// Routes registers the Slack endpoints on mux, as Bot.Routes does.
func (rt *Router) Routes(mux *http.ServeMux, wrap func(route string, h http.Handler) http.Handler) {
	if wrap == nil {
		wrap = func(_ string, h http.Handler) http.Handler { return h }
	}
	mux.Handle("POST /slack/events", wrap("events", rt.handler("events", rt.events)))
	mux.Handle("POST /slack/commands", wrap("commands", rt.handler("commands", rt.commands)))
	mux.Handle("POST /slack/interactions", wrap("interactions", rt.handler("interactions", rt.interactions)))
}

// route reads a verified body and says which team it is for; handled
// reports that it answered the request itself.
type route func(w http.ResponseWriter, r *http.Request, body []byte) (q TeamQuery, handled bool)

// handler verifies, routes, and hands the request (its body restored) to
// the team's bot, which does not verify it again.
func (rt *Router) handler(name string, read route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				rt.log.ErrorContext(r.Context(), "panic recovered", "task", name, "panic", p)
				rt.observe(name, outError)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		body, ok := verify(w, r, name, rt.secret, rt.observe)
		if !ok {
			return
		}
		q, handled := read(w, r, body)
		if handled {
			return
		}
		bot, err := rt.teams.Bot(r.Context(), q)
		if errors.Is(err, ErrNoTeam) {
			// Not ours to answer (uninstalled, or never installed):
			// acknowledged, so Slack does not retry it.
			rt.log.WarnContext(r.Context(), "request for a team with no installation: ignored", "route", name, "team", q.TeamID, "enterprise", q.EnterpriseID)
			rt.observe(name, "no_installation")
			w.WriteHeader(http.StatusOK)
			return
		}
		if err != nil {
			rt.log.ErrorContext(r.Context(), "installation not read", "route", name, "team", q.TeamID, "err", err)
			rt.observe(name, outError)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		// Verified once, here: the bot reads what the router read.
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Form, r.PostForm = nil, nil
		switch name {
		case "events":
			bot.serveEvents(w, r, body)
		case "commands":
			bot.serveCommands(w, r)
		default:
			bot.serveInteractions(w, r)
		}
	})
}

// teamEnvelope is what the router reads of an Events API request.
// authorizations name the installation the event is delivered to (in a
// channel shared with another organisation, team_id may be the other's).
type teamEnvelope struct {
	Type              string `json:"type"`
	Challenge         string `json:"challenge"`
	EventID           string `json:"event_id"`
	TeamID            string `json:"team_id"`
	EnterpriseID      string `json:"enterprise_id"`
	EnterpriseInstall bool   `json:"is_enterprise_install"`
	Authorizations    []struct {
		TeamID            string `json:"team_id"`
		EnterpriseID      string `json:"enterprise_id"`
		EnterpriseInstall bool   `json:"is_enterprise_install"`
	} `json:"authorizations"`
	Event struct {
		Type   string `json:"type"`
		Tokens struct {
			OAuth []string `json:"oauth"`
			Bot   []string `json:"bot"`
		} `json:"tokens"`
	} `json:"event"`
}

func (rt *Router) events(w http.ResponseWriter, r *http.Request, body []byte) (TeamQuery, bool) {
	var env teamEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		rt.observe("events", "bad_request")
		http.Error(w, "bad event", http.StatusBadRequest)
		return TeamQuery{}, true
	}
	if env.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, env.Challenge)
		rt.observe("events", "url_verification")
		return TeamQuery{}, true
	}
	q := TeamQuery{TeamID: env.TeamID, EnterpriseID: env.EnterpriseID, EnterpriseInstall: env.EnterpriseInstall}
	if len(env.Authorizations) > 0 {
		a := env.Authorizations[0]
		q = TeamQuery{TeamID: a.TeamID, EnterpriseID: a.EnterpriseID, EnterpriseInstall: a.EnterpriseInstall}
	}
	why := ""
	switch {
	case env.Event.Type == "app_uninstalled":
		why = "app_uninstalled"
	case env.Event.Type == "tokens_revoked" && len(env.Event.Tokens.Bot) > 0:
		why = "tokens_revoked"
	case env.Event.Type == "tokens_revoked":
		// Only people's tokens: the bot's still works, and it keeps none.
		rt.observe("events", "ignored")
		w.WriteHeader(http.StatusOK)
		return q, true
	}
	if why == "" {
		return q, false
	}
	if err := rt.teams.Gone(r.Context(), q, why); err != nil {
		rt.log.ErrorContext(r.Context(), "uninstall not recorded", "event_id", env.EventID, "team", q.TeamID, "err", err)
		rt.observe("events", outError)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return q, true
	}
	rt.log.InfoContext(r.Context(), "the app is gone from a team: its tokens are deleted, its data kept until the retention ends", "why", why, "team", q.TeamID, "enterprise", q.EnterpriseID)
	rt.observe("events", why)
	w.WriteHeader(http.StatusOK)
	return q, true
}

func (rt *Router) commands(w http.ResponseWriter, _ *http.Request, body []byte) (TeamQuery, bool) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		rt.observe("commands", "bad_request")
		http.Error(w, "bad command", http.StatusBadRequest)
		return TeamQuery{}, true
	}
	if form.Get("ssl_check") == "1" {
		rt.observe("commands", "ssl_check")
		w.WriteHeader(http.StatusOK)
		return TeamQuery{}, true
	}
	return TeamQuery{TeamID: form.Get("team_id"), EnterpriseID: form.Get("enterprise_id"),
		EnterpriseInstall: form.Get("is_enterprise_install") == "true"}, false
}

// teamPayload is what the router reads of an interaction: a view
// submitted from the app's home may come with no team but the one the
// app is installed in.
type teamPayload struct {
	Team *struct {
		ID string `json:"id"`
	} `json:"team"`
	Enterprise *struct {
		ID string `json:"id"`
	} `json:"enterprise"`
	EnterpriseInstall bool `json:"is_enterprise_install"`
	User              struct {
		TeamID string `json:"team_id"`
	} `json:"user"`
	View *struct {
		AppInstalledTeamID string `json:"app_installed_team_id"`
		TeamID             string `json:"team_id"`
	} `json:"view"`
}

func (rt *Router) interactions(w http.ResponseWriter, _ *http.Request, body []byte) (TeamQuery, bool) {
	form, err := url.ParseQuery(string(body))
	var p teamPayload
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &p)
	}
	if err != nil {
		rt.observe("interactions", "bad_request")
		http.Error(w, "bad payload", http.StatusBadRequest)
		return TeamQuery{}, true
	}
	q := TeamQuery{EnterpriseInstall: p.EnterpriseInstall}
	if p.Enterprise != nil {
		q.EnterpriseID = p.Enterprise.ID
	}
	switch {
	case p.View != nil && p.View.AppInstalledTeamID != "":
		q.TeamID = p.View.AppInstalledTeamID
	case p.Team != nil && p.Team.ID != "":
		q.TeamID = p.Team.ID
	case p.View != nil && p.View.TeamID != "":
		q.TeamID = p.View.TeamID
	default:
		q.TeamID = p.User.TeamID
	}
	return q, false
}
