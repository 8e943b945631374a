// Package bolt keeps workshops in a local bbolt file: the store of a single
// journeybot process that needs nothing else installed. Every method is one
// bbolt transaction, so each is atomic and, once it returns, on disk. (A
// team's store reading before the team has buckets also looks first in a
// read transaction, then reads as empty in a write transaction it rolls
// back.)
//
// Buckets (the data buckets, below) are top-level for the store Open
// returns; a team's store (ForTeam) keeps the same buckets nested under
// teams/<team>/, so two teams may both have W1, C1 and U1:
//
//	meta          workshop id -> Meta as JSON; its sequence numbers new ids
//	inputs        workshop id -> bucket of input id -> Input as JSON
//	versions      workshop id -> bucket of input id -> "v" + Version, or "~" once deleted
//	scores        workshop id -> bucket of "touchpoint|user|round" -> Score as JSON
//	threads       "channel ts" -> ThreadRef as JSON
//	claims        key -> expiry in unix nanoseconds, 8 bytes big-endian; 0 never expires
//	claim-expiry  expiry (8 bytes) + key -> nothing, so Claim purges expired claims oldest first
//	due           workshop id -> Meta.NextDue in unix nanoseconds, 8 bytes big-endian
//	due-at        NextDue (8 bytes) + workshop id -> nothing: the due index, earliest first
//	homes         user id -> a person's app home as JSON (channels, expiry, versions)
//	home-channels channel id + 0x00 + user id -> the home's expiry, 8 bytes: who has a home in a channel
//	names         user id -> a cached display name as JSON, with its expiry
//	counts        workshop id -> the totals and contributors Counts reads, as JSON
//	marks         workshop id -> bucket of mark field -> Mark as JSON
//
// Beside them, always top-level (see install.go):
//
//	teams         team key -> bucket of that team's data buckets
//	installations install key (install.Installation.Key) -> Installation as JSON
//	oauth-states  state -> expiry in unix nanoseconds, 8 bytes big-endian
//
// The due index is written in the same transaction as the meta, so it is
// always exact.
package bolt

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/journeybot/journeybot/internal/workshop"
)

var (
	bucketMeta        = []byte("meta")
	bucketInputs      = []byte("inputs")
	bucketVersions    = []byte("versions")
	bucketScores      = []byte("scores")
	bucketMarks       = []byte("marks")
	bucketThreads     = []byte("threads")
	bucketClaims      = []byte("claims")
	bucketClaimExpiry = []byte("claim-expiry")
	bucketDue         = []byte("due")
	bucketDueAt       = []byte("due-at")
	bucketNames       = []byte("names")
	bucketCounts      = []byte("counts")
	bucketHomes       = []byte("homes")
	bucketHomeChans   = []byte("home-channels")
)

// dataBuckets are the buckets of a store's data: top-level, or one team's.
var dataBuckets = [][]byte{bucketMeta, bucketInputs, bucketVersions, bucketScores, bucketThreads, bucketClaims, bucketClaimExpiry, bucketDue, bucketDueAt, bucketNames, bucketCounts, bucketMarks, bucketHomes, bucketHomeChans}

// tombstone marks a deleted input in the versions bucket; stored versions
// start with "v", so it cannot be mistaken for one.
const tombstone = "~"

// maxPurge bounds how many expired claims one Claim deletes, so a backlog
// after a long downtime is cleared over several calls, not in one long write.
const maxPurge = 1000

// Store is a workshop.Store in a bbolt file. It is safe for concurrent use
// within one process; the file lock keeps other processes out.
type Store struct {
	db *bbolt.DB
	// team scopes the data to teams/<team> (ForTeam); "" is the top level.
	team string
	// Now tells the time claims expire against. It defaults to time.Now;
	// tests replace it, before using the store, to expire claims without
	// sleeping.
	Now func() time.Time
}

var _ workshop.Store = (*Store)(nil)

// Open opens the state file at path, creating it and its directory if
// needed. A second process opening the same file gives up after a second
// with an error saying so, rather than waiting forever for the lock.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state file %s is in use by another journeybot process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range append(slices.Clone(dataBuckets), bucketTeams, bucketInstalls, bucketStates) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	return &Store{db: db, Now: time.Now}, nil
}

// getJSON decodes the value under key into v, or reports
// workshop.ErrNotFound.
func getJSON(b *bbolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return workshop.ErrNotFound
	}
	return json.Unmarshal(data, v)
}

