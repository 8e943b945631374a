package app

import "github.com/journeybot/journeybot/internal/engine"

// newCharts returns the chart renderer.
func newCharts() engine.ChartRenderer { return nil }
