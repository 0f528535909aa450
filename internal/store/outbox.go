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

// OutboxBegin is called before a job is sent. It reports OutboxNew (and
// marks the job in flight for ttl), OutboxInDoubt when an earlier send of
// it was cut short (its consumer died between marking and recording), or
// OutboxSent with the carrier's id. A new job one of whose recipients tos
// opted out of texts from from is not marked: optedOut names the first.
func (s *Store) OutboxBegin(ctx context.Context, key string, ttl time.Duration, from string, tos []string) (state, carrierID, optedOut string, err error) {
	mark := s.obKey("sent", key)
	var set *redis.BoolCmd
	opts := make([]*redis.IntCmd, len(tos))
	err = s.batched(ctx, func(p redis.Pipeliner) func() error {
		for i, to := range tos {
			opts[i] = p.Exists(ctx, s.optKey(from, to))
		}
		set = p.SetNX(ctx, mark, "", ttl)
		return func() error {
			for _, o := range opts {
				if o.Err() != nil {
					return o.Err()
				}
			}
			return set.Err()
		}
	})
	if err != nil {
		return "", "", "", fmt.Errorf("store: outbox begin: %w", err)
	}
	if !set.Val() {
		// Seen before, the rare case: in flight when its consumer died, or
		// sent.
		v, err := s.rdb.Get(ctx, mark).Result()
		switch {
		case errors.Is(err, redis.Nil):
			return s.OutboxBegin(ctx, key, ttl, from, tos) // expired just now
		case err != nil:
			return "", "", "", fmt.Errorf("store: outbox begin: %w", err)
		case v == "":
			return OutboxInDoubt, "", "", nil
		}
		return OutboxSent, v, "", nil
	}
	for i, o := range opts {
		if o.Val() > 0 {
			return OutboxNew, "", tos[i], nil
		}
	}
	return OutboxNew, "", "", nil
}

// OutboxDone finishes entry: when carrierID is set the job key is marked
// sent for ttl (so that a redelivered copy is never sent again) and after,
// if set, is written (the delivery tracking record, the conversation's
// recent entry); then the entry is acknowledged and deleted with its body.
// The commands run in that order in one pipeline: a crash between them
// leaves the entry with its mark, which a redelivery honours.
func (s *Store) OutboxDone(ctx context.Context, entry, key, carrierID string, ttl time.Duration, after *AfterSend) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		var cmds []redis.Cmder
		if carrierID != "" {
			cmds = append(cmds, p.Set(ctx, s.obKey("sent", key), carrierID, ttl))
			if after != nil {
				cmds = append(cmds, s.track(ctx, p, after.Carrier, carrierID, after.Sent, after.TTL)...)
				cmds = append(cmds, s.remember(ctx, p, after.Recent)...)
			}
		}
		cmds = append(cmds, p.XAck(ctx, s.obKey("q"), outboxGroup, entry), p.XDel(ctx, s.obKey("q"), entry))
		return func() error { return firstErr(cmds) }
	})
	if err != nil {
		return fmt.Errorf("store: outbox done: %w", err)
	}
	return nil
}

// AfterSend is what OutboxDone writes once a carrier took a job.
type AfterSend struct {
	Carrier string
	Sent    Sent
	TTL     time.Duration
	Recent  *Recent
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
