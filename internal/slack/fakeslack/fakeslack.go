// Package fakeslack is an in-process fake of the Slack Web API for tests.
//
// It serves the Web API methods journeybot calls, and no others, over
// real HTTP, so a slack-go client can be pointed at it:
//
//	srv := fakeslack.New()
//	defer srv.Close()
//	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
//
// The methods are auth.test, chat.postMessage, chat.postEphemeral,
// chat.update, reactions.add, users.info, views.open, the file upload
// (files.getUploadURLExternal, the upload URL, files.completeUploadExternal)
// and, for Socket Mode, apps.connections.open.
//
// Multi-workspace installs are served too: oauth.v2.access exchanges the
// codes a test registers with AddInstall and answers the refresh grant;
// once a code is registered, every call must carry a token the fake issued
// (see AddInstall, RevokeTeam).
//
// Every request is recorded as a Call. Handled methods keep a small amount of
// state (messages, reactions, views, uploads) that tests can inspect. Message
// timestamps are unique and strictly increasing for the lifetime of a Server,
// even under concurrent posting.
//
// Requests for methods without a handler are recorded and answered with
// {"ok":false,"error":"unknown_method"}, as real Slack does.
//
// Tests wait on the fake, never by polling it: WaitFor waits for calls,
// Wait for any condition, and Changed hands out the signal they use, for a
// test that waits on the fake and something else at once.
//
// Socket Mode is served too: apps.connections.open (called with an xapp-
// token) returns a ws:// URL on the same server, where the fake says hello,
// pings, and delivers the envelopes a test pushes with SendEvent,
// SendEventCallback, SendSlashCommand and SendInteraction; the client's
// acknowledgements are read back with Acks and WaitAck:
//
//	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-test"))
//	client := socketmode.New(api)
//	go client.RunContext(ctx)
//	srv.SocketConnected(t, 5*time.Second)
//	id := srv.SendSlashCommand(map[string]string{"command": "/journey", "text": "help"})
//	srv.WaitAck(t, id, 5*time.Second)
package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Identity returned by auth.test and used as the author of posted messages.
const (
	BotUserID = "UBOT"
	BotID     = "BBOT"
	TeamID    = "T1"
)

// UploadMethod is the Call.Method recorded for the file-content POST to the
// upload_url handed out by files.getUploadURLExternal. It is not a Slack API
// method; RateLimit and FailNext accept it too.
const UploadMethod = "upload"

// tsBase is the seconds part of the first generated message timestamp.
const tsBase = 1700000000

// Call is one recorded HTTP request.
type Call struct {
	// Method is the Slack method ("chat.postMessage"), or UploadMethod.
	Method string
	// Token is the bearer token from the Authorization header or, failing
	// that, the "token" form value (slack-go sends form-encoded methods with
	// the token in the body and no Authorization header).
	Token string
	// Header is the request header.
	Header http.Header
	// Form holds URL query values plus url-encoded or multipart (non-file)
	// body values. It is nil for JSON requests.
	Form url.Values
	// JSON is the decoded body of an application/json request, else nil.
	JSON map[string]any
	// Body is the raw request body.
	Body []byte
	// At is when the request arrived.
	At time.Time
	// Status is the HTTP status the fake answered with.
	Status int
	// Error is the Slack error code answered ("" when ok).
	Error string
}

// Param returns a request parameter from Form or, for JSON requests, from
// the top level of the JSON body (non-string values are re-encoded as JSON).
func (c Call) Param(key string) string {
	v, _ := c.param(key)
	return v
}

