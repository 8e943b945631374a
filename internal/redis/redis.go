// Package redis keeps workshops in Redis, so several journeybot processes, or
// one that restarts elsewhere, share one state. It works against a single
// server, Sentinel and Cluster.
//
// Key layout, with p the prefix:
//
//	p:seq                   counter behind NewID (INCR)
//	p:workshops             sorted set of every workshop id, scored by creation (unix ms)
//	p:chan:{C123}           sorted set of the workshop ids of one channel
//	p:{W12}:meta            Meta as JSON
//	p:{W12}:inputs          hash input id -> Input as JSON
//	p:{W12}:ver             hash input id -> stored Version, or "~" once deleted
//	p:{W12}:scores          hash "touchpoint|user|round" -> Score as JSON
//	p:thread:{C123}:<ts>    ThreadRef as JSON
//	p:claim:<key>           claim marker, expiring with SET NX PX
//	p:{due}:at              sorted set of workshop ids with something due (a review, a step deadline), scored by Meta.NextDue (unix ms)
//	p:{due}:rev             hash workshop id -> the meta Rev the due entry was written for
//	p:home:{U123}           a person's app home: channels, versions (see homes.go)
//	p:homes:{C123}          sorted set of the people with a home in a channel (see homes.go)
//	p:name:{U123}           a cached display name, expiring
//	p:install:{T123}        an installation as JSON (see install.go)
//	p:installs              set of the keys of every installation
//	p:oauth:state:{<state>} an OAuth state, expiring
//	p:t:T123:…              one team's data, the keys above under the prefix p:t:T123 (ForTeam)
//
// No key but a team's starts with p:t:, so PurgeTeam can find a team's
// keys by the pattern p:t:T123:* alone.
//
// Every key of a workshop carries the workshop id as its hash tag, so in a
// Cluster they share a slot and the scripts and transactions that touch
// several of them stay legal.
//
// The due index lives in another slot than the metas, so it cannot be
// written in the meta's transaction. It is kept a hint that may run early,
// never late: before a meta update commits an earlier NextDue, the entry is
// lowered (ZADD LT); after it commits, the entry is set exactly, unless an
// update with a higher Rev already set it (the script compares revs, so two
// updates finishing out of order leave the newer one's entry). A crash
// between the two writes leaves an early entry, which the scheduler repairs
// by saving the meta again.
package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/workshop"
)

// DefaultPrefix starts every key when no prefix is given.
const DefaultPrefix = "journeybot"

// maxUpdateAttempts bounds UpdateMeta's compare-and-set retries. Each failed
// attempt means another update succeeded, so only a storm of writers to one
// workshop reaches it.
const maxUpdateAttempts = 100

// tombstone marks a deleted input in the versions hash. The scripts test for
// it before comparing versions, so it wins over any edit timestamp.
const tombstone = "~"

// Store is a workshop.Store backed by Redis. It is safe for concurrent use
// by any number of goroutines and processes.
type Store struct {
	c goredis.UniversalClient
	// prefix starts the keys of the store's data; root is the prefix New
	// was given, under which installations, OAuth states and the teams'
	// prefixes live (the same as prefix unless ForTeam made the store).
	prefix, root string
	owned        bool // Close closes c: Open made it
	mode         Mode
	waitReplicas int
	// stopRefresh ends the Cluster topology refresh; refreshed is closed
	// when it has.
	stopRefresh context.CancelFunc
	refreshed   chan struct{}
}

var _ workshop.Store = (*Store)(nil)

// New returns a store using client, with every key under prefix
// (DefaultPrefix when empty), so several bots or test runs can share one
// server. The caller keeps ownership of client: Close leaves it open. New
// panics when prefix contains a brace, which would break the hash tags.
func New(client goredis.UniversalClient, prefix string) *Store {
	if strings.ContainsAny(prefix, "{}") {
		panic(fmt.Sprintf("redis: key prefix %q must not contain braces", prefix))
	}
	prefix = cmp.Or(prefix, DefaultPrefix)
	return &Store{c: client, prefix: prefix, root: prefix}
}

// Options says how to reach Redis. Set URL, or Addrs, not both.
type Options struct {
	// URL names one server, as redis://[user:password@]host:port/db or
	// rediss:// for TLS; typically the REDIS_URL environment variable.
	URL string
	// Addrs lists host:port addresses: the nodes of a Cluster (any number,
	// one is enough to find the others), the Sentinels when MasterName is
	// set, or a single server. What they are is checked at Open.
	Addrs []string
	// MasterName is the Sentinel master to follow for failover.
	MasterName string
	// Username and Password authenticate to the Redis servers (a URL's own
	// credentials win); SentinelPassword to the Sentinels.
	Username, Password, SentinelPassword string
	// TLS connects with TLS (a rediss:// URL does too).
	TLS bool
	// WaitReplicas, when above zero, makes every input write wait (at most
	// WaitTimeout) until that many replicas have it, so an acknowledged
	// reply survives a failover even under replication lag.
	WaitReplicas int
	// Prefix starts every key; DefaultPrefix when empty.
	Prefix string
}

