package fakeslack

import (
	"encoding/json"
	"slices"
)

// Canvas is the current state of a canvas made with
// conversations.canvases.create or canvases.create (after any canvases.edit).
type Canvas struct {
	ID      string
	Channel string
	Title   string
	// Tabbed is true for a canvas made with canvases.create and a
	// channel_id (a tab of the channel), false for the channel canvas.
	Tabbed bool
	// Markdown is the document's content as last written.
	Markdown string
	// Edits counts the canvases.edit calls applied to it.
	Edits int
}

type canvasState struct {
	byID  map[string]*Canvas
	order []string
	// failures answer every create for a channel with an error, as a
	// workspace or channel that cannot have a canvas would.
	failures map[string]string
}

// FailCanvases makes every canvas create for channel answer slackError
// (free_team_canvas_tab_already_exists, team_tier_cannot_create_channel_canvases,
// …) until it is called again with "".
func (s *Server) FailCanvases(channel, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.canvases.failures == nil {
		s.canvases.failures = map[string]string{}
	}
	if slackError == "" {
		delete(s.canvases.failures, channel)
		return
	}
	s.canvases.failures[channel] = slackError
}

// DeleteCanvas removes a canvas, as a person deleting it would: later
// edits answer canvas_not_found.
func (s *Server) DeleteCanvas(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.canvases.byID, id)
	s.canvases.order = slices.DeleteFunc(s.canvases.order, func(o string) bool { return o == id })
	s.notifyLocked()
}

// Canvases returns the canvases that exist, oldest first.
func (s *Server) Canvases() []Canvas {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Canvas, 0, len(s.canvases.order))
	for _, id := range s.canvases.order {
		out = append(out, *s.canvases.byID[id])
	}
	return out
}

// Canvas returns one canvas.
func (s *Server) Canvas(id string) (Canvas, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.canvases.byID[id]
	if !ok {
		return Canvas{}, false
	}
	return *c, true
}

// maxCanvasMarkdown is Slack's limit on a canvas document.
const maxCanvasMarkdown = 1 << 20

// documentMarkdown reads a document_content parameter ({"type":"markdown",
// "markdown":"…"}); false when it is not one.
func documentMarkdown(raw string) (string, bool) {
	var dc struct {
		Type     string `json:"type"`
		Markdown string `json:"markdown"`
	}
	if err := json.Unmarshal([]byte(raw), &dc); err != nil || dc.Type != "markdown" {
		return "", false
	}
	return dc.Markdown, true
}

// createCanvasLocked answers conversations.canvases.create (one channel
// canvas per channel: channel_canvas_already_exists after) and
// canvases.create with a channel_id (a tab), as Slack's docs show:
// {"ok":true,"canvas_id":"F…"}.
func (s *Server) createCanvasLocked(c *Call) reply {
	channel := c.Param("channel_id")
	tabbed := c.Method == "canvases.create"
	if channel == "" {
		if tabbed {
			return fail("free_teams_cannot_create_non_tabbed_canvases")
		}
		return fail("channel_not_found")
	}
	if code := s.canvases.failures[channel]; code != "" {
		return fail(code)
	}
	md, found := documentMarkdown(c.Param("document_content"))
	if !found {
		return fail("invalid_arguments")
	}
	if len(md) > maxCanvasMarkdown {
		return fail("canvas_too_large")
	}
	if !tabbed {
		for _, cv := range s.canvases.byID {
			if cv.Channel == channel && !cv.Tabbed {
				return fail("channel_canvas_already_exists")
			}
		}
	}
	if s.canvases.byID == nil {
		s.canvases.byID = map[string]*Canvas{}
	}
	id := s.nextIDLocked("F")
	s.canvases.byID[id] = &Canvas{ID: id, Channel: channel, Title: c.Param("title"), Tabbed: tabbed, Markdown: md}
	s.canvases.order = append(s.canvases.order, id)
	return ok(map[string]any{"canvas_id": id})
}

// editCanvasLocked answers canvases.edit; only a whole replace (no
// section_id) is understood, one change per call as Slack allows.
func (s *Server) editCanvasLocked(c *Call) reply {
	cv, found := s.canvases.byID[c.Param("canvas_id")]
	if !found {
		return fail("canvas_not_found")
	}
	var changes []struct {
		Operation       string          `json:"operation"`
		SectionID       string          `json:"section_id"`
		DocumentContent json.RawMessage `json:"document_content"`
	}
	if err := json.Unmarshal([]byte(c.Param("changes")), &changes); err != nil || len(changes) != 1 {
		return fail("invalid_arguments")
	}
	ch := changes[0]
	md, ok2 := documentMarkdown(string(ch.DocumentContent))
	if ch.Operation != "replace" || ch.SectionID != "" || !ok2 {
		return fail("invalid_arguments")
	}
	if len(md) > maxCanvasMarkdown {
		return fail("canvas_too_large")
	}
	cv.Markdown = md
	cv.Edits++
	return ok(nil)
}
