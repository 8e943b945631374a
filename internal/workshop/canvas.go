package workshop

// WantsCanvas reports whether the workshop should have a canvas in its
// channel: on (the default), and no problem met that says it cannot.
func (m *Meta) WantsCanvas() bool { return !m.CanvasOff && m.CanvasProblem == "" }