func (c Call) param(key string) (string, bool) {
	if c.JSON != nil {
		v, ok := c.JSON[key]
		if !ok || v == nil {
			return "", false
		}
		if s, ok := v.(string); ok {
			return s, true
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	if c.Form == nil || !c.Form.Has(key) {
		return "", false
	}
	return c.Form.Get(key), true
}

// Message is the current state of a message posted with chat.postMessage or
// chat.postEphemeral (after any chat.update).
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	// Blocks is the raw JSON of the blocks parameter, nil if none was sent.
	Blocks json.RawMessage
	// Attachments is the raw JSON of the attachments parameter, if any.
	Attachments json.RawMessage
	// Ephemeral marks chat.postEphemeral messages; TS is then the
	// message_ts that was returned.
	Ephemeral bool
	// User is the recipient of an ephemeral message; empty otherwise.
	User string
	// Updates counts the chat.update calls applied to the message.
	Updates int
}

// Reaction is one reaction added with reactions.add and not removed.
type Reaction struct {
	Name      string
	Channel   string
	Timestamp string
}

// Upload is a file completed with files.completeUploadExternal.
type Upload struct {
	FileID   string
	Filename string
	// Title is the title sent on completion, defaulting to Filename.
	Title string
	// AltText is the alt_txt sent to files.getUploadURLExternal.
	AltText     string
	SnippetType string
	// Length is the length declared to files.getUploadURLExternal.
	Length int
	// Channel is channel_id, or the first of channels.
	Channel        string
	Channels       []string
	ThreadTS       string
	InitialComment string
	// Blocks is the raw blocks parameter of the completion, if any.
	Blocks json.RawMessage
	// Data is the uploaded file content.
	Data []byte
}

// View is a view opened with views.open.
type View struct {
	ID         string
	TriggerID  string
	CallbackID string
	Type       string
	// JSON is the raw "view" object of the request.
	JSON json.RawMessage
}

// UserInfo configures what users.info answers for one user.
type UserInfo struct {
	Name        string
	RealName    string
	DisplayName string
	Email       string
	// TZ is an IANA zone name; empty means "UTC".
	TZ      string
	TZLabel string
	IsAdmin bool
	IsOwner bool
	IsBot   bool
	Deleted bool
}

type pendingFile struct {
	name, altText, snippetType string
	length                     int
	data                       []byte
	uploaded                   bool
}

type rateLimit struct {
	times      int
	retryAfter int
}

type msgKey struct{ channel, ts string }

// Server is a fake Slack Web API server. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, e.g. http://127.0.0.1:1234.
	URL string

	srv *httptest.Server

	mu         sync.Mutex
	tsCounter  int64
	idCounter  int64
	calls      []Call
	messages   map[msgKey]*Message
	msgOrder   []msgKey
	reactions  []Reaction
	views      map[string]*View
	viewOrder  []string
	files      map[string]*pendingFile
	uploads    []Upload
	users      map[string]UserInfo
	members    map[string][]string
	homes      map[string][]json.RawMessage
	rateLimits map[string]*rateLimit
	failures   map[string][]string
	canvases   canvasState
	oauth      oauthState
	sock       socketState
	// changed is closed and replaced at every change: a call recorded, a
	// Socket Mode connection or envelope or acknowledgement.
	changed chan struct{}
}

// New starts a fake Slack server. Call Close when done.
func New() *Server {
	s := &Server{
		users:      map[string]UserInfo{},
		messages:   map[msgKey]*Message{},
		views:      map[string]*View{},
		files:      map[string]*pendingFile{},
		rateLimits: map[string]*rateLimit{},
		failures:   map[string][]string{},
		changed:    make(chan struct{}),
	}
	s.sock.init()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/upload/", s.serveUpload)
	mux.HandleFunc("/socket", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close ends Socket Mode connections and shuts the server down.
func (s *Server) Close() {
	s.closeSockets()
	s.srv.Close()
}

// APIURL is the value for slack.OptionAPIURL: URL + "/api/".
func (s *Server) APIURL() string { return s.URL + "/api/" }

// notifyLocked wakes everyone waiting for a change.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Changed returns a channel that is closed at the next change the fake
// sees: a call recorded, a Socket Mode connection opened or closed, an
// envelope sent or acknowledged. A test that waits on the fake and on
// something else at once takes the channel, checks its condition, then
// waits on the channel, so no change between the check and the wait is
// missed.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Wait waits until cond holds, checking it again at every change the fake
// sees, never by polling. On timeout it fails the test with t.Fatalf,
// naming what it waited for; like Fatalf it must be called from the test
// goroutine. cond may call the fake's accessors (Messages, Calls, ...).
func (s *Server) Wait(t TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	s.wait(t, timeout, cond, func() string { return what })
}

// wait is Wait with the failure described by desc, called on timeout.
func (s *Server) wait(t TB, timeout time.Duration, cond func() bool, desc func() string) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		changed := s.Changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("fakeslack: after %v: %s", timeout, desc())
			return
		}
	}
}

