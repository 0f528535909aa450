package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A user's command sessions (XEP-0050, and chat text) are a hash of
// session id -> JSON and a sorted set of the ids by expiry, sharing one
// slot per owner so that a script can bound them.
func (s *Store) sessionKeys(owner string) []string {
	slot := "{cmd:" + owner + "}"
	return []string{s.key(slot, "s"), s.key(slot, "exp")}
}

// putSessionScript keeps ARGV[2] as session ARGV[1] until ARGV[4] (unix
// ms), after dropping the owner's expired sessions (ARGV[3] is now) and,
// for a new session, its oldest beyond ARGV[5]; both keys live ARGV[6] ms.
var putSessionScript = redis.NewScript(`
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])) do redis.call('HDEL', KEYS[1], k) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
  if over >= 0 then
    for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, over)) do
      redis.call('HDEL', KEYS[1], k)
      redis.call('ZREM', KEYS[2], k)
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`)

// getSessionScript returns session ARGV[1] unless it expired (ARGV[2] is
// now, unix ms).
var getSessionScript = redis.NewScript(`
local exp = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not exp or tonumber(exp) <= tonumber(ARGV[2]) then return false end
return redis.call('HGET', KEYS[1], ARGV[1])
`)

// PutSession keeps data as owner's command session id for ttl. An owner
// starting a session while holding max loses its oldest ones.
func (s *Store) PutSession(ctx context.Context, owner, id string, data []byte, ttl time.Duration, max int) error {
	now := time.Now()
	err := putSessionScript.Run(ctx, s.rdb, s.sessionKeys(owner), id, data,
		now.UnixMilli(), now.Add(ttl).UnixMilli(), max, ttl.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns owner's session id, or nil when there is none (or it
// expired).
func (s *Store) Session(ctx context.Context, owner, id string) ([]byte, error) {
	b, err := getSessionScript.Run(ctx, s.rdb, s.sessionKeys(owner), id, strconv.FormatInt(time.Now().UnixMilli(), 10)).Text()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	return []byte(b), nil
}

// DeleteSession forgets owner's session id.
func (s *Store) DeleteSession(ctx context.Context, owner, id string) error {
	keys := s.sessionKeys(owner)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, keys[0], id)
		p.ZRem(ctx, keys[1], id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
