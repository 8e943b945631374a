package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/journeybot/journeybot/internal/workshop"
)

// home is a person's app home (workshop.Homes): the channels they were in
// when it was remembered, until when, and its versions.
type home struct {
	Channels []string  `json:"channels"`
	Expires  time.Time `json:"expires"`
	// Version is the last version BeginHome returned; Claimed the highest
	// ClaimHome accepted.
	Version int64 `json:"v,omitempty"`
	Claimed int64 `json:"pub,omitempty"`
}

// live reports whether h is still remembered at now.
func (h *home) live(now time.Time) bool { return h.Expires.After(now) }

func homeChanKey(channel, user string) []byte {
	return append(append([]byte(channel), 0), user...)
}

// getHome reads user's home, or nil when none is stored (expired ones
// included: callers check live).
func getHome(b *bbolt.Bucket, user string) (*home, error) {
	var h home
	if err := getJSON(b, user, &h); err != nil {
		if errors.Is(err, workshop.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &h, nil
}

// PutHome remembers user's home until s.Now passes ttl, in the channels'
// index too, and takes it out of the channels left. An expired home's
// versions are kept: they only ever grow.
func (s *Store) PutHome(ctx context.Context, user string, channels []string, ttl time.Duration) error {
	channels = slices.Compact(slices.Sorted(slices.Values(channels)))
	exp := s.Now().Add(max(ttl, time.Millisecond))
	var until [8]byte
	binary.BigEndian.PutUint64(until[:], uint64(exp.UnixNano()))
	err := s.update(func(tx buckets) error {
		homes, index := tx.Bucket(bucketHomes), tx.Bucket(bucketHomeChans)
		h, err := getHome(homes, user)
		if err != nil {
			return err
		}
		if h == nil {
			h = &home{}
		}
		for _, c := range h.Channels {
			if _, in := slices.BinarySearch(channels, c); !in {
				if err := index.Delete(homeChanKey(c, user)); err != nil {
					return err
				}
			}
		}
		for _, c := range channels {
			if err := index.Put(homeChanKey(c, user), until[:]); err != nil {
				return err
			}
		}
		h.Channels, h.Expires = channels, exp
		return putJSON(homes, user, h)
	})
	if err != nil {
		return fmt.Errorf("put home %s: %w", user, err)
	}
	return nil
}

// HomesFor reads the channel's index and the users' homes. Expired entries
// are left for the next PutHome of their person to replace.
func (s *Store) HomesFor(ctx context.Context, channel string, users []string) ([]string, error) {
	now := s.Now()
	var out []string
	err := s.view(func(tx buckets) error {
		if channel != "" {
			prefix := homeChanKey(channel, "")
			c := tx.Bucket(bucketHomeChans).Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(v) == 8 && time.Unix(0, int64(binary.BigEndian.Uint64(v))).After(now) {
					out = append(out, string(k[len(prefix):]))
				}
			}
		}
		homes := tx.Bucket(bucketHomes)
		for _, u := range users {
			h, err := getHome(homes, u)
			if err != nil {
				return err
			}
			if h != nil && h.live(now) {
				out = append(out, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("homes for %s: %w", channel, err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// BeginHome bumps the version of a live home.
func (s *Store) BeginHome(ctx context.Context, user string) (int64, []string, bool, error) {
	var h *home
	err := s.update(func(tx buckets) error {
		b := tx.Bucket(bucketHomes)
		var err error
		if h, err = getHome(b, user); err != nil || h == nil || !h.live(s.Now()) {
			h = nil
			return err
		}
		h.Version++
		return putJSON(b, user, h)
	})
	if err != nil {
		return 0, nil, false, fmt.Errorf("begin home %s: %w", user, err)
	}
	if h == nil {
		return 0, nil, false, nil
	}
	return h.Version, h.Channels, true, nil
}

// ClaimHome compares and sets the claimed version.
func (s *Store) ClaimHome(ctx context.Context, user string, version int64) (bool, error) {
	ok := true
	err := s.update(func(tx buckets) error {
		b := tx.Bucket(bucketHomes)
		h, err := getHome(b, user)
		if err != nil || h == nil || !h.live(s.Now()) {
			return err
		}
		switch {
		case h.Claimed > version:
			ok = false
			return nil
		case h.Claimed == version:
			return nil
		}
		h.Claimed = version
		return putJSON(b, user, h)
	})
	if err != nil {
		return false, fmt.Errorf("claim home %s: %w", user, err)
	}
	return ok, nil
}
