package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The voicemail ledger bounds what recordings may take of Redis's memory,
// across gateway instances: a byte budget for all stored recordings and a
// cap of recordings per number per hour. Before it answers a call for
// voicemail, an instance reserves the largest recording it may make;
// once the recording is stored the reservation becomes its real size
// until it expires with the recording. A reservation whose instance died
// lapses at its own expiry. Entries leave the ledger when they expire, so
// the bytes counted shrink as recordings do.
//
//	sb:{vm}:bytes        string  bytes counted (reservations and recordings)
//	sb:{vm}:expiry       zset    entry id scored by expiry (unix ms)
//	sb:{vm}:size         hash    entry id -> bytes
//	sb:{vm}:num:<E164>   zset    entry id scored by reservation time; expires after an hour
//
// They share the {vm} hash tag so that one script updates them on Redis
// Cluster too. None but the per-number sets has a TTL: they shrink as
// their entries expire.

// Voicemail refusals.
var (
	ErrVoicemailHourly = errors.New("store: the number has had its voicemail recordings for this hour")
	ErrVoicemailBudget = errors.New("store: the voicemail budget is spent")
)

// VoicemailLimits are the ledger's caps.
type VoicemailLimits struct {
	PerHour int   // recordings per number in any hour
	Budget  int64 // bytes of all recordings and reservations
}

// vmKeys are the ledger's keys, and number's hourly set when number is
// not empty.
func (s *Store) vmKeys(number string) []string {
	keys := []string{s.key("{vm}", "bytes"), s.key("{vm}", "expiry"), s.key("{vm}", "size")}
	if number != "" {
		keys = append(keys, s.key("{vm}", "num", number))
	}
	return keys
}

// vmPrune forgets the entries that expired by ARGV[1] (unix ms), at most
// 1000 a call (the rest go next time; until then the count is high, never
// low).
const vmPrune = `
local now = tonumber(ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(gone) do
  local size = tonumber(redis.call('HGET', KEYS[3], id) or '0')
  redis.call('DECRBY', KEYS[1], size)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
end
`

// reserveScript: ARGV now, id, bytes, expiry (ms), per hour, budget.
// Returns 0 (reserved), 1 (over the hourly cap), 2 (over the budget).
var reserveScript = redis.NewScript(vmPrune + `
local hour = now - 3600000
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', hour)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[5]) then return 1 end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[3]) > tonumber(ARGV[6]) then return 2 end
redis.call('INCRBY', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], now, ARGV[2])
redis.call('PEXPIRE', KEYS[4], 3600000)
return 0
`)

// settleScript: ARGV now, id, bytes, expiry (ms). The entry counts bytes
// until expiry, whether or not its reservation is still there.
var settleScript = redis.NewScript(vmPrune + `
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
redis.call('INCRBY', KEYS[1], tonumber(ARGV[3]) - old)
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return 0
`)

// releaseScript: ARGV id. The number's hourly count keeps the entry.
var vmReleaseScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old then
  redis.call('DECRBY', KEYS[1], old)
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 0
`)

// usedScript: ARGV now. Returns the bytes counted.
var usedScript = redis.NewScript(vmPrune + `
return tonumber(redis.call('GET', KEYS[1]) or '0')
`)

// ReserveVoicemail reserves size bytes until expiry under id for a
// recording to number, unless the number has had lim.PerHour recordings in
// the hour before now (ErrVoicemailHourly) or the budget has no room left
// (ErrVoicemailBudget).
func (s *Store) ReserveVoicemail(ctx context.Context, now time.Time, id, number string, size int64, expiry time.Time, lim VoicemailLimits) error {
	res, err := reserveScript.Run(ctx, s.rdb, s.vmKeys(number), now.UnixMilli(), id, size, expiry.UnixMilli(), lim.PerHour, lim.Budget).Int()
	switch {
	case err != nil:
		return fmt.Errorf("store: reserve voicemail: %w", err)
	case res == 1:
		return ErrVoicemailHourly
	case res == 2:
		return ErrVoicemailBudget
	}
	return nil
}

// SettleVoicemail turns id's reservation into a stored recording of size
// bytes that counts until expiry.
func (s *Store) SettleVoicemail(ctx context.Context, now time.Time, id string, size int64, expiry time.Time) error {
	if err := settleScript.Run(ctx, s.rdb, s.vmKeys(""), now.UnixMilli(), id, size, expiry.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("store: settle voicemail: %w", err)
	}
	return nil
}

// ReleaseVoicemail gives id's bytes back (the caller left no message, or
// it could not be stored). The recording still counts in its number's
// hour.
func (s *Store) ReleaseVoicemail(ctx context.Context, id string) error {
	if err := vmReleaseScript.Run(ctx, s.rdb, s.vmKeys(""), id).Err(); err != nil {
		return fmt.Errorf("store: release voicemail: %w", err)
	}
	return nil
}

// VoicemailBytes returns the bytes the budget counts at now.
func (s *Store) VoicemailBytes(ctx context.Context, now time.Time) (int64, error) {
	n, err := usedScript.Run(ctx, s.rdb, s.vmKeys(""), now.UnixMilli()).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: voicemail bytes: %w", err)
	}
	return n, nil
}
