package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Claim is what ClaimInbound learned about an inbound message.
type Claim struct {
	First bool // not seen before (always true without an id)
	// Busy: another attempt at the same message is under way (or died
	// less than the claim's hold ago); the carrier should retry later.
	Busy  bool
	Owner Binding // Number is empty when nobody owns the recipient number
}

// claimScript takes an inbound message id for hold milliseconds ("taking"),
// or reports it taken (done) or being taken (busy).
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'taking', 'PX', ARGV[1])
  return 'first'
end
if v == 'taking' then return 'busy' end
return 'seen'
`)

// ClaimInbound starts taking a carrier's message id, for hold, and looks
// up the recipient number's owner, in one round trip. Carriers retry
// webhooks: First tells whether this delivery is the first; Busy that an
// attempt is under way (or its process died: the hold lets a later retry
// through). Taken ends the claim once the message is safe; Unsee drops it.
func (s *Store) ClaimInbound(ctx context.Context, carrier, id, number string, hold time.Duration) (Claim, error) {
	var seen *redis.Cmd
	var owner *redis.MapStringStringCmd
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		if id != "" {
			seen = claimScript.EvalSha(ctx, p, []string{s.key("seen", carrier, id)}, hold.Milliseconds())
		}
		owner = p.HGetAll(ctx, s.numKey(number))
		return func() error {
			if seen != nil && seen.Err() != nil {
				return seen.Err()
			}
			return owner.Err()
		}
	})
	if err != nil {
		return Claim{}, fmt.Errorf("store: claim inbound: %w", err)
	}
	c := Claim{First: true}
	if seen != nil {
		v, _ := seen.Text()
		c.First, c.Busy = v == "first", v == "busy"
	}
	if m := owner.Val(); len(m) > 0 {
		c.Owner = bindingFrom(number, m)
	}
	return c, nil
}

// Taken marks a claimed message id as delivered or safely queued, so that
// retries within ttl are dropped as duplicates.
func (s *Store) Taken(ctx context.Context, carrier, id string, ttl time.Duration) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		return p.Set(ctx, s.key("seen", carrier, id), "taken", ttl).Err
	})
	if err != nil {
		return fmt.Errorf("store: taken: %w", err)
	}
	return nil
}

// Unsee forgets id so that a retried webhook is taken again; used when the
// first attempt could not be accepted.
func (s *Store) Unsee(ctx context.Context, carrier, id string) error {
	if err := s.rdb.Del(ctx, s.key("seen", carrier, id)).Err(); err != nil {
		return fmt.Errorf("store: unsee: %w", err)
	}
	return nil
}

// Sent is what the gateway remembers about a message it sent, to turn the
// carrier's delivery reports into XMPP receipts and errors. No body.
type Sent struct {
	JID      string // full JID of the sender
	StanzaID string
	Number   string // the recipient (a group's first)
	From     string // the sending number
	Receipt  bool   // the sender asked for a XEP-0184 receipt
}

// trackScript writes a tracking record and its expiry in one command
// (cheaper than MULTI/EXEC, and as atomic).
var trackScript = redis.NewScript(`
redis.call('HSET', KEYS[1], 'jid', ARGV[1], 'stanza', ARGV[2], 'number', ARGV[3], 'receipt', ARGV[4], 'from', ARGV[6])
return redis.call('PEXPIRE', KEYS[1], ARGV[5])
`)

// Track remembers sent under the carrier's message id for ttl. Concurrent
// calls are written together (see batcher).
func (s *Store) Track(ctx context.Context, carrier, id string, sent Sent, ttl time.Duration) error {
	receipt := "0"
	if sent.Receipt {
		receipt = "1"
	}
	key := s.key("track", carrier, id)
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmd := trackScript.EvalSha(ctx, p, []string{key}, sent.JID, sent.StanzaID, sent.Number, receipt, ttl.Milliseconds(), sent.From)
		return cmd.Err
	})
	if err != nil {
		return fmt.Errorf("store: track: %w", err)
	}
	return nil
}

// TrackRecent is Track and Remember in one round trip, for a sent message
// that a reaction may later quote.
func (s *Store) TrackRecent(ctx context.Context, carrier, id string, sent Sent, ttl time.Duration, conv string, entry []byte, keep int, recentTTL time.Duration) error {
	receipt := "0"
	if sent.Receipt {
		receipt = "1"
	}
	key, rkey := s.key("track", carrier, id), s.key("recent", conv)
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmds := []redis.Cmder{
			trackScript.EvalSha(ctx, p, []string{key}, sent.JID, sent.StanzaID, sent.Number, receipt, ttl.Milliseconds(), sent.From),
			p.RPush(ctx, rkey, entry),
			p.LTrim(ctx, rkey, int64(-keep), -1),
			p.PExpire(ctx, rkey, recentTTL),
		}
		return func() error { return firstErr(cmds) }
	})
	if err != nil {
		return fmt.Errorf("store: track: %w", err)
	}
	return nil
}

func firstErr(cmds []redis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Tracked returns what Track stored, or ErrNotFound.
func (s *Store) Tracked(ctx context.Context, carrier, id string) (Sent, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("track", carrier, id)).Result()
	if err != nil {
		return Sent{}, fmt.Errorf("store: tracked: %w", err)
	}
	if len(m) == 0 {
		return Sent{}, ErrNotFound
	}
	return Sent{JID: m["jid"], StanzaID: m["stanza"], Number: m["number"], From: m["from"], Receipt: m["receipt"] == "1"}, nil
}

// Untrack forgets a message once its final status is handled.
func (s *Store) Untrack(ctx context.Context, carrier, id string) error {
	if err := s.rdb.Del(ctx, s.key("track", carrier, id)).Err(); err != nil {
		return fmt.Errorf("store: untrack: %w", err)
	}
	return nil
}

// PushPending appends an encoded inbound message for later delivery to XMPP.
// The whole list expires ttl after the newest entry.
func (s *Store) PushPending(ctx context.Context, item []byte, ttl time.Duration) error {
	pipe := s.rdb.TxPipeline()
	pipe.RPush(ctx, s.key("pending"), item)
	pipe.Expire(ctx, s.key("pending"), ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: push pending: %w", err)
	}
	return nil
}

// PeekPending returns the oldest pending item without removing it, or
// ErrNotFound.
func (s *Store) PeekPending(ctx context.Context) ([]byte, error) {
	b, err := s.rdb.LIndex(ctx, s.key("pending"), 0).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: peek pending: %w", err)
	}
	return b, nil
}

// AckPending removes item once it was delivered.
func (s *Store) AckPending(ctx context.Context, item []byte) error {
	if err := s.rdb.LRem(ctx, s.key("pending"), 1, item).Err(); err != nil {
		return fmt.Errorf("store: ack pending: %w", err)
	}
	return nil
}