// WaitTimeout bounds the wait for replicas (Options.WaitReplicas) on the
// path that acknowledges Slack.
const WaitTimeout = 500 * time.Millisecond

// ErrNotReplicated is a write the master has but not yet as many replicas
// as Options.WaitReplicas asks, within WaitTimeout: it is not acknowledged,
// so Slack delivers it again (the write is idempotent) rather than losing
// it if the master dies before its replicas catch up.
var ErrNotReplicated = errors.New("write not yet on enough replicas")

// Open connects to Redis as opts says. It first checks what the addresses
// are (a single server, Cluster nodes, Sentinels) against the options, so a
// wrong set-up fails at start-up, within 10 s, with a *SetupError that says
// what to set instead, rather than on the first event. Close closes the
// connection.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redis key prefix %q must not contain braces", opts.Prefix)
	}
	switch {
	case opts.URL != "" && (len(opts.Addrs) > 0 || opts.MasterName != ""):
		return nil, errors.New("redis options: set either a URL or addresses, not both")
	case opts.URL == "" && len(opts.Addrs) == 0:
		return nil, errors.New("redis options: no URL or addresses")
	}
	c, mode, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := New(c, opts.Prefix)
	s.owned, s.mode, s.waitReplicas = true, mode, opts.WaitReplicas
	if cc, ok := c.(*goredis.ClusterClient); ok {
		s.refreshTopology(cc)
	}
	return s, nil
}

// refreshTopology re-reads a Cluster's topology every clusterReload, busy
// or idle, until Close. go-redis reloads it only on MOVED replies or when a
// command finds it stale, and then for the commands after that one: an
// idle replica would send its first command after a failover to the dead
// master.
func (s *Store) refreshTopology(cc *goredis.ClusterClient) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRefresh, s.refreshed = cancel, make(chan struct{})
	go func() {
		defer close(s.refreshed)
		t := time.NewTicker(clusterReload / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				cc.ReloadState(ctx)
			}
		}
	}()
}

// Mode says what Open found: a single server, a Cluster or Sentinels.
func (s *Store) Mode() Mode { return s.mode }

// wkey names one of a workshop's keys; the braces make id the hash tag.
func (s *Store) wkey(id, kind string) string { return s.prefix + ":{" + id + "}:" + kind }

func (s *Store) indexKey() string              { return s.prefix + ":workshops" }
func (s *Store) dueKeys() []string             { return []string{s.prefix + ":{due}:at", s.prefix + ":{due}:rev"} }
func (s *Store) chanKey(channel string) string { return s.prefix + ":chan:{" + channel + "}" }
func (s *Store) threadKey(channel, ts string) string {
	return s.prefix + ":thread:{" + channel + "}:" + ts
}

// workshopKeys are the keys the scripts receive, in the order they use.
func (s *Store) workshopKeys(id, data string) []string {
	switch data {
	case "inputs":
		return []string{s.wkey(id, "meta"), s.wkey(id, "inputs"), s.wkey(id, "ver"), s.wkey(id, "counts"), s.wkey(id, "people")}
	case "scores":
		return []string{s.wkey(id, "meta"), s.wkey(id, "scores"), s.wkey(id, "counts"), s.wkey(id, "people")}
	}
	return []string{s.wkey(id, "meta"), s.wkey(id, data)}
}

// countsMark is the field of the counts hash that says counts were kept
// since the workshop was created.
const countsMark = "_v"

// stepsMark is the field of the counts hash that says each step's
// contributors ("s|<step>|<round>|<user>" fields) were kept since the
// workshop was created.
const stepsMark = "_s"

// countLua keeps a workshop's totals (the counts hash) and contributors
// (the people sorted set) in step with its inputs and scores. The counts
// hash holds, beside each step's item total: "a|<user>", how many inputs
// and scores the user has stored (the user is in people while it is above
// 0); "mt|<input id>", "<input ts>|<map type>" for an input that chose
// one; "_seq", the order of first contributions. An anonymous input counts
// under its author key (workshop.Input.Contributor), never an id.
const countLua = `
local function person(counts, people, user, by)
  if user == nil or user == '' then return end
  local n = redis.call('HINCRBY', counts, 'a|' .. user, by)
  if n <= 0 then
    redis.call('HDEL', counts, 'a|' .. user)
    redis.call('ZREM', people, user)
  elseif by > 0 and n == by then
    redis.call('ZADD', people, 'NX', redis.call('HINCRBY', counts, '_seq', 1), user)
  end
end
local function stepPerson(counts, step, round, user, by)
  if user == nil or user == '' then return end
  local f = 's|' .. step .. '|' .. round .. '|' .. user
  if redis.call('HINCRBY', counts, f, by) <= 0 then redis.call('HDEL', counts, f) end
end
local function uncount(inputs, counts, people, id)
  local old = redis.call('HGET', inputs, id)
  if not old then return end
  local ok, in_ = pcall(cjson.decode, old)
  if not ok or type(in_) ~= 'table' then return end
  if tonumber(in_.items) and in_.step then
    redis.call('HINCRBY', counts, in_.step, -tonumber(in_.items))
  end
  local who = in_.author
  if type(who) ~= 'string' or who == '' then who = in_.author_key end
  if type(who) == 'string' then
    person(counts, people, who, -1)
    if type(in_.step) == 'string' then stepPerson(counts, in_.step, tonumber(in_.round) or 0, who, -1) end
  end
  redis.call('HDEL', counts, 'mt|' .. id)
end
`

