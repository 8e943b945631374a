package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// Changes announces changes to the tests waiting for them: the writes of
// the stores it watches (Watch), and anything else a test announces with
// Notify. A waiter takes C, looks at its condition, and if it does not hold
// yet waits on the channel it took, so a change between the look and the
// wait is not missed. It is how a test waits for what the code under test
// writes in another goroutine (a thread bound after a post) without
// polling the store. The zero value is ready to use; one Changes may watch
// several stores, the replicas of one test.
type Changes struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns a channel closed at the next change.
func (c *Changes) C() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Notify announces a change to everyone waiting.
func (c *Changes) Notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// Watch returns s with every write it makes announced, once the write has
// returned (whether it failed or not).
func (c *Changes) Watch(s workshop.Store) workshop.Store { return watched{s, c} }

type watched struct {
	workshop.Store
	c *Changes
}

func (w watched) Create(ctx context.Context, m *workshop.Meta) error {
	defer w.c.Notify()
	return w.Store.Create(ctx, m)
}

func (w watched) UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error) {
	defer w.c.Notify()
	return w.Store.UpdateMeta(ctx, id, fn)
}

func (w watched) PutInput(ctx context.Context, id string, in workshop.Input) (bool, error) {
	defer w.c.Notify()
	return w.Store.PutInput(ctx, id, in)
}

func (w watched) DeleteInput(ctx context.Context, id, inputID string) (bool, error) {
	defer w.c.Notify()
	return w.Store.DeleteInput(ctx, id, inputID)
}

func (w watched) PutScore(ctx context.Context, id string, s workshop.Score) error {
	defer w.c.Notify()
	return w.Store.PutScore(ctx, id, s)
}

func (w watched) BindThread(ctx context.Context, channel, ts string, ref workshop.ThreadRef) error {
	defer w.c.Notify()
	return w.Store.BindThread(ctx, channel, ts, ref)
}

func (w watched) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	defer w.c.Notify()
	return w.Store.Claim(ctx, key, ttl)
}

func (w watched) PutName(ctx context.Context, id, name string, ttl time.Duration) error {
	defer w.c.Notify()
	return w.Store.PutName(ctx, id, name, ttl)
}

func (w watched) PutHome(ctx context.Context, user string, channels []string, ttl time.Duration) error {
	defer w.c.Notify()
	return w.Store.PutHome(ctx, user, channels, ttl)
}

func (w watched) BeginHome(ctx context.Context, user string) (int64, []string, bool, error) {
	defer w.c.Notify()
	return w.Store.BeginHome(ctx, user)
}

func (w watched) ClaimHome(ctx context.Context, user string, version int64) (bool, error) {
	defer w.c.Notify()
	return w.Store.ClaimHome(ctx, user, version)
}
