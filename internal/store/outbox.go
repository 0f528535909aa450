package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outbound queue: a Redis stream read through a consumer group, a
// sorted set of entries waiting for a retry, and one "sent" marker per
// accepted stanza. They share the {ob} hash tag so that the scripts below,
// which move an entry between them, are atomic on Redis Cluster too.
//
//	sb:{ob}:q          stream  f=<job>                     accepted, not yet sent
//	sb:{ob}:retry      zset    <job> scored by due (unix ms)  waiting for a retry
//	sb:{ob}:sent:<key> string  "" while in flight, then the carrier's id; expires
//	sb:{ob}:optout:<from>:<to> string  the recipient opted out; expires after a year
//
// A job holds the message body until it is sent or given up; then the
// entry is deleted, not only acknowledged, so no body stays at rest.

// OutboxEntry is one queued job as the stream holds it.
type OutboxEntry struct {
	ID  string // stream entry id
	Job []byte
}

const outboxGroup = "senders"

func (s *Store) obKey(parts ...string) string {
	return s.key(append([]string{"{ob}"}, parts...)...)
}

// OutboxAdd appends a job to the queue. It returns once Redis has it; how
// durable that is depends on Redis's own persistence (appendfsync always
// for "a crash of Redis loses nothing").
func (s *Store) OutboxAdd(ctx context.Context, job []byte) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmd := p.XAdd(ctx, &redis.XAddArgs{Stream: s.obKey("q"), Values: []string{"j", string(job)}})
		return cmd.Err
	})
	if err != nil {
		return fmt.Errorf("store: outbox add: %w", err)
	}
	return nil
}

// OutboxRead returns up to n jobs for consumer. With after "", new ones,
// waiting up to block for them; otherwise those it was given before and
// never finished (after a restart under the same name), from the entry
// after the id after ("0": from the start).
func (s *Store) OutboxRead(ctx context.Context, consumer, after string, n int, block time.Duration) ([]OutboxEntry, error) {
	if after != "" {
		return s.outboxRead(ctx, consumer, after, n, -1)
	}
	return s.outboxRead(ctx, consumer, ">", n, block)
}

func (s *Store) outboxRead(ctx context.Context, consumer, from string, n int, block time.Duration) ([]OutboxEntry, error) {
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: outboxGroup, Consumer: consumer, Streams: []string{s.obKey("q"), from}, Count: int64(n), Block: block,
	}).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if err = s.outboxGroup(ctx); err == nil {
			return s.outboxRead(ctx, consumer, from, n, block)
		}
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: outbox read: %w", err)
	}
	var out []OutboxEntry
	for _, st := range res {
		for _, m := range st.Messages {
			j, _ := m.Values["j"].(string)
			out = append(out, OutboxEntry{ID: m.ID, Job: []byte(j)})
		}
	}
	return out, nil
}

func (s *Store) outboxGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.obKey("q"), outboxGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("store: outbox group: %w", err)
	}
	return nil
}

// OutboxClaim takes over up to n jobs another consumer was given more than
// minIdle ago and never finished: that consumer died (kill -9, a lost
// host) before it could.
func (s *Store) OutboxClaim(ctx context.Context, consumer string, minIdle time.Duration, n int) ([]OutboxEntry, error) {
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.obKey("q"), Group: outboxGroup, Consumer: consumer, MinIdle: minIdle, Start: "0", Count: int64(n),
	}).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		return nil, s.outboxGroup(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("store: outbox claim: %w", err)
	}
	var out []OutboxEntry
	for _, m := range msgs {
		j, _ := m.Values["j"].(string)
		out = append(out, OutboxEntry{ID: m.ID, Job: []byte(j)})
	}
	return out, nil
}

// Job states OutboxBegin reports.
const (
	OutboxNew     = "new"   // never tried: go ahead (now marked in flight)
	OutboxInDoubt = "doubt" // a send was under way when its consumer died
	OutboxSent    = "sent"  // sent before; the carrier's id comes with it
)