// Calls returns the recorded calls of one method, in arrival order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// AllCalls returns every recorded call, in arrival order.
func (s *Server) AllCalls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// TB is the part of testing.TB the waits use, so this package, which is
// not a test file, need not import testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// WaitFor waits until at least n calls of method were recorded and returns
// them. On timeout it fails the test with t.Fatalf, listing the methods that
// were called, and returns nil; like Fatalf it must be called from the test
// goroutine. Calls answered with an error (FailNext, RateLimit) count too.
func (s *Server) WaitFor(t TB, method string, n int, timeout time.Duration) []Call {
	t.Helper()
	var calls []Call
	s.wait(t, timeout, func() bool { calls = s.Calls(method); return len(calls) >= n }, func() string {
		var got []string
		for _, c := range s.AllCalls() {
			got = append(got, c.Method)
		}
		return fmt.Sprintf("waited for %d %s call(s), got %d; all calls: [%s]", n, method, len(calls), strings.Join(got, " "))
	})
	if len(calls) < n {
		return nil
	}
	return calls
}

// RateLimit makes the next `times` calls of method answer HTTP 429 with a
// Retry-After header of retryAfter seconds and {"ok":false,"error":"ratelimited"}.
// Repeated calls add up; the latest retryAfter wins.
func (s *Server) RateLimit(method string, times int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.rateLimits[method]
	if rl == nil {
		rl = &rateLimit{}
		s.rateLimits[method] = rl
	}
	rl.times += times
	rl.retryAfter = retryAfter
}

// FailNext makes the next call of method answer {"ok":false,"error":slackError}
// (HTTP 500 for UploadMethod, whose body slack-go ignores). Repeated calls
// queue up, one failure per request.
func (s *Server) FailNext(method, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], slackError)
}

// SetUser configures the users.info answer for id. Users not set answer a
// default user: real_name = id, tz "UTC", not admin.
func (s *Server) SetUser(id string, u UserInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = u
}

// Messages returns the current state of messages posted to channel
// (including ephemeral ones), in posting order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, k := range s.msgOrder {
		if k.channel == channel {
			if m, ok := s.messages[k]; ok {
				out = append(out, copyMessage(m))
			}
		}
	}
	return out
}

// Message returns the current state of one message.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[msgKey{channel, ts}]
	if !ok {
		return Message{}, false
	}
	return copyMessage(m), true
}

// Reactions returns the reactions currently added, in order.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reactions)
}

// Views returns the views opened, in order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.viewOrder))
	for _, id := range s.viewOrder {
		v := *s.views[id]
		v.JSON = bytes.Clone(v.JSON)
		out = append(out, v)
	}
	return out
}

// Uploads returns the files completed with files.completeUploadExternal, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, len(s.uploads))
	for i, u := range s.uploads {
		u.Channels = slices.Clone(u.Channels)
		u.Blocks = bytes.Clone(u.Blocks)
		u.Data = bytes.Clone(u.Data)
		out[i] = u
	}
	return out
}

func copyMessage(m *Message) Message {
	c := *m
	c.Blocks = bytes.Clone(m.Blocks)
	c.Attachments = bytes.Clone(m.Attachments)
	return c
}

// nextTSLocked returns a unique, strictly increasing message timestamp.
func (s *Server) nextTSLocked() string {
	s.tsCounter++
	n := s.tsCounter
	return fmt.Sprintf("%d.%06d", tsBase+n/1000000, n%1000000)
}

func (s *Server) nextIDLocked(prefix string) string {
	s.idCounter++
	return fmt.Sprintf("%s%d", prefix, s.idCounter)
}

// reply is what a handler answers: a JSON body, or an error code.
type reply struct {
	status int
	body   map[string]any
	errMsg string
}

func ok(fields map[string]any) reply {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return reply{status: http.StatusOK, body: fields}
}

