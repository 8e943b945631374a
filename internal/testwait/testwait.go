// Package testwait holds the few waits on real time that tests cannot do
// without: another process (redis-server, a container, a child binary)
// coming up, going away or failing over, a TTL running out inside a real
// server, and Slack's own minute boundaries in the real-time acceptance
// run. Those happen outside the test's process and say nothing when they
// are done, so the test looks again until they are.
//
// Work in the test's own process is never waited for here: tests wait on
// the thing itself (a channel, a hook such as review.Scheduler.Ran,
// fakeslack's Wait), or run it in a testing/synctest bubble.
//
// Every call names what it waits for. The package imports no testing: it
// takes the two methods of testing.TB it needs.
package testwait

import "time"

// Interval is how often For looks again.
const Interval = 20 * time.Millisecond

// TB is the part of testing.TB that For uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// For looks at cond every Interval until it holds, and fails tb, naming
// what it waited for, when within has passed first. Like Fatalf it must be
// called from the test goroutine.
func For(tb TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	if !Poll(what, within, Interval, cond) {
		tb.Fatalf("waited %v for %s", within, what)
	}
}

// Poll looks at cond every `every` until it holds, and reports whether it
// did within `within`, for what (named at the call site, for the reader
// and for grep); cond is called at least once, and never after the
// deadline (so a context it derives from the deadline is still live). It
// is for the callers
// that must not fail the test from where they are: another goroutine, or
// a helper that returns an error.
func Poll(what string, within, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if !time.Now().Add(every).Before(deadline) {
			return false
		}
		// A documented wait on real time: what cond looks at happens in
		// another process, which does not say when it is done.
		time.Sleep(every)
	}
	return true
}

// Sleep lets d of real time pass, for what (a TTL to run out in a real
// server, a client's ping timeout to pass several times): the test is
// about real time itself, so there is nothing else to wait on.
func Sleep(what string, d time.Duration) {
	// A documented wait on real time, for what.
	time.Sleep(d)
}

// Until lets real time pass until the wall clock reads t (at once when it
// already has), for what: the real-time acceptance run waits for Slack's
// minute boundaries as a user would.
func Until(what string, t time.Time) {
	Sleep(what, time.Until(t))
}
