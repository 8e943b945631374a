package fakeslack

// Socket Mode: apps.connections.open hands out a ws:// URL on this server;
// the websocket there says hello, pings the client, carries the envelopes
// tests push (SendEvent, SendSlashCommand, SendInteraction, ...) and records
// the acknowledgements the client sends back.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// AppID is the app the fake Socket Mode connection belongs to.
const AppID = "A1"

// DefaultSocketPingInterval is how often the fake sends a websocket PING to
// a Socket Mode client. slack-go reconnects when it hears no PING for 30s
// (socketmode.OptionPingInterval), so this stays well below that.
const DefaultSocketPingInterval = 5 * time.Second

// Envelope types a Socket Mode client receives.
const (
	EnvelopeEventsAPI     = "events_api"
	EnvelopeSlashCommands = "slash_commands"
	EnvelopeInteractive   = "interactive"
)

// Envelope is one message the fake sent over Socket Mode.
type Envelope struct {
	ID   string
	Type string
	// Payload is the raw JSON payload.
	Payload json.RawMessage
	// Delivered is false while no client was connected to receive it
	// (it is sent when one connects).
	Delivered bool
}

// socketConn is one websocket connection from a Socket Mode client.
type socketConn struct {
	ws *websocket.Conn
	// wmu serialises data frames (gorilla allows one writer at a time;
	// pings go through WriteControl, which may run concurrently).
	wmu  sync.Mutex
	done chan struct{}
	once sync.Once
}

func (c *socketConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *socketConn) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// socketState is the Socket Mode part of a Server, guarded by Server.mu.
type socketState struct {
	tickets     map[string]bool
	conns       []*socketConn // live connections, oldest first
	opened      int           // connections accepted since New
	closed      bool
	pingEvery   time.Duration
	pending     []string // envelope ids waiting for a connection
	envelopes   map[string]*Envelope
	envOrder    []string
	acks        map[string]json.RawMessage
	ackOrder    []string
	wireMessage map[string][]byte
}

func (st *socketState) init() {
	st.tickets = map[string]bool{}
	st.envelopes = map[string]*Envelope{}
	st.acks = map[string]json.RawMessage{}
	st.wireMessage = map[string][]byte{}
	if st.pingEvery == 0 {
		st.pingEvery = DefaultSocketPingInterval
	}
}

// connectionsOpenLocked answers apps.connections.open, which slack-go calls
// with the app-level token (xapp-…) as a bearer token.
func (s *Server) connectionsOpenLocked(c *Call) reply {
	switch {
	case c.Token == "":
		return fail("not_authed")
	case !strings.HasPrefix(c.Token, "xapp-"):
		return fail("not_allowed_token_type")
	}
	ticket := s.nextIDLocked("ticket-")
	s.sock.tickets[ticket] = true
	return ok(map[string]any{
		"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/socket?ticket=" + ticket,
	})
}

var upgrader = websocket.Upgrader{
	// slack-go sends Origin: https://api.slack.com.
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket is the websocket endpoint apps.connections.open points to.
// Each ticket opens one connection.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.sock.tickets[ticket] && !s.sock.closed
	delete(s.sock.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}

	// Register and say hello before any envelope can reach the connection:
	// senders take wmu after finding the connection, so they wait here.
	c.wmu.Lock()
	s.mu.Lock()
	if s.sock.closed {
		s.mu.Unlock()
		c.wmu.Unlock()
		c.close()
		return
	}
	s.sock.conns = append(s.sock.conns, c)
	s.sock.opened++
	n := len(s.sock.conns)
	ping := s.sock.pingEvery
	var backlog [][]byte
	for _, id := range s.sock.pending {
		backlog = append(backlog, s.sock.wireMessage[id])
		s.sock.envelopes[id].Delivered = true
	}
	s.sock.pending = nil
	s.notifyLocked()
	s.mu.Unlock()

	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": n,
		"connection_info": map[string]any{"app_id": AppID},
		"debug_info": map[string]any{
			"host":                        "fakeslack",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
	})
	_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	err = ws.WriteMessage(websocket.TextMessage, hello)
	for _, m := range backlog {
		if err == nil {
			err = ws.WriteMessage(websocket.TextMessage, m)
		}
	}
	c.wmu.Unlock()
	if err != nil {
		s.dropConn(c)
		return
	}

	go s.pingLoop(c, ping)
	s.readLoop(c)
}

