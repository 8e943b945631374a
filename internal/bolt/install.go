package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/journeybot/journeybot/internal/install"
)

var (
	bucketTeams    = []byte("teams")
	bucketInstalls = []byte("installations")
	bucketStates   = []byte("oauth-states")
)

// SaveInstallation stores inst under inst.Key(), replacing it whole.
func (s *Store) SaveInstallation(ctx context.Context, inst install.Installation) error {
	key := inst.Key()
	if !install.ValidKey(key) {
		return fmt.Errorf("save installation: invalid key %q", key)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error { return putJSON(tx.Bucket(bucketInstalls), key, inst) })
	if err != nil {
		return fmt.Errorf("save installation %s: %w", key, err)
	}
	return nil
}

// Installation reads the installation under key.
func (s *Store) Installation(ctx context.Context, key string) (install.Installation, error) {
	var inst install.Installation
	var found bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		data := tx.Bucket(bucketInstalls).Get([]byte(key))
		if found = data != nil; !found {
			return nil
		}
		return json.Unmarshal(data, &inst)
	})
	if err != nil {
		return install.Installation{}, fmt.Errorf("installation %s: %w", key, err)
	}
	if !found {
		return install.Installation{}, install.ErrNotFound
	}
	return inst, nil
}

// Installations reads every installation, in the bucket's order: by key.
func (s *Store) Installations(ctx context.Context) ([]install.Installation, error) {
	var out []install.Installation
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketInstalls).ForEach(func(k, v []byte) error {
			var inst install.Installation
			if err := json.Unmarshal(v, &inst); err != nil {
				return fmt.Errorf("installation %s: %w", k, err)
			}
			out = append(out, inst)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("installations: %w", err)
	}
	return out, nil
}

// DeleteInstallation removes the installation under key.
func (s *Store) DeleteInstallation(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketInstalls).Delete([]byte(key)) }); err != nil {
		return fmt.Errorf("delete installation %s: %w", key, err)
	}
	return nil
}

// PutState remembers state until s.Now passes ttl. It first deletes up to
// maxPurge states that expired untaken (a look at every state: there are
// only as many as install flows begun in the last ttl).
func (s *Store) PutState(ctx context.Context, state string, ttl time.Duration) error {
	if state == "" {
		return errors.New("put oauth state: empty state")
	}
	if ttl <= 0 {
		return fmt.Errorf("put oauth state: ttl %v is not positive", ttl)
	}
	now := s.Now()
	var exp [8]byte
	binary.BigEndian.PutUint64(exp[:], uint64(now.Add(ttl).UnixNano()))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketStates)
		var expired [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(expired) < maxPurge; k, v = c.Next() {
			if !stateLive(v, now) {
				expired = append(expired, append([]byte(nil), k...))
			}
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put([]byte(state), exp[:])
	})
	if err != nil {
		return fmt.Errorf("put oauth state: %w", err)
	}
	return nil
}

// stateLive reports whether a stored expiry is after now.
func stateLive(v []byte, now time.Time) bool {
	return len(v) == 8 && time.Unix(0, int64(binary.BigEndian.Uint64(v))).After(now)
}

// TakeState deletes state and reports whether it was there and not expired
// at s.Now, in one write transaction: of concurrent takes, one finds it.
func (s *Store) TakeState(ctx context.Context, state string) (bool, error) {
	if state == "" {
		return false, nil
	}
	now := s.Now()
	var live bool
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketStates)
		v := b.Get([]byte(state))
		if v == nil {
			return nil
		}
		live = stateLive(v, now)
		return b.Delete([]byte(state))
	})
	if err != nil {
		return false, fmt.Errorf("take oauth state: %w", err)
	}
	return live, nil
}