func fail(code string) reply {
	return reply{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}, errMsg: code}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	c, perr := readCall(method, r)

	s.mu.Lock()
	var rep reply
	retryAfter := 0
	switch {
	case s.takeRateLimitLocked(method, &retryAfter):
		rep = fail("ratelimited")
		rep.status = http.StatusTooManyRequests
	case s.takeFailureLocked(method, &rep):
	case perr != "":
		rep = fail(perr)
	default:
		rep = s.handleLocked(&c)
	}
	c.Status, c.Error = rep.status, rep.errMsg
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if rep.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(rep.body)
}

func (s *Server) takeRateLimitLocked(method string, retryAfter *int) bool {
	rl := s.rateLimits[method]
	if rl == nil || rl.times <= 0 {
		return false
	}
	rl.times--
	*retryAfter = rl.retryAfter
	return true
}

func (s *Server) takeFailureLocked(method string, rep *reply) bool {
	q := s.failures[method]
	if len(q) == 0 {
		return false
	}
	*rep = fail(q[0])
	s.failures[method] = q[1:]
	return true
}

// readCall reads and decodes a request into a Call. A non-empty second
// result is a Slack error code for an undecodable request.
func readCall(method string, r *http.Request) (Call, string) {
	body, _ := io.ReadAll(r.Body)
	c := Call{
		Method: method,
		Header: r.Header.Clone(),
		Body:   body,
		At:     time.Now(),
	}
	if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		c.Token = tok
	}
	ctype, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var perr string
	switch ctype {
	case "application/json":
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &c.JSON); err != nil {
				perr = "invalid_json"
			}
		}
		if c.JSON == nil {
			c.JSON = map[string]any{}
		}
	case "multipart/form-data":
		c.Form = r.URL.Query()
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FileName() == "" {
				v, _ := io.ReadAll(p)
				c.Form.Add(p.FormName(), string(v))
			}
		}
	default:
		c.Form = r.URL.Query()
		if r.Method == http.MethodPost {
			vals, err := url.ParseQuery(string(body))
			if err != nil {
				perr = "invalid_form_data"
			}
			for k, vs := range vals {
				c.Form[k] = append(c.Form[k], vs...)
			}
		}
	}
	if c.Token == "" && c.Form != nil {
		c.Token = c.Form.Get("token")
	}
	return c, perr
}

func (s *Server) handleLocked(c *Call) reply {
	if rep, refused := s.tokenRefusedLocked(c); refused {
		return rep
	}
	switch c.Method {
	case "auth.test":
		return s.authTestLocked(c)
	case "oauth.v2.access":
		return s.oauthAccessLocked(c)
	case "chat.postMessage":
		return s.postMessageLocked(c, false)
	case "chat.postEphemeral":
		return s.postMessageLocked(c, true)
	case "chat.update":
		return s.updateMessageLocked(c)
	case "reactions.add":
		return s.addReactionLocked(c)
	case "users.info":
		return s.userInfoLocked(c)
	case "views.open":
		return s.openViewLocked(c)
	case "files.getUploadURLExternal":
		return s.getUploadURLLocked(c)
	case "files.completeUploadExternal":
		return s.completeUploadLocked(c)
	case "apps.connections.open":
		return s.connectionsOpenLocked(c)
	case "conversations.open":
		return s.openConversationLocked(c)
	case "conversations.members":
		return s.membersLocked(c)
	case "chat.getPermalink":
		return s.permalinkLocked(c)
	case "users.conversations":
		return s.userChannelsLocked(c)
	case "views.publish":
		return s.publishViewLocked(c)
	case "conversations.canvases.create", "canvases.create":
		return s.createCanvasLocked(c)
	case "canvases.edit":
		return s.editCanvasLocked(c)
	}
	return fail("unknown_method")
}

// SetMembers sets who is in channel, for conversations.members.
func (s *Server) SetMembers(channel string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string][]string{}
	}
	s.members[channel] = append([]string(nil), users...)
}