// pingLoop sends websocket PINGs, as Slack does; slack-go treats a silent
// connection as dead.
func (s *Server) pingLoop(c *socketConn, every time.Duration) {
	send := func() bool {
		return c.ws.WriteControl(websocket.PingMessage, []byte("fakeslack"), time.Now().Add(5*time.Second)) == nil
	}
	if !send() {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if !send() {
				return
			}
		}
	}
}

// readLoop records acknowledgements until the connection ends.
func (s *Server) readLoop(c *socketConn) {
	defer s.dropConn(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		if _, seen := s.sock.acks[ack.EnvelopeID]; !seen {
			s.sock.ackOrder = append(s.sock.ackOrder, ack.EnvelopeID)
		}
		s.sock.acks[ack.EnvelopeID] = ack.Payload
		s.notifyLocked()
		s.mu.Unlock()
	}
}

func (s *Server) dropConn(c *socketConn) {
	c.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.sock.conns {
		if x == c {
			s.sock.conns = slices.Delete(s.sock.conns, i, i+1)
			s.notifyLocked()
			return
		}
	}
}

// closeSockets ends every Socket Mode connection and refuses new ones.
func (s *Server) closeSockets() {
	s.mu.Lock()
	s.sock.closed = true
	conns := s.sock.conns
	s.sock.conns = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// SetSocketPingInterval sets how often connections opened from now on are
// sent a websocket PING (default DefaultSocketPingInterval).
func (s *Server) SetSocketPingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.sock.pingEvery = d
	}
}

// SocketConnections returns how many Socket Mode connections are live and
// how many were accepted since New.
func (s *Server) SocketConnections() (live, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sock.conns), s.sock.opened
}

// SocketConnected waits until a Socket Mode client is connected (it has
// been sent hello). On timeout it fails the test with t.Fatalf; like Fatalf
// it must be called from the test goroutine.
func (s *Server) SocketConnected(t TB, timeout time.Duration) {
	t.Helper()
	s.wait(t, timeout, func() bool { live, _ := s.SocketConnections(); return live > 0 },
		func() string {
			_, total := s.SocketConnections()
			return fmt.Sprintf("no Socket Mode client connected (%d connections so far)", total)
		})
}

// send pushes one envelope to the newest live connection, or queues it until
// a client connects.
func (s *Server) send(typ string, payload any, acceptsResponse bool) string {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("fakeslack: %s payload is not JSON: %v", typ, err))
	}
	s.mu.Lock()
	id := s.nextIDLocked("env-")
	wire, _ := json.Marshal(map[string]any{
		"envelope_id":              id,
		"type":                     typ,
		"payload":                  json.RawMessage(raw),
		"accepts_response_payload": acceptsResponse,
		"retry_attempt":            0,
		"retry_reason":             "",
	})
	env := &Envelope{ID: id, Type: typ, Payload: raw}
	s.sock.envelopes[id] = env
	s.sock.envOrder = append(s.sock.envOrder, id)
	s.sock.wireMessage[id] = wire
	var c *socketConn
	if n := len(s.sock.conns); n > 0 {
		c = s.sock.conns[n-1]
		env.Delivered = true
	} else {
		s.sock.pending = append(s.sock.pending, id)
	}
	s.notifyLocked()
	s.mu.Unlock()

	if c != nil && c.write(json.RawMessage(wire)) != nil {
		// The connection died under us: deliver on the next one.
		s.dropConn(c)
		s.mu.Lock()
		if e := s.sock.envelopes[id]; e != nil {
			e.Delivered = false
			s.sock.pending = append(s.sock.pending, id)
		}
		s.mu.Unlock()
	}
	return id
}