// olderLua is the Lua twin of workshop.SortInputs' timestamp order, byte by
// byte: Lua's own string comparison follows the server's locale.
const olderLua = `
local function older(a, b)
  if #a ~= #b and a ~= '' and b ~= '' then return #a < #b end
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
`

// The scripts return -1 when the workshop does not exist, so no write
// creates the keys of a workshop nobody created.
var (
	// KEYS meta, inputs, ver, counts, people; ARGV input id, version, input
	// JSON, step, item count, contributor (the author, or an anonymous
	// input's author key), map type, input ts. The totals follow every
	// write: the replaced version's (read from its JSON) out, the new ones
	// in.
	putInputScript = goredis.NewScript(olderLua + countLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local cur = redis.call('HGET', KEYS[3], ARGV[1])
if cur and (cur == '` + tombstone + `' or not older(cur, ARGV[2])) then return 0 end
uncount(KEYS[2], KEYS[4], KEYS[5], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[4], ARGV[4], tonumber(ARGV[5]))
person(KEYS[4], KEYS[5], ARGV[6], 1)
stepPerson(KEYS[4], ARGV[4], ARGV[9], ARGV[6], 1)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[4], 'mt|' .. ARGV[1], ARGV[8] .. '|' .. ARGV[7]) end
return 1
`)
	// KEYS meta, inputs, ver, counts, people; ARGV input id.
	deleteInputScript = goredis.NewScript(countLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[3], ARGV[1], '` + tombstone + `')
uncount(KEYS[2], KEYS[4], KEYS[5], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])
`)
	// KEYS meta, counts; ARGV meta JSON. SETNX and the mark that counts are
	// kept from the start, in one step.
	createScript = goredis.NewScript(`
if redis.call('SETNX', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], '` + countsMark + `', '1', '` + stepsMark + `', '1')
return 1
`)
	// KEYS due zset, due revs; ARGV workshop id, meta rev, due (unix ms) or
	// "" to remove. An entry written for a newer rev is left alone. Only
	// scheduled reviews are kept: removing an entry forgets its rev too, so
	// the index does not grow with every workshop ever made. (An older
	// update landing after that may add back an early entry, which the
	// scheduler repairs, as after a crash.)
	syncDueScript = goredis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tonumber(ARGV[2]) < cur then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`)
	// KEYS meta, scores, counts, people; ARGV score field, score JSON, user.
	// A user's first score for a touchpoint and round makes them a
	// contributor; changing it does not count twice.
	putScoreScript = goredis.NewScript(countLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  person(KEYS[3], KEYS[4], ARGV[3], 1)
end
return 1
`)
)

// NewID reserves the next workshop id from a shared counter.
func (s *Store) NewID(ctx context.Context) (string, error) {
	n, err := s.c.Incr(ctx, s.prefix+":seq").Result()
	if err != nil {
		return "", fmt.Errorf("new workshop id: %w", err)
	}
	return "W" + strconv.FormatInt(n, 10), nil
}

// Create stores m, refusing an id already in use, then indexes it. The
// indexes live in other slots, so they are written after the meta; when
// one of those writes fails (its master is down) the meta and whatever was
// indexed are removed again, so a workshop is created whole (listed and
// complete) or not at all.
func (s *Store) Create(ctx context.Context, m *workshop.Meta) error {
	if m.ID == "" {
		return errors.New("create workshop: empty id")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("create workshop %s: %w", m.ID, err)
	}
	n, err := createScript.Run(ctx, s.c, []string{s.wkey(m.ID, "meta"), s.wkey(m.ID, "counts")}, b).Int64()
	ok := n == 1
	if err != nil {
		// The write may have landed before the connection failed.
		s.undoCreate(ctx, m)
		return fmt.Errorf("create workshop %s: %w", m.ID, err)
	}
	if !ok {
		// A retry after a lost reply finds its own first write.
		if cur, err := s.c.Get(ctx, s.wkey(m.ID, "meta")).Result(); err != nil || cur != string(b) {
			return fmt.Errorf("create workshop %s: id already in use", m.ID)
		}
	}
	if _, scheduled := dueScore(m); scheduled {
		if err := s.syncDue(ctx, m); err != nil {
			s.undoCreate(ctx, m)
			return fmt.Errorf("create workshop %s: %w", m.ID, err)
		}
	}
	z := goredis.Z{Score: float64(m.CreatedAt.UnixMilli()), Member: m.ID}
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZAdd(ctx, s.indexKey(), z)
		if m.Channel != "" {
			p.ZAdd(ctx, s.chanKey(m.Channel), z)
		}
		return nil
	})
	if err != nil {
		s.undoCreate(ctx, m)
		return fmt.Errorf("index workshop %s: %w", m.ID, err)
	}
	return nil
}

