package engine_test

import (
	"strings"
	"testing"

	"github.com/journeybot/journeybot/internal/engine"
)

// /journey canvas: anyone sees how it stands, only the facilitator turns
// it off or on (French words too), and on again clears a problem, so the
// next change tries once more. A problem is said once however often it is
// met.
func TestCanvasSwitchAndProblems(t *testing.T) {
	h := newHarness(t)
	h.cmd("ana", "start Checkout")
	ctx := t.Context()
	if c, err := h.eng.CanvasOf(ctx, "W1"); err != nil || !c.Wanted || c.ID != "" || !strings.Contains(c.Title, "Checkout") || !strings.Contains(c.Markdown, "## 1. Goals") {
		t.Fatalf("a new workshop's canvas: %+v, %v", c, err)
	}
	if p := only(t, h.cmd("ben", "canvas off"), true); p.Kind != engine.KindError {
		t.Errorf("canvas off by ben: %q, want a refusal", p.text())
	}
	if p := only(t, h.cmd("ana", "canvas off"), false); !strings.Contains(p.text(), "turned the canvas off") {
		t.Errorf("canvas off: %q", p.text())
	}
	if c, _ := h.eng.CanvasOf(ctx, "W1"); c.Wanted {
		t.Error("the canvas is wanted after canvas off")
	}
	if p := only(t, h.cmd("ana", "canevas oui"), false); !strings.Contains(p.text(), "turned the canvas on") {
		t.Errorf("canevas oui: %q", p.text())
	}
	if kept, err := h.eng.CanvasMade(ctx, "W1", "F1"); !kept || err != nil {
		t.Fatalf("CanvasMade: %v %v", kept, err)
	}
	if kept, _ := h.eng.CanvasMade(ctx, "W1", "F2"); kept {
		t.Error("a second canvas replaced the first")
	}

	n := h.rec.count()
	for range 3 {
		if err := h.eng.CanvasRefused(ctx, "W1", engine.CanvasLost); err != nil {
			t.Fatal(err)
		}
	}
	if posts := h.rec.since(n); len(posts) != 1 || !strings.Contains(posts[0].text(), "was deleted") {
		t.Errorf("a deleted canvas told %d times: %v", len(posts), posts)
	}
	if c, _ := h.eng.CanvasOf(ctx, "W1"); c.Wanted || h.workshop().CanvasID != "" {
		t.Errorf("after the canvas was deleted: wanted %v, id %q", c.Wanted, h.workshop().CanvasID)
	}
	if p := only(t, h.cmd("ben", "canvas"), true); !strings.Contains(p.text(), "canvas_not_found") {
		t.Errorf("canvas status: %q", p.text())
	}
	h.cmd("ana", "canvas on")
	if c, _ := h.eng.CanvasOf(ctx, "W1"); !c.Wanted || c.ID != "" {
		t.Errorf("on again: %+v", c)
	}
}