// SendEvent sends an events_api envelope whose payload is an Events API
// body, e.g. {"type":"event_callback","event_id":"Ev1","event":{...}}, and
// returns its envelope id.
func (s *Server) SendEvent(payload any) (envelopeID string) {
	return s.send(EnvelopeEventsAPI, payload, false)
}

// SendEventCallback wraps event (the inner "event" object) in an
// event_callback body with a fresh event_id, this team and app, and sends
// it as SendEvent does. It returns the envelope id and the event id.
func (s *Server) SendEventCallback(event any) (envelopeID, eventID string) {
	s.mu.Lock()
	eventID = s.nextIDLocked("Ev")
	s.mu.Unlock()
	envelopeID = s.SendEvent(map[string]any{
		"token":      "fake-verification-token",
		"team_id":    TeamID,
		"api_app_id": AppID,
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": time.Now().Unix(),
		"event":      event,
		"authorizations": []map[string]any{{
			"team_id": TeamID, "user_id": BotUserID, "is_bot": true,
		}},
	})
	return envelopeID, eventID
}

// SendSlashCommand sends a slash_commands envelope; cmd holds the command's
// fields (command, text, user_id, channel_id, response_url, ...). team_id,
// api_app_id, is_enterprise_install and a fresh trigger_id are filled in when
// absent. It returns the envelope id.
func (s *Server) SendSlashCommand(cmd map[string]string) string {
	c := maps.Clone(cmd)
	if c == nil {
		c = map[string]string{}
	}
	s.mu.Lock()
	defaults := map[string]string{
		"team_id":               TeamID,
		"team_domain":           "journeybot-test",
		"api_app_id":            AppID,
		"is_enterprise_install": "false",
		"trigger_id":            s.nextIDLocked("trigger-"),
	}
	s.mu.Unlock()
	for k, v := range defaults {
		if _, set := c[k]; !set {
			c[k] = v
		}
	}
	return s.send(EnvelopeSlashCommands, c, true)
}

// SendInteraction sends an interactive envelope (block_actions,
// view_submission, ...) with payload as is, and returns its envelope id.
func (s *Server) SendInteraction(payload any) string {
	return s.send(EnvelopeInteractive, payload, true)
}

// SendDisconnect asks every connected client to reconnect, as Slack does
// before recycling a connection (reason e.g. "refresh_requested", "warning").
func (s *Server) SendDisconnect(reason string) {
	s.mu.Lock()
	conns := append([]*socketConn(nil), s.sock.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.write(map[string]any{
			"type":       "disconnect",
			"reason":     reason,
			"debug_info": map[string]any{"host": "fakeslack"},
		})
	}
}

// Envelopes returns the envelopes sent (or queued), in order.
func (s *Server) Envelopes() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Envelope, 0, len(s.sock.envOrder))
	for _, id := range s.sock.envOrder {
		e := *s.sock.envelopes[id]
		e.Payload = bytes.Clone(e.Payload)
		out = append(out, e)
	}
	return out
}

// Acks returns the acknowledgements received, by envelope id. The value is
// the ack's payload, nil when it carried none.
func (s *Server) Acks() map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]json.RawMessage, len(s.sock.acks))
	for id, p := range s.sock.acks {
		out[id] = bytes.Clone(p)
	}
	return out
}

// Acked reports whether envelopeID was acknowledged.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sock.acks[envelopeID]
	return ok
}

// WaitAck waits until envelopeID is acknowledged and returns the ack's
// payload (nil when it carried none). On timeout it fails the test with
// t.Fatalf; like Fatalf it must be called from the test goroutine.
func (s *Server) WaitAck(t TB, envelopeID string, timeout time.Duration) json.RawMessage {
	t.Helper()
	s.wait(t, timeout, func() bool { return s.Acked(envelopeID) },
		func() string {
			s.mu.Lock()
			defer s.mu.Unlock()
			return fmt.Sprintf("envelope %s not acknowledged (acked: [%s]; live connections: %d)",
				envelopeID, strings.Join(s.sock.ackOrder, " "), len(s.sock.conns))
		})
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.sock.acks[envelopeID])
}
