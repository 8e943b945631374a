package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/journeybot/journeybot/internal/export"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Canvas is a workshop's canvas as the store has it now: the whole map,
// rendered afresh, and where it goes. Adapters with canvases (Slack) make
// it in the workshop's channel, then replace it whole after changes
// (Config.Changed), and tell the engine what became of it (CanvasMade,
// CanvasRefused).
type Canvas struct {
	Workshop string
	Channel  string
	// ID is the canvas made already; empty when there is none yet.
	ID string
	// Rev is the revision of the workshop's meta read (workshop.Meta.Rev):
	// replicas that read the same one make one canvas between them.
	Rev int64
	// Wanted is false when the workshop has no canvas: turned off, or a
	// problem met (see workshop.Meta.CanvasProblem). Title and Markdown
	// are then empty.
	Wanted   bool
	Title    string
	Markdown string
}

// CanvasOf renders workshop id's canvas, with a link to the emotion
// curve shared last when its address is known (Meta.ChartURL).
func (e *Engine) CanvasOf(ctx context.Context, id string) (Canvas, error) {
	w, err := workshop.Open(ctx, e.store, id)
	if err != nil {
		return Canvas{}, fmt.Errorf("canvas of %s: %w", id, err)
	}
	c := Canvas{Workshop: w.ID, Channel: w.Channel, ID: w.CanvasID, Rev: w.Rev, Wanted: w.WantsCanvas()}
	if !c.Wanted {
		return c, nil
	}
	var buf bytes.Buffer
	opt := export.Options{
		T:   func(key string, args ...any) rich.Text { return e.R(w.Lang, key, args...) },
		Now: e.now(), Locale: e.cat.Locale(w.Lang), ChartURL: w.ChartURL,
	}
	if err := export.WriteCanvas(&buf, w, opt); err != nil {
		return Canvas{}, fmt.Errorf("canvas of %s: %w", id, err)
	}
	c.Title = truncateRunes(e.T(w.Lang, "canvas.title", "title", UserString(w.Title)), 250)
	c.Markdown = buf.String()
	if len(c.Markdown) > export.MaxCanvas {
		// Cut at a line, and say so: a canvas over 1 MiB is refused whole.
		more := "\n\n_" + export.Markdown(e.R(w.Lang, "canvas.cut")) + "_\n"
		cut := c.Markdown[:export.MaxCanvas-len(more)]
		if i := strings.LastIndexByte(cut, '\n'); i > 0 {
			cut = cut[:i]
		}
		c.Markdown = cut + more
	}
	return c, nil
}

// CanvasMade records the canvas an adapter made for workshop id. It keeps
// the first one recorded, and records none for a workshop that no longer
// wants one (turned off meanwhile); it reports whether canvasID was kept.
func (e *Engine) CanvasMade(ctx context.Context, id, canvasID string) (bool, error) {
	kept := false
	_, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		kept = m.CanvasID == "" && m.WantsCanvas()
		if kept {
			m.CanvasID = canvasID
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record canvas of %s: %w", id, err)
	}
	return kept, nil
}

// CanvasLost is the platform's problem for a canvas that is gone: someone
// deleted it.
const CanvasLost = "canvas_not_found"

// CanvasRefused records that workshop id cannot have its canvas: the
// platform refused to make it (a plan without channel canvases, a channel
// with its one canvas tab taken, a missing permission), or the canvas is
// gone (CanvasLost). No canvas is tried again until the facilitator turns
// it on (/journey canvas on). The channel is told once, however many
// replicas or attempts meet the problem.
func (e *Engine) CanvasRefused(ctx context.Context, id, problem string) error {
	first := false
	meta, err := e.store.UpdateMeta(ctx, id, func(m *workshop.Meta) error {
		first = m.CanvasProblem == ""
		if first {
			m.CanvasProblem = problem
		}
		if problem == CanvasLost {
			m.CanvasID = ""
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record canvas problem of %s: %w", id, err)
	}
	if !first {
		return nil
	}
	w := &workshop.Workshop{Meta: *meta}
	return e.announce(ctx, w, e.R(w.Lang, "canvas.refused."+canvasReason(problem), "title", UserText(w.Title), "code", rich.Styled(problem, rich.Code)))
}

// canvasReason groups the platform's problems by what the team is told.
func canvasReason(problem string) string {
	switch problem {
	case CanvasLost:
		return "deleted"
	case "free_team_canvas_tab_already_exists", "channel_canvas_already_exists":
		return "tab_taken"
	case "team_tier_cannot_create_channel_canvases", "free_teams_cannot_create_non_tabbed_canvases":
		return "plan"
	case "canvas_disabled_user_team", "canvas_disabled":
		return "disabled"
	case "missing_scope", "not_allowed_token_type", "no_permission":
		return "scope"
	case "not_in_channel", "channel_not_found":
		return "not_in_channel"
	}
	return "unknown"
}

// cmdCanvas turns the workshop's canvas on or off, or says how it stands.
// On again after a problem tries once more.
func (e *Engine) cmdCanvas(ctx context.Context, c *call) error {
	w, err := e.workshopMeta(ctx, c)
	if err != nil {
		return err
	}
	lang := w.Lang
	word := e.soleKeyword(c)
	if word != "on" && word != "off" {
		state := e.R(lang, "canvas.is_on")
		switch {
		case w.CanvasOff:
			state = e.R(lang, "canvas.is_off")
		case w.CanvasProblem != "":
			state = e.R(lang, "canvas.is_refused", "code", rich.Styled(w.CanvasProblem, rich.Code))
		}
		return e.answer(ctx, c, KindAnswer, state, e.R(lang, "canvas.usage"))
	}
	if err := e.steer(w, c.Actor, e.T(lang, "action.canvas")); err != nil {
		return err
	}
	meta, err := e.store.UpdateMeta(ctx, w.ID, func(m *workshop.Meta) error {
		m.CanvasOff = word == "off"
		if word == "on" {
			m.CanvasProblem = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Meta = *meta
	return e.announce(ctx, w, e.R(lang, "canvas."+word, "user", Mention(c.Actor.ID)))
}
