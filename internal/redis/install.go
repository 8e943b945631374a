package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/workshop"
)

// Installations, OAuth states and teams (install.Store, install.Teams),
// with r the root prefix (the one New was given):
//
//	r:install:{T123}        install.Installation as JSON, replaced whole by SET
//	r:installs              set of the keys of every installation, so listing needs no SCAN
//	r:oauth:state:{<state>} "1", expiring with the state (SET PX); taken by GETDEL
//	r:t:T123:…              the data of team T123: a ForTeam store's prefix is r:t:T123
//
// An installation and its index entry live in different slots, so they
// are two writes: the installation first, then the index (saving), or the
// installation first, then its entry (deleting). A crash between them
// leaves an index entry with no installation, which Installations skips,
// or an installation missing from the list until it is saved again.

var (
	_ install.Store = (*Store)(nil)
	_ install.Teams = (*Store)(nil)
)

func (s *Store) installKey(key string) string { return s.root + ":install:{" + key + "}" }
func (s *Store) installsKey() string          { return s.root + ":installs" }
func (s *Store) stateKey(state string) string { return s.root + ":oauth:state:{" + state + "}" }

// teamPrefix is the prefix of key's data.
func (s *Store) teamPrefix(key string) string { return s.root + ":t:" + key }

// ForTeam returns a store for key's data only: it shares s's client and
// options, and every key it writes starts with "<root>:t:<key>:", where
// root is the prefix s was made with (ForTeam of a team's store scopes
// from the root too, never nests). Its installations and OAuth states are
// s's, the root's. Close on it does nothing: the client is s's.
//
// ForTeam panics when key is not an install.ValidKey: a key such as "" or
// "T1:x" would make a prefix shared with other teams' data, and callers
// take key from a validated installation.
func (s *Store) ForTeam(key string) workshop.Store {
	if !install.ValidKey(key) {
		panic(fmt.Sprintf("redis: ForTeam(%q): not a team or organisation id", key))
	}
	return &Store{c: s.c, prefix: s.teamPrefix(key), root: s.root, mode: s.mode, waitReplicas: s.waitReplicas}
}

// SaveInstallation stores inst under inst.Key() with one SET, then adds
// the key to the index.
func (s *Store) SaveInstallation(ctx context.Context, inst install.Installation) error {
	key := inst.Key()
	if !install.ValidKey(key) {
		return fmt.Errorf("save installation: invalid key %q", key)
	}
	b, err := json.Marshal(inst)
	if err != nil {
		return fmt.Errorf("save installation %s: %w", key, err)
	}
	if err := s.c.Set(ctx, s.installKey(key), b, 0).Err(); err != nil {
		return fmt.Errorf("save installation %s: %w", key, err)
	}
	if err := s.c.SAdd(ctx, s.installsKey(), key).Err(); err != nil {
		return fmt.Errorf("save installation %s: index: %w", key, err)
	}
	return nil
}

// Installation reads the installation under key.
func (s *Store) Installation(ctx context.Context, key string) (install.Installation, error) {
	if key == "" {
		return install.Installation{}, install.ErrNotFound
	}
	b, err := s.c.Get(ctx, s.installKey(key)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return install.Installation{}, install.ErrNotFound
	}
	if err != nil {
		return install.Installation{}, fmt.Errorf("installation %s: %w", key, err)
	}
	var inst install.Installation
	if err := json.Unmarshal(b, &inst); err != nil {
		return install.Installation{}, fmt.Errorf("installation %s: %w", key, err)
	}
	return inst, nil
}

// Installations reads the index, then every installation in one pipeline
// of GETs (which a Cluster client splits by slot).
func (s *Store) Installations(ctx context.Context) ([]install.Installation, error) {
	keys, err := s.c.SMembers(ctx, s.installsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("installations: %w", err)
	}
	slices.Sort(keys)
	cmds := make([]*goredis.StringCmd, len(keys))
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, s.installKey(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("installations: %w", err)
	}
	out := make([]install.Installation, 0, len(keys))
	for i, cmd := range cmds {
		b, err := cmd.Bytes()
		if errors.Is(err, goredis.Nil) {
			continue // deleted since, or a save that did not finish
		}
		if err != nil {
			return nil, fmt.Errorf("installation %s: %w", keys[i], err)
		}
		var inst install.Installation
		if err := json.Unmarshal(b, &inst); err != nil {
			return nil, fmt.Errorf("installation %s: %w", keys[i], err)
		}
		out = append(out, inst)
	}
	return out, nil
}

