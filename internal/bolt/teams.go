package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/workshop"
)

var (
	_ install.Store = (*Store)(nil)
	_ install.Teams = (*Store)(nil)
)

// buckets is where a transaction finds the data buckets: the transaction
// itself (*bbolt.Tx) for the top level, a team's bucket for a team's store.
type buckets interface {
	Bucket(name []byte) *bbolt.Bucket
}

// errRollback ends a write transaction opened only to read (view), so it
// leaves nothing behind.
var errRollback = errors.New("bolt: read-only transaction")

// teamBucket returns the team's bucket when it holds every data bucket,
// nil otherwise.
func (s *Store) teamBucket(tx *bbolt.Tx) *bbolt.Bucket {
	tb := tx.Bucket(bucketTeams).Bucket([]byte(s.team))
	if tb == nil {
		return nil
	}
	for _, name := range dataBuckets {
		if tb.Bucket(name) == nil {
			return nil
		}
	}
	return tb
}

// createTeam returns the team's bucket, creating it and its data buckets
// as needed, in a write transaction.
func (s *Store) createTeam(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	tb, err := tx.Bucket(bucketTeams).CreateBucketIfNotExists([]byte(s.team))
	if err != nil {
		return nil, fmt.Errorf("team %s: %w", s.team, err)
	}
	for _, name := range dataBuckets {
		if _, err := tb.CreateBucketIfNotExists(name); err != nil {
			return nil, fmt.Errorf("team %s: %w", s.team, err)
		}
	}
	return tb, nil
}

// update runs fn in a write transaction on the store's data buckets,
// creating a team's on its first write.
func (s *Store) update(fn func(buckets) error) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if s.team == "" {
			return fn(tx)
		}
		tb, err := s.createTeam(tx)
		if err != nil {
			return err
		}
		return fn(tb)
	})
}

// view runs fn in a read transaction on the store's data buckets. A team
// with no buckets yet (nothing written, or purged) reads as empty: fn then
// runs in a write transaction that creates them and is rolled back, so a
// read never leaves buckets behind, and a purge between two transactions
// cannot hand fn a missing bucket.
func (s *Store) view(fn func(buckets) error) error {
	if s.team == "" {
		return s.db.View(func(tx *bbolt.Tx) error { return fn(tx) })
	}
	missing := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		tb := s.teamBucket(tx)
		if tb == nil {
			missing = true
			return nil
		}
		return fn(tb)
	})
	if !missing {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		tb, err := s.createTeam(tx)
		if err != nil {
			return err
		}
		if err := fn(tb); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// ForTeam returns a store of key's data only, in the buckets nested under
// teams/<key>, in the same file: it shares s's *bbolt.DB, and its Close
// does nothing. Its Now calls s.Now. ForTeam of a team's store scopes from
// the top level too (teams are never nested). Installations and OAuth
// states stay top-level whichever store writes them.
//
// ForTeam panics when key is not an install.ValidKey: callers take key from
// a validated installation.
func (s *Store) ForTeam(key string) workshop.Store {
	if !install.ValidKey(key) {
		panic(fmt.Sprintf("bolt: ForTeam(%q): not a team or organisation id", key))
	}
	return &Store{db: s.db, team: key, Now: func() time.Time { return s.Now() }}
}

// PurgeTeam deletes key's bucket of data and its installation in one
// transaction. It returns how many records it removed: the keys in the
// team's buckets (every input, score, thread, claim…, a workshop's nested
// buckets counting their keys), plus one for the installation.
func (s *Store) PurgeTeam(ctx context.Context, key string) (int, error) {
	if !install.ValidKey(key) {
		return 0, fmt.Errorf("purge team: invalid key %q", key)
	}
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		teams := tx.Bucket(bucketTeams)
		if tb := teams.Bucket([]byte(key)); tb != nil {
			n = countKeys(tb)
			if err := teams.DeleteBucket([]byte(key)); err != nil {
				return err
			}
		}
		installs := tx.Bucket(bucketInstalls)
		if installs.Get([]byte(key)) != nil {
			n++
			return installs.Delete([]byte(key))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge team %s: %w", key, err)
	}
	return n, nil
}

// countKeys counts the keys of b and of the buckets nested in it, not
// the nested buckets themselves.
func countKeys(b *bbolt.Bucket) int {
	n := 0
	_ = b.ForEach(func(k, _ []byte) error {
		if nb := b.Bucket(k); nb != nil {
			n += countKeys(nb)
		} else {
			n++
		}
		return nil
	})
	return n
}
