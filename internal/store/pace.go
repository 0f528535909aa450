package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// paceScript books the next free slot of each key: KEYS[i] holds the
// time, in Redis's own clock (ms), from which its next send may go;
// ARGV[i] is its interval in ms. It returns how many ms from now the send
// may go, the latest of its keys' slots: an answer relative to Redis's
// clock, so that the instances' clocks need not agree.
var paceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, k in ipairs(KEYS) do
  local every = tonumber(ARGV[i])
  local at = math.max(tonumber(redis.call('GET', k) or '0'), now)
  redis.call('SET', k, at + every, 'PX', at + every - now + 1000)
  wait = math.max(wait, at - now)
end
return wait
`)

// Pace books the next send of each of keys, at most one per every[i], for
// all the instances sharing this Redis, and returns how long from now that
// send may go. The keys share a hash slot, so a Redis Cluster takes them
// in one script.
func (s *Store) Pace(ctx context.Context, keys []string, every []time.Duration) (time.Duration, error) {
	if len(keys) != len(every) {
		return 0, fmt.Errorf("store: pace: %d keys, %d intervals", len(keys), len(every))
	}
	ks := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		ks[i] = s.key("{pace}", k)
		args[i] = max(every[i].Milliseconds(), 1)
	}
	ms, err := paceScript.Run(ctx, s.rdb, ks, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: pace: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