// undoCreate removes what a failed Create may have written: the meta first,
// since a meta is what makes a workshop, then the index entries. Each key
// lives in its own slot, some of whose masters may be down, so each removal
// runs at once under a deadline of its own (the caller's may be what ran
// out): a dead master cannot hold up the others.
func (s *Store) undoCreate(ctx context.Context, m *workshop.Meta) {
	ctx = context.WithoutCancel(ctx)
	due := s.dueKeys()
	undo := []func(context.Context) error{
		func(ctx context.Context) error {
			return s.c.Del(ctx, s.wkey(m.ID, "meta"), s.wkey(m.ID, "counts"), s.wkey(m.ID, "people")).Err()
		},
		func(ctx context.Context) error { return s.c.ZRem(ctx, s.indexKey(), m.ID).Err() },
		func(ctx context.Context) error { return s.c.ZRem(ctx, due[0], m.ID).Err() },
		func(ctx context.Context) error { return s.c.HDel(ctx, due[1], m.ID).Err() },
	}
	if m.Channel != "" {
		undo = append(undo, func(ctx context.Context) error { return s.c.ZRem(ctx, s.chanKey(m.Channel), m.ID).Err() })
	}
	var wg sync.WaitGroup
	for _, f := range undo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_ = f(ctx)
		}()
	}
	wg.Wait()
}

// Load reads meta, inputs and scores in one MULTI round trip, so they are a
// consistent snapshot. Inputs come in journey order.
func (s *Store) Load(ctx context.Context, id string) (*workshop.Workshop, error) {
	var meta *goredis.StringCmd
	var inputs, scores, marks *goredis.MapStringStringCmd
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		meta = p.Get(ctx, s.wkey(id, "meta"))
		inputs = p.HGetAll(ctx, s.wkey(id, "inputs"))
		scores = p.HGetAll(ctx, s.wkey(id, "scores"))
		marks = p.HGetAll(ctx, s.wkey(id, "marks"))
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	m, err := decodeMeta(meta)
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	w := &workshop.Workshop{Meta: *m}
	for field, v := range inputs.Val() {
		var in workshop.Input
		if err := json.Unmarshal([]byte(v), &in); err != nil {
			return nil, fmt.Errorf("load workshop %s: input %s: %w", id, field, err)
		}
		w.Inputs = append(w.Inputs, in)
	}
	for field, v := range scores.Val() {
		var sc workshop.Score
		if err := json.Unmarshal([]byte(v), &sc); err != nil {
			return nil, fmt.Errorf("load workshop %s: score %s: %w", id, field, err)
		}
		w.Scores = append(w.Scores, sc)
	}
	for field, v := range marks.Val() {
		var mk workshop.Mark
		if err := json.Unmarshal([]byte(v), &mk); err != nil {
			return nil, fmt.Errorf("load workshop %s: mark %s: %w", id, field, err)
		}
		w.Marks = append(w.Marks, mk)
	}
	slices.SortFunc(w.Marks, func(a, b workshop.Mark) int { return cmp.Compare(a.Field(), b.Field()) })
	workshop.SortInputs(w.Inputs)
	slices.SortFunc(w.Scores, func(a, b workshop.Score) int {
		return cmp.Or(cmp.Compare(a.Touchpoint, b.Touchpoint), cmp.Compare(a.User, b.User), cmp.Compare(a.Round, b.Round))
	})
	return w, nil
}

// LoadMeta reads the meta alone, for the many events that need no inputs.
func (s *Store) LoadMeta(ctx context.Context, id string) (*workshop.Meta, error) {
	m, err := decodeMeta(s.c.Get(ctx, s.wkey(id, "meta")))
	if err != nil {
		return nil, fmt.Errorf("load workshop %s: %w", id, err)
	}
	return m, nil
}

