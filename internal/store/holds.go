package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// holdScript gives KEYS[1] to ARGV[1] for ARGV[2] ms unless another
// holder has it, and returns the holder: ARGV[1] when the hold is (now)
// theirs. A holder taking it again extends it.
var holdScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`)

// unholdScript deletes KEYS[1] if ARGV[1] holds it.
var unholdScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

func (s *Store) holdKey(name string) string { return s.key("hold", name) }

// Hold gives the thing called name (a number a sign-up picked, "num:+1…")
// to holder (a bare JID) for ttl, unless someone else holds it; it returns
// who holds it now. The hold lapses by itself after ttl, so a sign-up left
// half way frees its number; holding again extends it.
func (s *Store) Hold(ctx context.Context, name, holder string, ttl time.Duration) (string, error) {
	if holder == "" || ttl <= 0 {
		return "", fmt.Errorf("store: hold %q: no holder or no time", name)
	}
	cur, err := holdScript.Run(ctx, s.rdb, []string{s.holdKey(name)}, holder, ttl.Milliseconds()).Text()
	if err != nil {
		return "", fmt.Errorf("store: hold: %w", err)
	}
	return cur, nil
}

// Unhold lets name go if holder holds it; otherwise it does nothing.
func (s *Store) Unhold(ctx context.Context, name, holder string) error {
	if err := unholdScript.Run(ctx, s.rdb, []string{s.holdKey(name)}, holder).Err(); err != nil {
		return fmt.Errorf("store: unhold: %w", err)
	}
	return nil
}

// Exchange sets the thing called name to value for ttl and returns what it
// was ("" for nothing): a holder's pointer to what it holds now.
func (s *Store) Exchange(ctx context.Context, name, value string, ttl time.Duration) (string, error) {
	old, err := s.rdb.SetArgs(ctx, s.holdKey(name), value, redis.SetArgs{TTL: ttl, Get: true}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("store: exchange: %w", err)
	}
	return old, nil
}

// Holders returns who holds each of names ("" for nobody), in one round
// trip.
func (s *Store) Holders(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = s.holdKey(n)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("store: holders: %w", err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i], _ = v.(string)
	}
	return out, nil
}

// countScript adds one to KEYS[1], which lives ARGV[1] ms from its first
// count, and returns the count.
var countScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)

// Count counts one more of name (e.g. a JID's number searches) in a
// window that starts at its first count, and returns the count so far.
func (s *Store) Count(ctx context.Context, name string, window time.Duration) (int64, error) {
	n, err := countScript.Run(ctx, s.rdb, []string{s.key("count", name)}, window.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return n, nil
}