// membersLocked answers conversations.members with cursor pagination, as
// Slack's docs show ({"ok":true,"members":[…],"response_metadata":
// {"next_cursor":"…"}}).
func (s *Server) membersLocked(c *Call) reply {
	all, found := s.members[c.Param("channel")]
	if !found {
		return fail("channel_not_found")
	}
	limit, _ := strconv.Atoi(c.Param("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	from, _ := strconv.Atoi(c.Param("cursor"))
	to := min(from+limit, len(all))
	next := ""
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	return ok(map[string]any{"members": all[from:to], "response_metadata": map[string]any{"next_cursor": next}})
}

// userChannelsLocked answers users.conversations from the members set with
// SetMembers, in one page ({"ok":true,"channels":[{"id":…}],
// "response_metadata":{"next_cursor":""}}, as Slack's docs show).
func (s *Server) userChannelsLocked(c *Call) reply {
	user := c.Param("user")
	var chans []map[string]any
	for ch, users := range s.members {
		if slices.Contains(users, user) {
			chans = append(chans, map[string]any{"id": ch, "is_channel": true})
		}
	}
	slices.SortFunc(chans, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	return ok(map[string]any{"channels": chans, "response_metadata": map[string]any{"next_cursor": ""}})
}

// publishViewLocked records a home tab published for a user. A view whose
// block ids repeat is refused as Slack refuses it, with invalid_arguments
// (slack-go/slack pull request #725).
func (s *Server) publishViewLocked(c *Call) reply {
	if c.JSON == nil {
		return fail("invalid_arguments")
	}
	user, _ := c.JSON["user_id"].(string)
	view, _ := c.JSON["view"].(map[string]any)
	if user == "" || view == nil || view["type"] != "home" || !uniqueBlockIDs(view) {
		return fail("invalid_arguments")
	}
	raw, _ := json.Marshal(view)
	if s.homes == nil {
		s.homes = map[string][]json.RawMessage{}
	}
	s.homes[user] = append(s.homes[user], raw)
	return ok(map[string]any{"view": map[string]any{"id": s.nextIDLocked("V"), "type": "home"}})
}

// uniqueBlockIDs reports whether no block id of view repeats.
func uniqueBlockIDs(view map[string]any) bool {
	blocks, _ := view["blocks"].([]any)
	seen := map[string]bool{}
	for _, b := range blocks {
		m, _ := b.(map[string]any)
		id, _ := m["block_id"].(string)
		if id == "" {
			continue
		}
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}

// Homes returns the home tabs published for user, oldest first.
func (s *Server) Homes(user string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.homes[user])
}

// permalinkLocked answers chat.getPermalink the way Slack builds them.
func (s *Server) permalinkLocked(c *Call) reply {
	channel, ts := c.Param("channel"), c.Param("message_ts")
	if channel == "" || ts == "" {
		return fail("message_not_found")
	}
	return ok(map[string]any{"channel": channel, "permalink": "https://journeybot-test.slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")})
}

// DMChannel is the direct message channel fakeslack opens with user.
func DMChannel(user string) string { return "D" + user }

// openConversationLocked answers conversations.open for one user as Slack's
// docs show (https://api.slack.com/methods/conversations.open: {"ok":true,
// "channel":{"id":"D…"}}): the same channel every time.
func (s *Server) openConversationLocked(c *Call) reply {
	users := c.Param("users")
	if users == "" || strings.Contains(users, ",") {
		return fail("user_not_found")
	}
	return ok(map[string]any{"channel": map[string]any{"id": DMChannel(users)}})
}

// rawJSONParam returns a parameter holding JSON (blocks, attachments) and
// whether it was present; the third result is false if it is not valid JSON.
func rawJSONParam(c *Call, key string) (json.RawMessage, bool, bool) {
	v, present := c.param(key)
	if !present {
		return nil, false, true
	}
	if !json.Valid([]byte(v)) {
		return nil, true, false
	}
	return json.RawMessage(v), true, true
}

func (s *Server) postMessageLocked(c *Call, ephemeral bool) reply {
	channel := c.Param("channel")
	if channel == "" {
		return fail("channel_not_found")
	}
	m := &Message{
		Channel:   channel,
		ThreadTS:  c.Param("thread_ts"),
		Text:      c.Param("text"),
		Ephemeral: ephemeral,
	}
	var hasBlocks, hasAtt, valid bool
	if m.Blocks, hasBlocks, valid = rawJSONParam(c, "blocks"); !valid {
		return fail("invalid_blocks")
	}
	if m.Attachments, hasAtt, valid = rawJSONParam(c, "attachments"); !valid {
		return fail("invalid_attachments")
	}
	if m.Text == "" && !hasBlocks && !hasAtt {
		return fail("no_text")
	}
	if ephemeral {
		m.User = c.Param("user")
		if m.User == "" {
			return fail("user_not_found")
		}
	}
	m.TS = s.nextTSLocked()
	k := msgKey{channel, m.TS}
	s.messages[k] = m
	s.msgOrder = append(s.msgOrder, k)
	if ephemeral {
		return ok(map[string]any{"message_ts": m.TS})
	}
	return ok(map[string]any{
		"channel": channel,
		"ts":      m.TS,
		"message": messageJSON(m),
	})
}

func messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"type":    "message",
		"user":    BotUserID,
		"bot_id":  BotID,
		"team":    TeamID,
		"text":    m.Text,
		"ts":      m.TS,
		"channel": m.Channel,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	return out
}

func (s *Server) updateMessageLocked(c *Call) reply {
	channel, ts := c.Param("channel"), c.Param("ts")
	if channel == "" {
		return fail("channel_not_found")
	}
	m, found := s.messages[msgKey{channel, ts}]
	if !found || m.Ephemeral {
		return fail("message_not_found")
	}
	blocks, hasBlocks, valid := rawJSONParam(c, "blocks")
	if !valid {
		return fail("invalid_blocks")
	}
	att, hasAtt, valid := rawJSONParam(c, "attachments")
	if !valid {
		return fail("invalid_attachments")
	}
	text, hasText := c.param("text")
	if !hasText && !hasBlocks && !hasAtt {
		return fail("no_text")
	}
	if hasText {
		m.Text = text
	}
	if hasBlocks {
		m.Blocks = blocks
	}
	if hasAtt {
		m.Attachments = att
	}
	m.Updates++
	return ok(map[string]any{
		"channel": channel,
		"ts":      ts,
		"text":    m.Text,
		"message": messageJSON(m),
	})
}

func (s *Server) addReactionLocked(c *Call) reply {
	r := Reaction{Name: c.Param("name"), Channel: c.Param("channel"), Timestamp: c.Param("timestamp")}
	switch {
	case r.Name == "":
		return fail("invalid_name")
	case r.Channel == "" || r.Timestamp == "":
		return fail("no_item_specified")
	case slices.Contains(s.reactions, r):
		return fail("already_reacted")
	}
	s.reactions = append(s.reactions, r)
	return ok(nil)
}

func (s *Server) userInfoLocked(c *Call) reply {
	id := c.Param("user")
	if id == "" {
		return fail("user_not_found")
	}
	u, found := s.users[id]
	if !found {
		u = UserInfo{RealName: id}
	}
	if u.TZ == "" {
		u.TZ = "UTC"
	}
	if u.Name == "" {
		u.Name = strings.ToLower(id)
	}
	offset := 0
	if loc, err := time.LoadLocation(u.TZ); err == nil {
		_, offset = time.Now().In(loc).Zone()
	}
	if u.TZLabel == "" {
		u.TZLabel = u.TZ
	}
	return ok(map[string]any{"user": map[string]any{
		"id":        id,
		"team_id":   TeamID,
		"name":      u.Name,
		"real_name": u.RealName,
		"deleted":   u.Deleted,
		"tz":        u.TZ,
		"tz_label":  u.TZLabel,
		"tz_offset": offset,
		"is_admin":  u.IsAdmin,
		"is_owner":  u.IsOwner,
		"is_bot":    u.IsBot,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.DisplayName,
			"email":        u.Email,
		},
	}})
}

