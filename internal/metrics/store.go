package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

// Store counts the failures of a store's operations. Methods it does not
// list pass through uncounted (the embedded Store).
func (m *Metrics) Store(s workshop.Store) workshop.Store {
	// Known operations start at zero, so a rate() alert sees them at once.
	for _, op := range []string{"new_id", "create", "load", "load_meta", "update_meta", "put_input", "delete_input",
		"put_score", "bind_thread", "thread", "list", "claim", "due", "ping"} {
		m.storeErrors.WithLabelValues(op)
	}
	return &store{Store: s, m: m}
}

type store struct {
	workshop.Store
	m *Metrics
}

// count records err under op, unless it is an answer rather than a failure
// (not found, a lost compare-and-set).
func (s *store) count(op string, err error) error {
	if err != nil && !errors.Is(err, workshop.ErrNotFound) && !errors.Is(err, workshop.ErrConflict) && !errors.Is(err, context.Canceled) {
		s.m.StoreError(op)
	}
	return err
}

func (s *store) MetaAndCounts(ctx context.Context, id string) (*workshop.Meta, workshop.Counts, error) {
	m, c, err := workshop.MetaAndCounts(ctx, s.Store, id)
	return m, c, s.count("load_meta", err)
}

func (s *store) NewID(ctx context.Context) (string, error) {
	id, err := s.Store.NewID(ctx)
	return id, s.count("new_id", err)
}

func (s *store) Create(ctx context.Context, m *workshop.Meta) error {
	return s.count("create", s.Store.Create(ctx, m))
}

func (s *store) Load(ctx context.Context, id string) (*workshop.Workshop, error) {
	w, err := s.Store.Load(ctx, id)
	return w, s.count("load", err)
}

func (s *store) LoadMeta(ctx context.Context, id string) (*workshop.Meta, error) {
	m, err := s.Store.LoadMeta(ctx, id)
	return m, s.count("load_meta", err)
}

func (s *store) UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error) {
	var fnErr error
	m, err := s.Store.UpdateMeta(ctx, id, func(m *workshop.Meta) error { fnErr = fn(m); return fnErr })
	if err != nil && errors.Is(err, fnErr) {
		return m, err // the caller's own refusal, not a store failure
	}
	return m, s.count("update_meta", err)
}

func (s *store) PutInput(ctx context.Context, w string, in workshop.Input) (bool, error) {
	ok, err := s.Store.PutInput(ctx, w, in)
	return ok, s.count("put_input", err)
}

func (s *store) DeleteInput(ctx context.Context, w, id string) (bool, error) {
	ok, err := s.Store.DeleteInput(ctx, w, id)
	return ok, s.count("delete_input", err)
}

func (s *store) PutScore(ctx context.Context, w string, sc workshop.Score) error {
	return s.count("put_score", s.Store.PutScore(ctx, w, sc))
}

func (s *store) BindThread(ctx context.Context, channel, ts string, ref workshop.ThreadRef) error {
	return s.count("bind_thread", s.Store.BindThread(ctx, channel, ts, ref))
}

func (s *store) Thread(ctx context.Context, channel, ts string) (workshop.ThreadRef, error) {
	ref, err := s.Store.Thread(ctx, channel, ts)
	return ref, s.count("thread", err)
}

func (s *store) List(ctx context.Context, channel string) ([]workshop.Summary, error) {
	l, err := s.Store.List(ctx, channel)
	return l, s.count("list", err)
}

func (s *store) Due(ctx context.Context, until time.Time, limit int) ([]string, error) {
	ids, err := s.Store.Due(ctx, until, limit)
	return ids, s.count("due", err)
}

func (s *store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Claim(ctx, key, ttl)
	return ok, s.count("claim", err)
}

func (s *store) Counts(ctx context.Context, id string) (workshop.Counts, error) {
	c, err := s.Store.Counts(ctx, id)
	return c, s.count("counts", err)
}

func (s *store) CountsOf(ctx context.Context, ids []string) ([]workshop.Counts, error) {
	c, err := workshop.CountsOf(ctx, s.Store, ids)
	return c, s.count("counts", err)
}

func (s *store) PutName(ctx context.Context, id, name string, ttl time.Duration) error {
	return s.count("put_name", s.Store.PutName(ctx, id, name, ttl))
}

func (s *store) Names(ctx context.Context, ids []string) (workshop.Names, error) {
	n, err := s.Store.Names(ctx, ids)
	return n, s.count("names", err)
}

func (s *store) Ping(ctx context.Context) error {
	return s.count("ping", s.Store.Ping(ctx))
}
