package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	goslack "github.com/slack-go/slack"
)

// MaxBody is the largest request Slack sends us; anything bigger is refused
// before it is read further.
const MaxBody = 1 << 20

// Routes registers the Slack endpoints on mux. wrap, when not nil, wraps
// each handler with its route name (metrics time them).
func (b *Bot) Routes(mux *http.ServeMux, wrap func(route string, h http.Handler) http.Handler) {
	if wrap == nil {
		wrap = func(_ string, h http.Handler) http.Handler { return h }
	}
	mux.Handle("POST /slack/events", wrap("events", b.recovering("events", b.handleEvents)))
	mux.Handle("POST /slack/commands", wrap("commands", b.recovering("commands", b.handleCommands)))
	mux.Handle("POST /slack/interactions", wrap("interactions", b.recovering("interactions", b.handleInteractions)))
}

// recovering answers a panic in h with a 500, logged and counted like a
// panic in background work, rather than net/http's dropped connection.
func (b *Bot) recovering(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer b.recover(r.Context(), route, func() {
			b.observe(route, outError)
			http.Error(w, "internal error", http.StatusInternalServerError)
		})
		h(w, r)
	})
}

// verify reads the body (at most MaxBody) and checks Slack's signature and
// timestamp before anything else looks at the request. On failure it has
// answered already (413 for size, 401 otherwise) and returns false.
func (b *Bot) verify(w http.ResponseWriter, r *http.Request, route string) ([]byte, bool) {
	return verify(w, r, route, b.secret, b.observe)
}

// verify is Bot.verify with its secret and metrics given.
func verify(w http.ResponseWriter, r *http.Request, route, secret string, observe func(route, outcome string)) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			observe(route, "too_large")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		observe(route, "bad_request")
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	sv, err := goslack.NewSecretsVerifier(r.Header, secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		observe(route, "bad_signature")
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	// slack-go's parsers call ParseForm, which reads the body again.
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

func (b *Bot) handleEvents(w http.ResponseWriter, r *http.Request) {
	if body, ok := b.verify(w, r, "events"); ok {
		b.serveEvents(w, r, body)
	}
}

// serveEvents answers an Events API request whose body is verified.
func (b *Bot) serveEvents(w http.ResponseWriter, r *http.Request, body []byte) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		b.observe("events", "bad_request")
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	switch env.Type {
	case "url_verification":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, env.Challenge)
		b.observe("events", "url_verification")
		return
	case "event_callback":
		out, err := b.onEvent(r.Context(), env)
		b.observe("events", out)
		if err != nil {
			// Not acknowledged: Slack retries, and the write is idempotent.
			b.log.ErrorContext(r.Context(), "event not applied", "event_id", env.EventID, "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (b *Bot) handleCommands(w http.ResponseWriter, r *http.Request) {
	if _, ok := b.verify(w, r, "commands"); ok {
		b.serveCommands(w, r)
	}
}

// serveCommands answers a slash command whose body is verified (and put
// back in r).
func (b *Bot) serveCommands(w http.ResponseWriter, r *http.Request) {
	cmd, err := goslack.SlashCommandParse(r)
	if err != nil {
		b.observe("commands", "bad_request")
		http.Error(w, "bad command", http.StatusBadRequest)
		return
	}
	if r.PostFormValue("ssl_check") == "1" {
		// Slack checking the certificate: nothing to run.
		b.observe("commands", "ssl_check")
		w.WriteHeader(http.StatusOK)
		return
	}

	b.observe("commands", b.onCommand(cmd))
	// An empty 200 acknowledges without echoing anything in the channel;
	// the answer follows through the Web API.
	w.WriteHeader(http.StatusOK)
}

func (b *Bot) handleInteractions(w http.ResponseWriter, r *http.Request) {
	if _, ok := b.verify(w, r, "interactions"); ok {
		b.serveInteractions(w, r)
	}
}

// serveInteractions answers an interaction whose body is verified (and
// put back in r).
func (b *Bot) serveInteractions(w http.ResponseWriter, r *http.Request) {
	var cb goslack.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostFormValue("payload")), &cb); err != nil {
		b.observe("interactions", "bad_request")
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	resp, err := b.onInteraction(r.Context(), cb)
	if err != nil {
		b.observe("interactions", outError)
		b.log.ErrorContext(r.Context(), "interaction failed", "type", cb.Type, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	b.observe("interactions", outAccepted)
	if resp != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	w.WriteHeader(http.StatusOK)
}