func (s *Server) openViewLocked(c *Call) reply {
	if c.JSON == nil {
		return fail("invalid_arguments")
	}
	view, _ := c.JSON["view"].(map[string]any)
	if view == nil || !uniqueBlockIDs(view) {
		return fail("invalid_arguments")
	}
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	trigger := str(c.JSON, "trigger_id")
	if trigger == "" {
		return fail("invalid_trigger_id")
	}
	raw, _ := json.Marshal(view)
	v := &View{ID: s.nextIDLocked("V"), TriggerID: trigger, JSON: raw, Type: str(view, "type"), CallbackID: str(view, "callback_id")}
	s.views[v.ID] = v
	s.viewOrder = append(s.viewOrder, v.ID)

	out := map[string]any{
		"id":               v.ID,
		"team_id":          TeamID,
		"type":             v.Type,
		"callback_id":      v.CallbackID,
		"private_metadata": str(view, "private_metadata"),
		"hash":             "hash-" + v.ID,
		"root_view_id":     v.ID,
		"bot_id":           BotID,
	}
	for _, k := range []string{"title", "submit", "close"} {
		if t, isMap := view[k].(map[string]any); isMap {
			out[k] = t
		}
	}
	return ok(map[string]any{"view": out})
}

func (s *Server) getUploadURLLocked(c *Call) reply {
	name := c.Param("filename")
	length, err := strconv.Atoi(c.Param("length"))
	if name == "" || err != nil || length <= 0 {
		return fail("invalid_arguments")
	}
	id := s.nextIDLocked("F")
	s.files[id] = &pendingFile{
		name:        name,
		length:      length,
		altText:     c.Param("alt_txt"),
		snippetType: c.Param("snippet_type"),
	}
	return ok(map[string]any{
		"file_id":    id,
		"upload_url": s.URL + "/upload/" + id,
	})
}