// outboxBeginScript reads a job's marker and, for a new job, marks it in
// flight, in one step.
var outboxBeginScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == '' then return {'doubt', ''} end
if v then return {'sent', v} end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {'optout', tostring(i - 1)} end
end
redis.call('SET', KEYS[1], '', 'PX', ARGV[1])
return {'new', ''}
`)

// OutboxBegin is called before a job is sent. It reports OutboxNew (and
// marks the job in flight for ttl), OutboxInDoubt when an earlier send of
// it was cut short (its consumer died between marking and recording), or
// OutboxSent with the carrier's id. A new job one of whose recipients tos
// opted out of texts from from is not marked: optedOut names the first.
func (s *Store) OutboxBegin(ctx context.Context, key string, ttl time.Duration, from string, tos []string) (state, carrierID, optedOut string, err error) {
	keys := []string{s.obKey("sent", key)}
	for _, to := range tos {
		keys = append(keys, s.optKey(from, to))
	}
	var begin *redis.Cmd
	err = s.batched(ctx, func(p redis.Pipeliner) func() error {
		begin = outboxBeginScript.EvalSha(ctx, p, keys, ttl.Milliseconds())
		return begin.Err
	})
	var res []string
	if err == nil {
		res, err = begin.StringSlice()
	}
	if err != nil || len(res) != 2 {
		return "", "", "", fmt.Errorf("store: outbox begin: %w", err)
	}
	if res[0] == "optout" {
		// Not marked in flight: it will not be sent.
		i, _ := strconv.Atoi(res[1])
		if i >= 1 && i <= len(tos) {
			optedOut = tos[i-1]
		}
		return OutboxNew, "", optedOut, nil
	}
	return res[0], res[1], "", nil
}

// outboxDoneScript records the carrier's id (when there is one) before it
// acknowledges and deletes the entry, in one step.
var outboxDoneScript = redis.NewScript(`
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
`)

// OutboxDone finishes entry: when carrierID is set the job key is marked
// sent for ttl (so that a redelivered copy is never sent again), then the
// entry is acknowledged and deleted with its body. A job finished without
// an id (failed) keeps its in-flight marker until it expires.
func (s *Store) OutboxDone(ctx context.Context, entry, key, carrierID string, ttl time.Duration) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmd := outboxDoneScript.EvalSha(ctx, p, []string{s.obKey("q"), s.obKey("sent", key)},
			outboxGroup, entry, carrierID, ttl.Milliseconds())
		return cmd.Err
	})
	if err != nil {
		return fmt.Errorf("store: outbox done: %w", err)
	}
	return nil
}

// outboxRetryScript moves an entry to the retry set in one step.
var outboxRetryScript = redis.NewScript(`
if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
`)

// OutboxRetry replaces entry by job (its attempt count updated), to be
// queued again at due. With key, the job's in-flight mark is cleared: the
// carrier refused the send, so the next one is not in doubt.
func (s *Store) OutboxRetry(ctx context.Context, entry, key string, job []byte, due time.Time) error {
	clear := "0"
	if key != "" {
		clear = "1"
	}
	err := outboxRetryScript.Run(ctx, s.rdb, []string{s.obKey("q"), s.obKey("retry"), s.obKey("sent", key)},
		outboxGroup, entry, due.UnixMilli(), job, clear).Err()
	if err != nil {
		return fmt.Errorf("store: outbox retry: %w", err)
	}
	return nil
}

// outboxDueScript moves the retries that are due back into the stream.
var outboxDueScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, j in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', 'j', j)
  redis.call('ZREM', KEYS[2], j)
end
return #due
`)

// OutboxDue queues again up to n retries whose time has come; it returns
// how many, and when the next one is due (zero when none waits).
func (s *Store) OutboxDue(ctx context.Context, now time.Time, n int) (moved int, next time.Time, err error) {
	moved, err = outboxDueScript.Run(ctx, s.rdb, []string{s.obKey("q"), s.obKey("retry")}, now.UnixMilli(), n).Int()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: outbox due: %w", err)
	}
	first, err := s.rdb.ZRangeWithScores(ctx, s.obKey("retry"), 0, 0).Result()
	if err != nil {
		return moved, time.Time{}, fmt.Errorf("store: outbox due: %w", err)
	}
	if len(first) > 0 {
		next = time.UnixMilli(int64(first[0].Score))
	}
	return moved, next, nil
}

// OutboxLen counts the jobs queued, waiting for a retry, and handed to a
// consumer but not finished; for health and tests.
func (s *Store) OutboxLen(ctx context.Context) (queued, retrying int64, err error) {
	q, err := s.rdb.XLen(ctx, s.obKey("q")).Result()
	if err != nil {
		return 0, 0, fmt.Errorf("store: outbox len: %w", err)
	}
	r, err := s.rdb.ZCard(ctx, s.obKey("retry")).Result()
	if err != nil {
		return 0, 0, fmt.Errorf("store: outbox len: %w", err)
	}
	return q, r, nil
}

// optKey is the opt-out marker of one (sender, recipient) pair. It shares
// the queue's slot, so that OutboxBegin's script reads it on a cluster too.
func (s *Store) optKey(from, to string) string { return s.obKey("optout", from, to) }

// OptOut remembers that to opted out of texts from from (the carrier
// reported it), for ttl.
func (s *Store) OptOut(ctx context.Context, from, to string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.optKey(from, to), strconv.FormatInt(time.Now().Unix(), 10), ttl).Err(); err != nil {
		return fmt.Errorf("store: opt out: %w", err)
	}
	return nil
}

// OptIn forgets an opt-out: the recipient texted START, or a delivery
// succeeded again.
func (s *Store) OptIn(ctx context.Context, from, to string) error {
	if err := s.rdb.Del(ctx, s.optKey(from, to)).Err(); err != nil {
		return fmt.Errorf("store: opt in: %w", err)
	}
	return nil
}