func putJSON(b *bbolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

// workshopBucket returns the workshop's bucket inside the top-level bucket
// name, creating it, after checking the workshop exists so that no write
// creates data for a workshop nobody created.
func workshopBucket(tx buckets, name []byte, ws string) (*bbolt.Bucket, error) {
	if tx.Bucket(bucketMeta).Get([]byte(ws)) == nil {
		return nil, workshop.ErrNotFound
	}
	return tx.Bucket(name).CreateBucketIfNotExists([]byte(ws))
}

// NewID reserves the next workshop id from the meta bucket's sequence.
func (s *Store) NewID(ctx context.Context) (string, error) {
	var n uint64
	err := s.update(func(tx buckets) error {
		var err error
		n, err = tx.Bucket(bucketMeta).NextSequence()
		return err
	})
	if err != nil {
		return "", fmt.Errorf("new workshop id: %w", err)
	}
	return "W" + strconv.FormatUint(n, 10), nil
}

// Create stores m, refusing an id already in use. List scans the meta
// bucket, which is small enough for one process's workshops, so there is
// no separate channel index to keep in step.
func (s *Store) Create(ctx context.Context, m *workshop.Meta) error {
	if m.ID == "" {
		return errors.New("create workshop: empty id")
	}
	err := s.update(func(tx buckets) error {
		b := tx.Bucket(bucketMeta)
		if b.Get([]byte(m.ID)) != nil {
			return errors.New("id already in use")
		}
		if err := putJSON(b, m.ID, m); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketCounts), m.ID, counted{Items: map[workshop.Step]int{}, StepsKept: true}); err != nil {
			return err
		}
		return indexDue(tx, m)
	})
	if err != nil {
		return fmt.Errorf("create workshop %s: %w", m.ID, err)
	}
	return nil
}

