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

// ClaimInbound starts taking a carrier's message id, for hold, and looks
// up the recipient number's owner, in one round trip. Carriers retry
// webhooks: First tells whether this delivery is the first; Busy that an
// attempt is under way (or its process died: the hold lets a later retry
// through). Taken ends the claim once the message is safe; Unsee drops it.
func (s *Store) ClaimInbound(ctx context.Context, carrier, id, number string, hold time.Duration) (Claim, error) {
	var first *redis.BoolCmd
	var owner *redis.MapStringStringCmd
	key := s.key("seen", carrier, id)
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		if id != "" {
			first = p.SetNX(ctx, key, "taking", hold)
		}
		owner = p.HGetAll(ctx, s.numKey(number))
		return func() error {
			if first != nil && first.Err() != nil {
				return first.Err()
			}
			return owner.Err()
		}
	})
	if err != nil {
		return Claim{}, fmt.Errorf("store: claim inbound: %w", err)
	}
	c := Claim{First: first == nil || first.Val()}
	if !c.First {
		// A retry, the rare case: is the first attempt still at it?
		v, err := s.rdb.Get(ctx, key).Result()
		switch {
		case errors.Is(err, redis.Nil):
			// Its hold lapsed just now: take it again.
			return s.ClaimInbound(ctx, carrier, id, number, hold)
		case err != nil:
			return Claim{}, fmt.Errorf("store: claim inbound: %w", err)
		}
		c.Busy = v == "taking"
	}
	if m := owner.Val(); len(m) > 0 {
		c.Owner = bindingFrom(number, m)
	}
	return c, nil
}

// Taken marks a claimed message id as delivered or safely queued, so that
// retries within ttl are dropped as duplicates; in the same round trip it
// remembers the messages delivered in their conversation (see Remember).
func (s *Store) Taken(ctx context.Context, carrier, id string, ttl time.Duration, rs ...Recent) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		var cmds []redis.Cmder
		if id != "" {
			cmds = append(cmds, p.Set(ctx, s.key("seen", carrier, id), "taken", ttl))
		}
		for i := range rs {
			cmds = append(cmds, s.remember(ctx, p, &rs[i])...)
		}
		return func() error { return firstErr(cmds) }
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

// track queues the commands of a tracking record and its expiry.
func (s *Store) track(ctx context.Context, p redis.Pipeliner, carrier, id string, sent Sent, ttl time.Duration) []redis.Cmder {
	receipt := "0"
	if sent.Receipt {
		receipt = "1"
	}
	key := s.key("track", carrier, id)
	return []redis.Cmder{
		p.HSet(ctx, key, "jid", sent.JID, "stanza", sent.StanzaID, "number", sent.Number, "receipt", receipt, "from", sent.From),
		p.PExpire(ctx, key, ttl),
	}
}

// Track remembers sent under the carrier's message id for ttl. Concurrent
// calls are written together (see batcher).
func (s *Store) Track(ctx context.Context, carrier, id string, sent Sent, ttl time.Duration) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmds := s.track(ctx, p, carrier, id, sent, ttl)
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
