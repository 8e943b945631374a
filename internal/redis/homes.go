package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Homes (workshop.Homes), with p the prefix:
//
//	p:home:{U123}    hash: channels (JSON list), v (last version begun), pub (last version claimed); expires ttl after PutHome
//	p:homes:{C123}   sorted set of the users with a home who are in the channel, scored by when it is forgotten (unix ms)
//
// A person's home is one key, so its scripts stay in one slot; each
// channel's index is a key of its own, written in one pipeline (which a
// Cluster client splits by slot).

func (s *Store) homeKey(user string) string     { return s.prefix + ":home:{" + user + "}" }
func (s *Store) homesKey(channel string) string { return s.prefix + ":homes:{" + channel + "}" }

var (
	// KEYS home; ARGV channels JSON, ttl ms. Returns the channels it
	// replaces (nil for a new home).
	putHomeScript = goredis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'channels')
redis.call('HSET', KEYS[1], 'channels', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return old
`)
	// KEYS a channel's index; ARGV user, forgotten at (unix ms), now (unix
	// ms), ttl ms. The index expires with its last member: a shorter ttl
	// never cuts the others'.
	indexHomeScript = goredis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`)
	// KEYS home. Returns {version, channels JSON}, or nil for a home not
	// remembered, which it leaves uncreated.
	beginHomeScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
return {v, redis.call('HGET', KEYS[1], 'channels')}
`)
	// KEYS home; ARGV version.
	claimHomeScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'pub') or '0')
local v = tonumber(ARGV[1])
if cur > v then return 0 end
if cur < v then redis.call('HSET', KEYS[1], 'pub', ARGV[1]) end
return 1
`)
)

// minHomeTTL is the shortest time a home is remembered (PEXPIRE needs a
// positive time).
const minHomeTTL = time.Millisecond

// PutHome remembers user's home and its channels for ttl: the home's hash
// in one script (which returns the channels it replaces), then, in one
// pipeline, user in the index of each channel (a script per channel) and
// out of those left; expired index entries go as their channel is written.
func (s *Store) PutHome(ctx context.Context, user string, channels []string, ttl time.Duration) error {
	ttl = max(ttl, minHomeTTL)
	channels = slices.Compact(slices.Sorted(slices.Values(channels)))
	data, err := json.Marshal(channels)
	if err != nil {
		return fmt.Errorf("put home %s: %w", user, err)
	}
	old, err := putHomeScript.Run(ctx, s.c, []string{s.homeKey(user)}, data, ttl.Milliseconds()).Text()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("put home %s: %w", user, err)
	}
	var was []string
	if old != "" {
		_ = json.Unmarshal([]byte(old), &was) // unreadable: nothing to take out
	}
	now := time.Now()
	until := now.Add(ttl).UnixMilli()
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, c := range channels {
			indexHomeScript.Eval(ctx, p, []string{s.homesKey(c)}, user, until, now.UnixMilli(), ttl.Milliseconds())
		}
		for _, c := range was {
			if _, in := slices.BinarySearch(channels, c); !in {
				p.ZRem(ctx, s.homesKey(c), user)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put home %s: index its channels: %w", user, err)
	}
	return nil
}

// HomesFor reads the channel's index and whether each of users has a home,
// in one pipeline.
func (s *Store) HomesFor(ctx context.Context, channel string, users []string) ([]string, error) {
	var inChannel *goredis.StringSliceCmd
	exists := make([]*goredis.IntCmd, len(users))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		if channel != "" {
			now := strconv.FormatInt(time.Now().UnixMilli(), 10)
			inChannel = p.ZRangeByScore(ctx, s.homesKey(channel), &goredis.ZRangeBy{Min: "(" + now, Max: "+inf"})
		}
		for i, u := range users {
			exists[i] = p.Exists(ctx, s.homeKey(u))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("homes for %s: %w", channel, err)
	}
	var out []string
	if inChannel != nil {
		out = append(out, inChannel.Val()...)
	}
	for i, u := range users {
		if exists[i].Val() > 0 {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// BeginHome bumps the home's version in one script.
func (s *Store) BeginHome(ctx context.Context, user string) (int64, []string, bool, error) {
	res, err := beginHomeScript.Run(ctx, s.c, []string{s.homeKey(user)}).Slice()
	if errors.Is(err, goredis.Nil) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("begin home %s: %w", user, err)
	}
	if len(res) != 2 {
		return 0, nil, false, fmt.Errorf("begin home %s: unexpected reply %v", user, res)
	}
	v, _ := res[0].(int64)
	var channels []string
	if data, ok := res[1].(string); ok {
		if err := json.Unmarshal([]byte(data), &channels); err != nil {
			return 0, nil, false, fmt.Errorf("begin home %s: %w", user, err)
		}
	}
	return v, channels, true, nil
}

// ClaimHome compares and sets the claimed version in one script.
func (s *Store) ClaimHome(ctx context.Context, user string, version int64) (bool, error) {
	n, err := claimHomeScript.Run(ctx, s.c, []string{s.homeKey(user)}, version).Int64()
	if err != nil {
		return false, fmt.Errorf("claim home %s: %w", user, err)
	}
	return n == 1, nil
}