// Load reads meta, inputs and scores in one read transaction, a consistent
// snapshot. Inputs come in journey order.
func (s *Store) Load(ctx context.Context, id string) (*workshop.Workshop, error) {
	w := new(workshop.Workshop)
	err := s.view(func(tx buckets) error {
		if err := getJSON(tx.Bucket(bucketMeta), id, &w.Meta); err != nil {
			return err
		}
		if b := tx.Bucket(bucketInputs).Bucket([]byte(id)); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				var in workshop.Input
				if err := json.Unmarshal(v, &in); err != nil {
					return fmt.Errorf("input %s: %w", k, err)
				}
				w.Inputs = append(w.Inputs, in)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if b := tx.Bucket(bucketScores).Bucket([]byte(id)); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				var sc workshop.Score
				if err := json.Unmarshal(v, &sc); err != nil {
					return fmt.Errorf("score %s: %w", k, err)
				}
				w.Scores = append(w.Scores, sc)
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Marks come in key order, which is Mark.Field's.
		if b := tx.Bucket(bucketMarks).Bucket([]byte(id)); b != nil {
			return b.ForEach(func(k, v []byte) error {
				var mk workshop.Mark
				if err := json.Unmarshal(v, &mk); err != nil {
					return fmt.Errorf("mark %s: %w", k, err)
				}
				w.Marks = append(w.Marks, mk)
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	workshop.SortInputs(w.Inputs)
	return w, nil
}

// LoadMeta reads the meta alone.
func (s *Store) LoadMeta(ctx context.Context, id string) (*workshop.Meta, error) {
	m := new(workshop.Meta)
	err := s.view(func(tx buckets) error { return getJSON(tx.Bucket(bucketMeta), id, m) })
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	return m, nil
}

// UpdateMeta applies fn inside the write transaction, which bbolt runs one
// at a time, so fn runs once and never conflicts. fn must not call the
// store: bbolt may deadlock when a goroutine holding the write transaction
// opens another one.
func (s *Store) UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error) {
	m := new(workshop.Meta)
	var fnErr error
	err := s.update(func(tx buckets) error {
		b := tx.Bucket(bucketMeta)
		if err := getJSON(b, id, m); err != nil {
			return err
		}
		if fnErr = fn(m); fnErr != nil {
			return fnErr
		}
		m.Rev++
		if err := putJSON(b, id, m); err != nil {
			return err
		}
		return indexDue(tx, m)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update workshop %s: %w", id, err)
	}
	return m, nil
}

// indexDue files m in the due index at its Meta.NextDue (a review reminder
// or a step deadline), or takes it out when nothing is due.
func indexDue(tx buckets, m *workshop.Meta) error {
	byID, byTime := tx.Bucket(bucketDue), tx.Bucket(bucketDueAt)
	id := []byte(m.ID)
	if cur := byID.Get(id); cur != nil {
		if err := byTime.Delete(append(slices.Clone(cur), id...)); err != nil {
			return err
		}
		if err := byID.Delete(id); err != nil {
			return err
		}
	}
	due, ok := m.NextDue()
	if !ok {
		return nil
	}
	var at [8]byte
	binary.BigEndian.PutUint64(at[:], uint64(max(due.UnixNano(), 0)))
	if err := byTime.Put(append(at[:], id...), nil); err != nil {
		return err
	}
	return byID.Put(id, at[:])
}

// Due walks the due index from its earliest entry up to until.
func (s *Store) Due(ctx context.Context, until time.Time, limit int) ([]string, error) {
	var out []string
	err := s.view(func(tx buckets) error {
		c := tx.Bucket(bucketDueAt).Cursor()
		end := uint64(max(until.UnixNano(), 0))
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if binary.BigEndian.Uint64(k) > end {
				break
			}
			out = append(out, string(k[8:]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due reviews: %w", err)
	}
	return out, nil
}

// PutInput stores in unless the stored version is the same, newer or a
// tombstone; the check and the write share one transaction.
func (s *Store) PutInput(ctx context.Context, ws string, in workshop.Input) (bool, error) {
	var stored bool
	err := s.update(func(tx buckets) error {
		vers, err := workshopBucket(tx, bucketVersions, ws)
		if err != nil {
			return err
		}
		if cur := vers.Get([]byte(in.ID)); cur != nil && (string(cur) == tombstone || !older(string(cur[1:]), in.Version)) {
			return nil
		}
		ins, err := workshopBucket(tx, bucketInputs, ws)
		if err != nil {
			return err
		}
		if err := recount(tx, ws, ins, in.ID, &in); err != nil {
			return err
		}
		if err := putJSON(ins, in.ID, in); err != nil {
			return err
		}
		stored = true
		return vers.Put([]byte(in.ID), []byte("v"+in.Version))
	})
	if err != nil {
		return false, fmt.Errorf("put input %s in workshop %s: %w", in.ID, ws, err)
	}
	return stored, nil
}

// counted is what the counts bucket keeps per workshop: the totals and
// contributors of Store.Counts, with what keeps them right under edits and
// deletions.
type counted struct {
	Items map[workshop.Step]int `json:"items"`
	// Refs counts each user's stored inputs and scores; Order is when each
	// first contributed (Seq the last order given).
	Refs  map[string]int `json:"refs,omitempty"`
	Order map[string]int `json:"order,omitempty"`
	Seq   int            `json:"seq,omitempty"`
	// MapTypes holds, per input that chose a map type, its ts and the type.
	MapTypes map[string][2]string `json:"map_types,omitempty"`
	// Steps counts each author's inputs per "<step>|<round>", kept since
	// the workshop was created when StepsKept.
	Steps     map[string]map[string]int `json:"steps,omitempty"`
	StepsKept bool                      `json:"steps_kept,omitempty"`
}

// stepPerson counts in's contributor (its author, or an anonymous input's
// author key: see workshop.Input.Contributor) for its step and round.
func (c *counted) stepPerson(in *workshop.Input, by int) {
	who := in.Contributor()
	if who == "" {
		return
	}
	key := in.Step.Key() + "|" + strconv.Itoa(in.Round)
	if c.Steps == nil {
		c.Steps = map[string]map[string]int{}
	}
	if c.Steps[key] == nil {
		c.Steps[key] = map[string]int{}
	}
	c.Steps[key][who] += by
	if c.Steps[key][who] <= 0 {
		delete(c.Steps[key], who)
		if len(c.Steps[key]) == 0 {
			delete(c.Steps, key)
		}
	}
}

func (c *counted) person(user string, by int) {
	if user == "" {
		return
	}
	if c.Refs == nil {
		c.Refs, c.Order = map[string]int{}, map[string]int{}
	}
	c.Refs[user] += by
	switch {
	case c.Refs[user] <= 0:
		delete(c.Refs, user)
		delete(c.Order, user)
	case by > 0 && c.Refs[user] == by:
		c.Seq++
		c.Order[user] = c.Seq
	}
}

// loadCounted reads the counts of ws; ok is false for a workshop created
// before counts were kept, which gets none.
func loadCounted(tx buckets, ws string) (c counted, ok bool, err error) {
	err = getJSON(tx.Bucket(bucketCounts), ws, &c)
	if errors.Is(err, workshop.ErrNotFound) {
		return c, false, nil
	}
	if c.Items == nil {
		c.Items = map[workshop.Step]int{}
	}
	return c, err == nil, err
}

// recount moves the totals of workshop ws from the input stored under id
// (if any) to next (nil for a deletion), in the caller's transaction.
func recount(tx buckets, ws string, ins *bbolt.Bucket, id string, next *workshop.Input) error {
	c, ok, err := loadCounted(tx, ws)
	if err != nil || !ok {
		return err
	}
	var prev workshop.Input
	if err := getJSON(ins, id, &prev); err == nil {
		c.Items[prev.Step] -= prev.Items
		c.person(prev.Contributor(), -1)
		c.stepPerson(&prev, -1)
		delete(c.MapTypes, id)
	} else if !errors.Is(err, workshop.ErrNotFound) {
		return err
	}
	if next != nil {
		c.Items[next.Step] += next.Items
		c.person(next.Contributor(), 1)
		c.stepPerson(next, 1)
		if next.MapType != "" {
			if c.MapTypes == nil {
				c.MapTypes = map[string][2]string{}
			}
			c.MapTypes[id] = [2]string{next.TS, next.MapType}
		}
	}
	return putJSON(tx.Bucket(bucketCounts), ws, c)
}

// Counts reads the totals, contributors and map type the writes keep.
func (s *Store) Counts(ctx context.Context, id string) (workshop.Counts, error) {
	out := workshop.Counts{Items: map[workshop.Step]int{}}
	err := s.view(func(tx buckets) error {
		c, ok, err := loadCounted(tx, id)
		if err != nil || !ok {
			return err
		}
		out.Known, out.Items, out.StepsKnown = true, c.Items, c.StepsKept
		for key, users := range c.Steps {
			st, r, _ := strings.Cut(key, "|")
			step, ok := workshop.ParseStep(st)
			round, err := strconv.Atoi(r)
			if !ok || err != nil {
				continue
			}
			if out.StepPeople == nil {
				out.StepPeople = map[workshop.StepRound][]string{}
			}
			for u := range users {
				out.StepPeople[workshop.StepRound{Step: step, Round: round}] = append(out.StepPeople[workshop.StepRound{Step: step, Round: round}], u)
			}
		}
		for u := range c.Order {
			out.People = append(out.People, u)
		}
		slices.SortFunc(out.People, func(a, b string) int { return cmp.Compare(c.Order[a], c.Order[b]) })
		var latest []workshop.Input
		for _, mt := range c.MapTypes {
			latest = append(latest, workshop.Input{TS: mt[0], Text: mt[1]})
		}
		if len(latest) > 0 {
			workshop.SortInputs(latest)
			out.MapType = latest[len(latest)-1].Text
		}
		return nil
	})
	if err != nil {
		return workshop.Counts{}, fmt.Errorf("counts of workshop %s: %w", id, err)
	}
	return out, nil
}

// older reports whether version a predates b, in the order of
// workshop.SortInputs: Slack timestamps have a fixed width, so a shorter one
// is older.
func older(a, b string) bool {
	if len(a) != len(b) && a != "" && b != "" {
		return len(a) < len(b)
	}
	return a < b
}

// DeleteInput removes the input and leaves a tombstone. The tombstone is
// written even when the input is unknown, because a deletion can overtake
// the reply it deletes.
func (s *Store) DeleteInput(ctx context.Context, ws, inputID string) (bool, error) {
	var removed bool
	err := s.update(func(tx buckets) error {
		ins, err := workshopBucket(tx, bucketInputs, ws)
		if err != nil {
			return err
		}
		if removed = ins.Get([]byte(inputID)) != nil; removed {
			if err := recount(tx, ws, ins, inputID, nil); err != nil {
				return err
			}
			if err := ins.Delete([]byte(inputID)); err != nil {
				return err
			}
		}
		vers, err := workshopBucket(tx, bucketVersions, ws)
		if err != nil {
			return err
		}
		return vers.Put([]byte(inputID), []byte(tombstone))
	})
	if err != nil {
		return false, fmt.Errorf("delete input %s in workshop %s: %w", inputID, ws, err)
	}
	return removed, nil
}

// PutScore stores sc under its touchpoint, user and round, replacing the
// participant's earlier score for the same round.
func (s *Store) PutScore(ctx context.Context, ws string, sc workshop.Score) error {
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("put score in workshop %s: %w", ws, err)
	}
	err := s.update(func(tx buckets) error {
		b, err := workshopBucket(tx, bucketScores, ws)
		if err != nil {
			return err
		}
		key := sc.Touchpoint + "|" + sc.User + "|" + strconv.Itoa(sc.Round)
		if b.Get([]byte(key)) == nil {
			// A first score for this touchpoint and round: a contribution.
			c, ok, err := loadCounted(tx, ws)
			if err != nil {
				return err
			}
			if ok {
				c.person(sc.User, 1)
				if err := putJSON(tx.Bucket(bucketCounts), ws, c); err != nil {
					return err
				}
			}
		}
		return putJSON(b, key, sc)
	})
	if err != nil {
		return fmt.Errorf("put score in workshop %s: %w", ws, err)
	}
	return nil
}

// PutMark stores m under its kind, key and user, replacing the earlier one.
func (s *Store) PutMark(ctx context.Context, ws string, m workshop.Mark) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("put mark in workshop %s: %w", ws, err)
	}
	err := s.update(func(tx buckets) error {
		b, err := workshopBucket(tx, bucketMarks, ws)
		if err != nil {
			return err
		}
		return putJSON(b, m.Field(), m)
	})
	if err != nil {
		return fmt.Errorf("put mark in workshop %s: %w", ws, err)
	}
	return nil
}

// BindThread records ref for the thread, replacing any earlier binding.
func (s *Store) BindThread(ctx context.Context, channel, ts string, ref workshop.ThreadRef) error {
	err := s.update(func(tx buckets) error { return putJSON(tx.Bucket(bucketThreads), channel+" "+ts, ref) })
	if err != nil {
		return fmt.Errorf("bind thread %s/%s: %w", channel, ts, err)
	}
	return nil
}

// Thread returns what BindThread recorded.
func (s *Store) Thread(ctx context.Context, channel, ts string) (workshop.ThreadRef, error) {
	var ref workshop.ThreadRef
	err := s.view(func(tx buckets) error { return getJSON(tx.Bucket(bucketThreads), channel+" "+ts, &ref) })
	if err != nil {
		return workshop.ThreadRef{}, fmt.Errorf("thread %s/%s: %w", channel, ts, err)
	}
	return ref, nil
}

// List scans every meta, newest first.
func (s *Store) List(ctx context.Context, channel string) ([]workshop.Summary, error) {
	var out []workshop.Summary
	err := s.view(func(tx buckets) error {
		return tx.Bucket(bucketMeta).ForEach(func(k, v []byte) error {
			var m workshop.Meta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if channel == "" || m.Channel == channel {
				out = append(out, workshop.SummaryOf(&m))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	// Newest first; on a tie the later id (longer, then greater) first, so
	// W10 comes before W9.
	slices.SortFunc(out, func(a, b workshop.Summary) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(len(b.ID), len(a.ID)), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// LoadMetas reads many metas (one at a time: an embedded store has no
// round trips to save).
func (s *Store) LoadMetas(ctx context.Context, ids []string) ([]*workshop.Meta, error) {
	out := make([]*workshop.Meta, len(ids))
	for i, id := range ids {
		m, err := s.LoadMeta(ctx, id)
		if errors.Is(err, workshop.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// CountsOf reads the totals of many workshops.
func (s *Store) CountsOf(ctx context.Context, ids []string) ([]workshop.Counts, error) {
	out := make([]workshop.Counts, len(ids))
	for i, id := range ids {
		c, err := s.Counts(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// SwapMetas saves, in one transaction, each swap whose stored Rev is
// still the one read.
func (s *Store) SwapMetas(ctx context.Context, swaps []workshop.MetaSwap) ([]bool, error) {
	saved := make([]bool, len(swaps))
	err := s.update(func(tx buckets) error {
		b := tx.Bucket(bucketMeta)
		for i, sw := range swaps {
			var cur workshop.Meta
			err := getJSON(b, sw.Read.ID, &cur)
			if errors.Is(err, workshop.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if cur.Rev != sw.Read.Rev {
				continue
			}
			next := *sw.Next
			next.Rev = sw.Read.Rev + 1
			if err := putJSON(b, next.ID, &next); err != nil {
				return err
			}
			if err := indexDue(tx, &next); err != nil {
				return err
			}
			saved[i] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("swap %d workshops: %w", len(swaps), err)
	}
	for i, sw := range swaps {
		if saved[i] {
			sw.Next.Rev = sw.Read.Rev + 1
		}
	}
	return saved, nil
}

// ClaimAll claims many keys.
func (s *Store) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) ([]bool, error) {
	out := make([]bool, len(keys))
	for i, k := range keys {
		got, err := s.Claim(ctx, k, ttl)
		if err != nil {
			return nil, err
		}
		out[i] = got
	}
	return out, nil
}

// Claim takes key until s.Now passes the expiry, or for good when ttl is
// zero or less. Each call first purges claims that have expired, so the file
// does not grow with every event ever seen.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := s.Now()
	var got bool
	err := s.update(func(tx buckets) error {
		claims, index := tx.Bucket(bucketClaims), tx.Bucket(bucketClaimExpiry)
		var expired [][]byte
		c := index.Cursor()
		for k, _ := c.First(); k != nil && len(expired) < maxPurge && !time.Unix(0, int64(binary.BigEndian.Uint64(k))).After(now); k, _ = c.Next() {
			expired = append(expired, slices.Clone(k))
		}
		for _, k := range expired {
			if err := index.Delete(k); err != nil {
				return err
			}
			// The claim may have been taken again since, with a later expiry.
			if cur := claims.Get(k[8:]); cur != nil && string(cur) == string(k[:8]) {
				if err := claims.Delete(k[8:]); err != nil {
					return err
				}
			}
		}

		if cur := claims.Get([]byte(key)); cur != nil {
			exp := binary.BigEndian.Uint64(cur)
			if exp == 0 || time.Unix(0, int64(exp)).After(now) {
				return nil
			}
		}
		var exp [8]byte
		if ttl > 0 {
			binary.BigEndian.PutUint64(exp[:], uint64(now.Add(ttl).UnixNano()))
			if err := index.Put(append(exp[:], key...), nil); err != nil {
				return err
			}
		}
		got = true
		return claims.Put([]byte(key), exp[:])
	})
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return got, nil
}

// cachedName is a display name with the time it stops being valid (zero:
// never).
type cachedName struct {
	Name    string    `json:"name"`
	Expires time.Time `json:"expires,omitzero"`
}

// PutName caches a display name until s.Now passes ttl.
func (s *Store) PutName(ctx context.Context, id, name string, ttl time.Duration) error {
	c := cachedName{Name: name}
	if ttl > 0 {
		c.Expires = s.Now().Add(ttl)
	}
	if err := s.update(func(tx buckets) error { return putJSON(tx.Bucket(bucketNames), id, c) }); err != nil {
		return fmt.Errorf("put name %s: %w", id, err)
	}
	return nil
}

// Names returns the names cached and not expired. Expired entries are left
// for the next PutName to replace: one per person, the bucket stays small.
func (s *Store) Names(ctx context.Context, ids []string) (workshop.Names, error) {
	out := make(workshop.Names, len(ids))
	now := s.Now()
	err := s.view(func(tx buckets) error {
		b := tx.Bucket(bucketNames)
		for _, id := range ids {
			var c cachedName
			if err := getJSON(b, id, &c); err != nil {
				if errors.Is(err, workshop.ErrNotFound) {
					continue
				}
				return err
			}
			if c.Expires.IsZero() || c.Expires.After(now) {
				out[id] = c.Name
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("names: %w", err)
	}
	return out, nil
}

// Ping reports whether the file is still open.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.View(func(*bbolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("ping state file: %w", err)
	}
	return nil
}

// Close closes the file and releases its lock. Close of a team's store
// (ForTeam) does nothing: the file is the one of the store Open returned,
// whose Close closes it for every team.
func (s *Store) Close() error {
	if s.team != "" {
		return nil
	}
	return s.db.Close()
}
