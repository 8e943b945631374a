package workshop

import (
	"testing"
	"time"
)

func TestNextWorkingTime(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want time.Time
	}{
		{"within hours", at(paris, 1, 10, 30), paris, at(paris, 1, 10, 30)}, // Tuesday
		{"before opening", at(paris, 1, 7, 0), paris, at(paris, 1, 9, 0)},   //
		{"after closing", at(paris, 1, 18, 0), paris, at(paris, 2, 9, 0)},   //
		{"friday evening", at(paris, 4, 19, 0), paris, at(paris, 7, 9, 0)},  // to Monday
		{"saturday", at(paris, 5, 12, 0), paris, at(paris, 7, 9, 0)},        //
		{"another zone", at(paris, 1, 10, 0), tokyo, at(tokyo, 2, 9, 0)},    // 18:00 in Tokyo
		{"new york morning", at(paris, 1, 10, 0), ny, at(ny, 1, 9, 0)},      // 04:00 there
		{"new york during", at(paris, 1, 16, 0), ny, at(ny, 1, 10, 0)},      // 10:00 there
	}
	for _, tt := range tests {
		if got := NextWorkingTime(tt.t, tt.loc); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got.In(tt.loc), tt.want)
		}
	}
}

func TestPlanNudges(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	m := &Meta{Deadline: now.Add(72 * time.Hour)}
	m.PlanNudges(now)
	if !m.NudgeAt.Equal(now.Add(48*time.Hour)) || !m.NudgesPending() {
		t.Errorf("default lead: %v", m.NudgeAt)
	}
	m.NudgeBefore = 4 * time.Hour
	m.PlanNudges(now)
	if !m.NudgeAt.Equal(now.Add(68 * time.Hour)) {
		t.Errorf("4h lead: %v", m.NudgeAt)
	}
	m.Deadline = now.Add(time.Hour)
	m.PlanNudges(now)
	if !m.NudgeAt.Equal(now) {
		t.Errorf("lead past: %v, want now", m.NudgeAt)
	}
	m.NudgeBefore = -1
	m.PlanNudges(now)
	if !m.NudgeAt.IsZero() || m.NudgesPending() {
		t.Errorf("nudges off: %v", m.NudgeAt)
	}
}