// serveUpload receives file content POSTed to an upload_url. slack-go sends
// it as multipart/form-data with the content in the "file" part; a raw body
// is accepted too.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	c, _ := readCall(UploadMethod, r)
	if c.Form == nil {
		c.Form = url.Values{}
	}
	c.Form.Set("file_id", id)

	data := c.Body
	if ctype, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ctype == "multipart/form-data" {
		data = nil
		mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FileName() != "" || p.FormName() == "file" {
				data, _ = io.ReadAll(p)
				break
			}
		}
	}

	s.mu.Lock()
	status, msg := http.StatusOK, fmt.Sprintf("OK - %d", len(data))
	retryAfter := 0
	var rep reply
	f := s.files[id]
	switch {
	case s.takeRateLimitLocked(UploadMethod, &retryAfter):
		status, msg = http.StatusTooManyRequests, "ratelimited"
	case s.takeFailureLocked(UploadMethod, &rep):
		status, msg = http.StatusInternalServerError, rep.errMsg
	case r.Method != http.MethodPost:
		status, msg = http.StatusMethodNotAllowed, "method_not_allowed"
	case f == nil:
		status, msg = http.StatusNotFound, "file_not_found"
	default:
		f.data = bytes.Clone(data)
		f.uploaded = true
	}
	c.Status = status
	if status != http.StatusOK {
		c.Error = msg
	}
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

func (s *Server) completeUploadLocked(c *Call) reply {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(c.Param("files")), &files); err != nil || len(files) == 0 {
		return fail("invalid_arguments")
	}
	for _, fs := range files {
		if f := s.files[fs.ID]; f == nil || !f.uploaded {
			return fail("file_not_found")
		}
	}
	blocks, _, valid := rawJSONParam(c, "blocks")
	if !valid {
		return fail("invalid_blocks")
	}
	var channels []string
	if v := c.Param("channels"); v != "" {
		channels = strings.Split(v, ",")
	}
	channel := c.Param("channel_id")
	if channel == "" && len(channels) > 0 {
		channel = channels[0]
	}
	out := make([]map[string]any, 0, len(files))
	for _, fs := range files {
		f := s.files[fs.ID]
		title := fs.Title
		if title == "" {
			title = f.name
		}
		s.uploads = append(s.uploads, Upload{
			FileID:         fs.ID,
			Filename:       f.name,
			Title:          title,
			AltText:        f.altText,
			SnippetType:    f.snippetType,
			Length:         f.length,
			Channel:        channel,
			Channels:       slices.Clone(channels),
			ThreadTS:       c.Param("thread_ts"),
			InitialComment: c.Param("initial_comment"),
			Blocks:         bytes.Clone(blocks),
			Data:           f.data,
		})
		delete(s.files, fs.ID)
		// As Slack answers: the file object, with the permalink of a file
		// the bot user shared (its workspace's address, as auth.test says).
		out = append(out, map[string]any{
			"id": fs.ID, "title": title, "name": f.name, "user": BotUserID,
			"permalink": "https://journeybot-test.slack.com/files/" + BotUserID + "/" + fs.ID + "/" + url.PathEscape(f.name),
		})
	}
	return ok(map[string]any{"files": out})
}
