package testwait_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/testwait"
)

type recorder struct{ msg string }

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
}

func TestPoll(t *testing.T) {
	n := 0
	if !testwait.Poll("the third look", time.Minute, time.Millisecond, func() bool { n++; return n == 3 }) {
		t.Error("Poll gave up on a condition that came true")
	}
	if n != 3 {
		t.Errorf("cond called %d times, want 3", n)
	}
	if testwait.Poll("never", 0, time.Millisecond, func() bool { return false }) {
		t.Error("Poll reported a condition that never held")
	}
}

func TestForNamesWhatItWaitedFor(t *testing.T) {
	rec := &recorder{}
	testwait.For(rec, "redis-server to answer", 0, func() bool { return false })
	if !strings.Contains(rec.msg, "redis-server to answer") {
		t.Errorf("failure %q does not say what it waited for", rec.msg)
	}
	rec = &recorder{}
	testwait.For(rec, "nothing", time.Minute, func() bool { return true })
	if rec.msg != "" {
		t.Errorf("failed on a condition that held: %q", rec.msg)
	}
}