func decodeMeta(cmd *goredis.StringCmd) (*workshop.Meta, error) {
	b, err := cmd.Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, workshop.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m := new(workshop.Meta)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// UpdateMeta applies fn under WATCH on the meta key and writes the result in
// MULTI; when another writer got there first, it rereads and applies fn
// again, up to maxUpdateAttempts times before giving up with
// workshop.ErrConflict.
func (s *Store) UpdateMeta(ctx context.Context, id string, fn func(*workshop.Meta) error) (*workshop.Meta, error) {
	key := s.wkey(id, "meta")
	lowered := math.Inf(1) // the due entry was lowered to this in an earlier attempt
	for range maxUpdateAttempts {
		var m *workshop.Meta
		var fnErr error
		var wasActive bool
		lower := lowered
		err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
			var err error
			if m, err = decodeMeta(tx.Get(ctx, key)); err != nil {
				return err
			}
			oldDue, indexed := dueScore(m)
			wasActive = indexed
			if fnErr = fn(m); fnErr != nil {
				return fnErr
			}
			m.Rev++
			b, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if due, ok := dueScore(m); ok && due < lowered && (!indexed || due < oldDue) {
				// The due date moves earlier: lower the entry before this
				// commits, so a crash after the commit cannot delay the
				// reminder. That takes another connection, so leave the
				// transaction (a connection held while waiting for another
				// can exhaust the pool), lower, and try again.
				lower = due
				return errLowerFirst
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.Set(ctx, key, b, 0)
				return nil
			})
			return err
		}, key)
		switch {
		case fnErr != nil:
			return nil, fnErr
		case errors.Is(err, errLowerFirst):
			if err := s.c.ZAddLT(ctx, s.dueKeys()[0], goredis.Z{Score: lower, Member: id}).Err(); err != nil {
				return nil, fmt.Errorf("update workshop %s: index review: %w", id, err)
			}
			lowered = lower
			continue
		case errors.Is(err, goredis.TxFailedErr):
			continue
		case err != nil:
			return nil, fmt.Errorf("update workshop %s: %w", id, err)
		}
		if _, now := dueScore(m); wasActive || now {
			if err := s.syncDue(ctx, m); err != nil {
				// The meta is saved; the index entry is early at worst.
				return m, fmt.Errorf("update workshop %s: %w", id, err)
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("update workshop %s: %w", id, workshop.ErrConflict)
}

// errLowerFirst leaves an UpdateMeta attempt to lower the due entry first.
var errLowerFirst = errors.New("lower the due entry first")

// dueScore is the due index score of m, and whether m belongs in the index.
func dueScore(m *workshop.Meta) (float64, bool) {
	at, ok := m.NextDue()
	if !ok {
		return 0, false
	}
	return float64(at.UnixMilli()), true
}

// syncDue sets m's due index entry exactly as m says, unless an entry for a
// newer rev is there already.
func (s *Store) syncDue(ctx context.Context, m *workshop.Meta) error {
	arg := ""
	if due, ok := dueScore(m); ok {
		arg = strconv.FormatFloat(due, 'f', 0, 64)
	}
	if err := syncDueScript.Run(ctx, s.c, s.dueKeys(), m.ID, m.Rev, arg).Err(); err != nil {
		return fmt.Errorf("index review of %s: %w", m.ID, err)
	}
	return nil
}

// Due reads the due index up to until, earliest first.
func (s *Store) Due(ctx context.Context, until time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, err := s.c.ZRangeByScore(ctx, s.dueKeys()[0], &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(until.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due reviews: %w", err)
	}
	return ids, nil
}

// PutInput stores in with one script run: the version check and the write
// are atomic, so concurrent replies never lose each other and a retried
// command is a no-op.
func (s *Store) PutInput(ctx context.Context, ws string, in workshop.Input) (bool, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return false, fmt.Errorf("put input %s in workshop %s: %w", in.ID, ws, err)
	}
	return s.runScript(ctx, putInputScript, s.workshopKeys(ws, "inputs"), "put input "+in.ID, ws, in.ID, in.Version, b, in.Step.Key(), in.Items, in.Contributor(), in.MapType, in.TS, in.Round)
}

// DeleteInput removes the input and leaves a tombstone in one script run.
// The tombstone is written even when the input is unknown, because a
// deletion can overtake the reply it deletes.
func (s *Store) DeleteInput(ctx context.Context, ws, inputID string) (bool, error) {
	return s.runScript(ctx, deleteInputScript, s.workshopKeys(ws, "inputs"), "delete input "+inputID, ws, inputID)
}

// PutScore stores s under its touchpoint, user and round, replacing the
// participant's earlier score for the same round.
func (s *Store) PutScore(ctx context.Context, ws string, sc workshop.Score) error {
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("put score in workshop %s: %w", ws, err)
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("put score in workshop %s: %w", ws, err)
	}
	field := sc.Touchpoint + "|" + sc.User + "|" + strconv.Itoa(sc.Round)
	_, err = s.runScript(ctx, putScoreScript, s.workshopKeys(ws, "scores"), "put score", ws, field, b, sc.User)
	return err
}