// DeleteInstallation removes the installation, then its index entry.
func (s *Store) DeleteInstallation(ctx context.Context, key string) error {
	_, err := s.deleteInstallation(ctx, key)
	return err
}

// deleteInstallation reports whether there was an installation to remove.
func (s *Store) deleteInstallation(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	n, err := s.c.Del(ctx, s.installKey(key)).Result()
	if err != nil {
		return false, fmt.Errorf("delete installation %s: %w", key, err)
	}
	if err := s.c.SRem(ctx, s.installsKey(), key).Err(); err != nil {
		return false, fmt.Errorf("delete installation %s: index: %w", key, err)
	}
	return n > 0, nil
}

// PutState remembers state in a key the server expires after ttl.
func (s *Store) PutState(ctx context.Context, state string, ttl time.Duration) error {
	if state == "" {
		return errors.New("put oauth state: empty state")
	}
	if ttl <= 0 {
		return fmt.Errorf("put oauth state: ttl %v is not positive", ttl)
	}
	if err := s.c.Set(ctx, s.stateKey(state), "1", max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("put oauth state: %w", err)
	}
	return nil
}

// TakeState reads and deletes the state with one GETDEL, so of several
// takes, on any replica, exactly one finds it.
func (s *Store) TakeState(ctx context.Context, state string) (bool, error) {
	if state == "" {
		return false, nil
	}
	err := s.c.GetDel(ctx, s.stateKey(state)).Err()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take oauth state: %w", err)
	}
	return true, nil
}

// purgeBatch is how many keys PurgeTeam asks SCAN for, and deletes, at a
// time.
const purgeBatch = 500

// PurgeTeam deletes every key under key's prefix (ForTeam), found by SCAN
// on every master of a Cluster (on the one server otherwise), one UNLINK
// per key in pipelines (keys of one node still span slots), then its
// installation. It returns how many keys it removed, the installation
// included. Keys written for the team while it runs may be left; the
// caller purges a team that no longer receives events.
func (s *Store) PurgeTeam(ctx context.Context, key string) (int, error) {
	if !install.ValidKey(key) {
		return 0, fmt.Errorf("purge team: invalid key %q", key)
	}
	match := globEscape(s.teamPrefix(key)+":") + "*"
	var (
		mu    sync.Mutex
		total int
	)
	purge := func(ctx context.Context, c goredis.UniversalClient) error {
		n, err := purgeNode(ctx, c, match)
		mu.Lock()
		total += n
		mu.Unlock()
		return err
	}
	var err error
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error {
			if err := purge(ctx, n); err != nil {
				return fmt.Errorf("%s: %w", n.Options().Addr, err)
			}
			return nil
		})
	} else {
		err = purge(ctx, s.c)
	}
	if err != nil {
		return total, fmt.Errorf("purge team %s: %w", key, err)
	}
	had, err := s.deleteInstallation(ctx, key)
	if err != nil {
		return total, fmt.Errorf("purge team %s: %w", key, err)
	}
	if had {
		total++
	}
	return total, nil
}

// purgeNode deletes the keys of one server that match the pattern.
func purgeNode(ctx context.Context, c goredis.UniversalClient, match string) (int, error) {
	total := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, purgeBatch).Result()
		if err != nil {
			return total, fmt.Errorf("scan %s: %w", match, err)
		}
		if len(keys) > 0 {
			cmds := make([]*goredis.IntCmd, len(keys))
			_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
				for i, k := range keys {
					cmds[i] = p.Unlink(ctx, k)
				}
				return nil
			})
			for _, cmd := range cmds {
				total += int(cmd.Val())
			}
			if err != nil {
				return total, fmt.Errorf("unlink: %w", err)
			}
		}
		if cursor = next; cursor == 0 {
			return total, nil
		}
	}
}

// globEscape quotes the characters SCAN's MATCH pattern gives a meaning,
// so a prefix holding one matches only itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