// putMarkScript files a mark unless the workshop is gone. KEYS meta,
// marks; ARGV field, mark JSON.
var putMarkScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`)

// PutMark stores m under its kind, key and user, replacing the earlier one.
func (s *Store) PutMark(ctx context.Context, ws string, m workshop.Mark) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("put mark in workshop %s: %w", ws, err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("put mark in workshop %s: %w", ws, err)
	}
	_, err = s.runScript(ctx, putMarkScript, s.workshopKeys(ws, "marks"), "put mark", ws, m.Field(), b)
	return err
}

// runScript runs one of the write scripts and reads its answer: 1 changed,
// 0 unchanged, -1 no such workshop. Script.Run sends EVALSHA and only falls
// back to EVAL the first time a server sees the script.
func (s *Store) runScript(ctx context.Context, sc *goredis.Script, keys []string, what, ws string, args ...any) (bool, error) {
	var n int64
	var err error
	if s.waitReplicas > 0 {
		n, err = s.runReplicated(ctx, sc, keys, args...)
	} else {
		n, err = sc.Run(ctx, s.c, keys, args...).Int64()
	}
	switch {
	case err != nil:
		return false, fmt.Errorf("%s in workshop %s: %w", what, ws, err)
	case n < 0:
		return false, fmt.Errorf("%s in workshop %s: %w", what, ws, workshop.ErrNotFound)
	}
	return n == 1, nil
}

// runReplicated runs a write script and WAITs, on the same connection, until
// s.waitReplicas replicas have it or WaitTimeout passes. WAIT applies to the
// writes of the connection it runs on, so both go in one pipeline on the
// master of the keys' slot. A wait that times out is ErrNotReplicated: the
// write is on the master, but it is not acknowledged, so the caller refuses
// it and Slack delivers it again (writes are idempotent).
func (s *Store) runReplicated(ctx context.Context, sc *goredis.Script, keys []string, args ...any) (int64, error) {
	var node goredis.Cmdable = s.c
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		master, err := cc.MasterForKey(ctx, keys[0])
		if err != nil {
			return 0, err
		}
		node = master
	}
	var run, wait *goredis.Cmd
	_, err := node.Pipelined(ctx, func(p goredis.Pipeliner) error {
		run = sc.Eval(ctx, p, keys, args...)
		wait = p.Do(ctx, "WAIT", s.waitReplicas, WaitTimeout.Milliseconds())
		return nil
	})
	if err != nil && run.Err() != nil {
		if cc, ok := s.c.(*goredis.ClusterClient); ok {
			cc.ReloadState(ctx)
		}
		return 0, run.Err()
	}
	if n, werr := wait.Int64(); werr != nil || n < int64(s.waitReplicas) {
		return 0, fmt.Errorf("%w: %d of %d replicas after %s (%v)", ErrNotReplicated, n, s.waitReplicas, WaitTimeout, werr)
	}
	return run.Int64()
}

// BindThread records ref for the thread, replacing any earlier binding.
func (s *Store) BindThread(ctx context.Context, channel, ts string, ref workshop.ThreadRef) error {
	b, err := json.Marshal(ref)
	if err == nil {
		err = s.c.Set(ctx, s.threadKey(channel, ts), b, 0).Err()
	}
	if err != nil {
		return fmt.Errorf("bind thread %s/%s: %w", channel, ts, err)
	}
	return nil
}

// Thread returns what BindThread recorded, in one GET.
func (s *Store) Thread(ctx context.Context, channel, ts string) (workshop.ThreadRef, error) {
	var ref workshop.ThreadRef
	b, err := s.c.Get(ctx, s.threadKey(channel, ts)).Bytes()
	if errors.Is(err, goredis.Nil) {
		err = workshop.ErrNotFound
	}
	if err == nil {
		err = json.Unmarshal(b, &ref)
	}
	if err != nil {
		return workshop.ThreadRef{}, fmt.Errorf("thread %s/%s: %w", channel, ts, err)
	}
	return ref, nil
}

// List reads the ids from the index, then every meta in one pipeline (one
// round trip per node in a Cluster), so a summary never lags behind
// UpdateMeta.
func (s *Store) List(ctx context.Context, channel string) ([]workshop.Summary, error) {
	index := s.indexKey()
	if channel != "" {
		index = s.chanKey(channel)
	}
	ids, err := s.c.ZRange(ctx, index, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	cmds := make([]*goredis.StringCmd, len(ids))
	if len(ids) > 0 {
		_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.Get(ctx, s.wkey(id, "meta"))
			}
			return nil
		})
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, fmt.Errorf("list workshops: %w", err)
		}
	}
	var out []workshop.Summary
	for i, cmd := range cmds {
		m, err := decodeMeta(cmd)
		if errors.Is(err, workshop.ErrNotFound) {
			continue // indexed by hand or half deleted: nothing to show
		}
		if err != nil {
			return nil, fmt.Errorf("list workshops: %s: %w", ids[i], err)
		}
		out = append(out, workshop.SummaryOf(m))
	}
	slices.SortFunc(out, newestFirst)
	return out, nil
}

// newestFirst orders summaries by creation, newest first, then by id, the
// later (longer, then greater) id first, so W10 comes before W9.
func newestFirst(a, b workshop.Summary) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(len(b.ID), len(a.ID)), cmp.Compare(b.ID, a.ID))
}

// Claim sets the key with SET NX PX, so the server's own expiry frees it
// after ttl. A ttl of zero or less claims the key for good.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.c.SetNX(ctx, s.prefix+":claim:"+key, "1", max(ttl, 0)).Result()
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return ok, nil
}

// Counts reads the totals, contributors and map type PutInput, DeleteInput
// and PutScore keep, in one round trip.
func (s *Store) Counts(ctx context.Context, id string) (workshop.Counts, error) {
	var read func() workshop.Counts
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		read = s.queueCounts(ctx, p, id)
		return nil
	})
	if err != nil {
		return workshop.Counts{}, fmt.Errorf("counts of workshop %s: %w", id, err)
	}
	return read(), nil
}

// MetaAndCounts reads a workshop's meta and totals in one round trip: what
// its header shows.
func (s *Store) MetaAndCounts(ctx context.Context, id string) (*workshop.Meta, workshop.Counts, error) {
	var meta *goredis.StringCmd
	var read func() workshop.Counts
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		meta = p.Get(ctx, s.wkey(id, "meta"))
		read = s.queueCounts(ctx, p, id)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, workshop.Counts{}, fmt.Errorf("header of workshop %s: %w", id, err)
	}
	m, err := decodeMeta(meta)
	if err != nil {
		return nil, workshop.Counts{}, fmt.Errorf("load workshop %s: %w", id, err)
	}
	return m, read(), nil
}

// LoadMetas reads many metas in one pipeline (one batch per node in a
// Cluster); nil for an id not found.
func (s *Store) LoadMetas(ctx context.Context, ids []string) ([]*workshop.Meta, error) {
	cmds := make([]*goredis.StringCmd, len(ids))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.wkey(id, "meta"))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("load %d workshops: %w", len(ids), err)
	}
	out := make([]*workshop.Meta, len(ids))
	for i, cmd := range cmds {
		m, err := decodeMeta(cmd)
		if errors.Is(err, workshop.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load workshop %s: %w", ids[i], err)
		}
		out[i] = m
	}
	return out, nil
}

// CountsOf reads the totals of many workshops in one pipeline (which a
// Cluster client splits by slot).
func (s *Store) CountsOf(ctx context.Context, ids []string) ([]workshop.Counts, error) {
	reads := make([]func() workshop.Counts, len(ids))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			reads[i] = s.queueCounts(ctx, p, id)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("counts of %d workshops: %w", len(ids), err)
	}
	out := make([]workshop.Counts, len(ids))
	for i, read := range reads {
		out[i] = read()
	}
	return out, nil
}

// swapMetaScript saves a meta only when the stored one still has the rev
// the caller read. KEYS meta; ARGV rev read, new meta JSON. It returns 1
// when saved, 0 when the meta moved, -1 when it is gone.
var swapMetaScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
local ok, m = pcall(cjson.decode, cur)
if not ok or type(m) ~= 'table' or tonumber(m.rev) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// SwapMetas saves the swaps whose stored rev is still the one read, in one
// pipeline, then sets their due entries in a second. A due date moving
// earlier (or appearing) is lowered in the index first, as UpdateMeta
// does; the scheduler's own swaps only move it later, which needs no such
// round trip.
func (s *Store) SwapMetas(ctx context.Context, swaps []workshop.MetaSwap) ([]bool, error) {
	saved := make([]bool, len(swaps))
	if len(swaps) == 0 {
		return saved, nil
	}
	blobs := make([][]byte, len(swaps))
	var lower []goredis.Z
	for i, sw := range swaps {
		next := *sw.Next
		next.Rev = sw.Read.Rev + 1
		b, err := json.Marshal(&next)
		if err != nil {
			return nil, fmt.Errorf("swap workshop %s: %w", sw.Read.ID, err)
		}
		blobs[i] = b
		old, indexed := dueScore(sw.Read)
		if due, ok := dueScore(&next); ok && (!indexed || due < old) {
			lower = append(lower, goredis.Z{Score: due, Member: sw.Read.ID})
		}
	}
	if len(lower) > 0 {
		if err := s.c.ZAddLT(ctx, s.dueKeys()[0], lower...).Err(); err != nil {
			return nil, fmt.Errorf("swap %d workshops: index: %w", len(swaps), err)
		}
	}
	cmds := make([]*goredis.Cmd, len(swaps))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, sw := range swaps {
			cmds[i] = swapMetaScript.Eval(ctx, p, []string{s.wkey(sw.Read.ID, "meta")}, sw.Read.Rev, blobs[i])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("swap %d workshops: %w", len(swaps), err)
	}
	var done []*workshop.Meta
	for i, cmd := range cmds {
		if n, _ := cmd.Int(); n == 1 {
			saved[i] = true
			sw := swaps[i]
			sw.Next.Rev = sw.Read.Rev + 1
			_, was := dueScore(sw.Read)
			if _, is := dueScore(sw.Next); was || is {
				done = append(done, sw.Next)
			}
		}
	}
	if len(done) == 0 {
		return saved, nil
	}
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, m := range done {
			arg := ""
			if due, ok := dueScore(m); ok {
				arg = strconv.FormatFloat(due, 'f', 0, 64)
			}
			syncDueScript.Eval(ctx, p, s.dueKeys(), m.ID, m.Rev, arg)
		}
		return nil
	})
	if err != nil {
		// The metas are saved; their entries are early at worst.
		return saved, fmt.Errorf("swap %d workshops: index: %w", len(done), err)
	}
	return saved, nil
}

// ClaimAll claims many keys in one pipeline.
func (s *Store) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) ([]bool, error) {
	cmds := make([]*goredis.BoolCmd, len(keys))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.SetNX(ctx, s.prefix+":claim:"+k, "1", max(ttl, 0))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim %d keys: %w", len(keys), err)
	}
	out := make([]bool, len(keys))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// queueCounts queues the reads of a workshop's totals on p and returns what
// decodes them once p has run.
func (s *Store) queueCounts(ctx context.Context, p goredis.Pipeliner, id string) func() workshop.Counts {
	h := p.HGetAll(ctx, s.wkey(id, "counts"))
	people := p.ZRange(ctx, s.wkey(id, "people"), 0, -1)
	return func() workshop.Counts {
		c := workshop.Counts{Known: h.Val()[countsMark] != "", StepsKnown: h.Val()[stepsMark] != "", Items: map[workshop.Step]int{}, People: people.Val()}
		latest := ""
		for k, v := range h.Val() {
			if rest, ok := strings.CutPrefix(k, "s|"); ok {
				addStepPerson(&c, rest)
				continue
			}
			if strings.HasPrefix(k, "mt|") {
				ts, mt, _ := strings.Cut(v, "|")
				if latest == "" || tsBefore(latest, ts) {
					latest, c.MapType = ts, mt
				}
				continue
			}
			if st, ok := workshop.ParseStep(k); ok {
				n, _ := strconv.Atoi(v)
				c.Items[st] = n
			}
		}
		return c
	}
}

// addStepPerson adds the contributor of a "<step>|<round>|<user>" field
// to c.StepPeople.
func addStepPerson(c *workshop.Counts, field string) {
	key, rest, _ := strings.Cut(field, "|")
	r, user, ok := strings.Cut(rest, "|")
	step, known := workshop.ParseStep(key)
	round, err := strconv.Atoi(r)
	if !ok || !known || err != nil || user == "" {
		return
	}
	if c.StepPeople == nil {
		c.StepPeople = map[workshop.StepRound][]string{}
	}
	sr := workshop.StepRound{Step: step, Round: round}
	c.StepPeople[sr] = append(c.StepPeople[sr], user)
}

// tsBefore orders input timestamps as workshop.SortInputs does.
func tsBefore(a, b string) bool {
	x := []workshop.Input{{ID: "a", TS: a}, {ID: "b", TS: b}}
	workshop.SortInputs(x)
	return x[0].ID == "a" && a != b
}

func (s *Store) nameKey(id string) string { return s.prefix + ":name:{" + id + "}" }

// PutName caches a display name under a key of its own, which the server
// expires after ttl.
func (s *Store) PutName(ctx context.Context, id, name string, ttl time.Duration) error {
	if err := s.c.Set(ctx, s.nameKey(id), name, max(ttl, 0)).Err(); err != nil {
		return fmt.Errorf("put name %s: %w", id, err)
	}
	return nil
}

// Names reads the cached names in one pipeline of GETs: each id is its own
// key (and slot), so a Cluster client spreads the pipeline over the nodes
// where an MGET would fail with CROSSSLOT.
func (s *Store) Names(ctx context.Context, ids []string) (workshop.Names, error) {
	if len(ids) == 0 {
		return workshop.Names{}, nil
	}
	cmds := make([]*goredis.StringCmd, len(ids))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.nameKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("names: %w", err)
	}
	out := make(workshop.Names, len(ids))
	for i, c := range cmds {
		if v, err := c.Result(); err == nil {
			out[ids[i]] = v
		}
	}
	return out, nil
}

// Ping reports whether the store can take a write: in a Cluster every
// master must answer (a slot whose master is down refuses its workshops'
// replies), with Sentinels the current master.
func (s *Store) Ping(ctx context.Context) error {
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error {
			if err := n.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("%s: %w", n.Options().Addr, err)
			}
			return nil
		})
		if err != nil {
			cc.ReloadState(ctx)
			return fmt.Errorf("ping redis cluster: %w", err)
		}
		return nil
	}
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Close closes the client when Open made it; a client passed to New belongs
// to the caller.
func (s *Store) Close() error {
	if s.stopRefresh != nil {
		s.stopRefresh()
		<-s.refreshed
	}
	if !s.owned {
		return nil
	}
	return s.c.Close()
}
