package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// moveScript moves every number of KEYS[1] (from's zset) to KEYS[2]
// (to's), from's settings KEYS[3] to KEYS[4] and from's voicemail greeting
// KEYS[5] to KEYS[6]: ARGV to, the number key
// prefix, from. The number keys share the {b} slot with these.
var moveScript = redis.NewScript(`
local has = redis.call('ZCARD', KEYS[2]) > 0
local nums = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
if has then
  if #nums == 0 then return 'replay' end
  return 'taken'
end
if #nums == 0 then return 'none' end
for i = 1, #nums, 2 do
  local nk = ARGV[2] .. nums[i]
  if redis.call('HGET', nk, 'jid') == ARGV[3] then
    redis.call('HSET', nk, 'jid', ARGV[1])
    redis.call('ZADD', KEYS[2], nums[i + 1], nums[i])
  end
end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[4]) end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('RENAME', KEYS[5], KEYS[6]) end
return 'ok'
`)

// MoveUser gives every number of the bare JID from, its settings and its
// voicemail greeting to the bare JID to, in one step: for a change of
// Jabber ID. to must hold no number (ErrTaken); from must hold one
// (ErrNotFound). A move already
// done (from holds none, to holds some) returns nil, so a retry is
// harmless. Settings (and a greeting) to had of its own are replaced by
// from's.
func (s *Store) MoveUser(ctx context.Context, from, to string) error {
	if from == to {
		return fmt.Errorf("store: move: %q to itself", from)
	}
	res, err := moveScript.Run(ctx, s.rdb,
		[]string{s.jidKey(from), s.jidKey(to), s.settingsKey(from), s.settingsKey(to), s.greetKey(from), s.greetKey(to)},
		to, s.numKey(""), from).Text()
	if err != nil {
		return fmt.Errorf("store: move: %w", err)
	}
	switch res {
	case "taken":
		return fmt.Errorf("%w (%s)", ErrTaken, to)
	case "none":
		return fmt.Errorf("store: move: %w: %s holds no number", ErrNotFound, from)
	}
	s.route.forget(from)
	return nil
}

// JIDChange is a change of Jabber ID that waits for the new JID to
// accept it.
type JIDChange struct {
	From    string    `json:"from"` // the bare JID giving its numbers
	To      string    `json:"to"`   // the bare JID that must accept
	Code    string    `json:"code"` // what To was told, to type back
	Expires time.Time `json:"exp"`
}

func (s *Store) jidChangeKey(to string) string { return s.key("jidchange", to) }

// PutJIDChange keeps c, keyed by the JID that must accept it, until its
// Expires; a later one for the same JID replaces it.
func (s *Store) PutJIDChange(ctx context.Context, c JIDChange) error {
	ttl := time.Until(c.Expires)
	if ttl <= 0 {
		return errors.New("store: jid change: already expired")
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: jid change: %w", err)
	}
	if err := s.rdb.Set(ctx, s.jidChangeKey(c.To), b, ttl).Err(); err != nil {
		return fmt.Errorf("store: jid change: %w", err)
	}
	return nil
}

// JIDChangeFor returns the change waiting for to to accept, or
// ErrNotFound.
func (s *Store) JIDChangeFor(ctx context.Context, to string) (JIDChange, error) {
	b, err := s.rdb.Get(ctx, s.jidChangeKey(to)).Bytes()
	if errors.Is(err, redis.Nil) {
		return JIDChange{}, ErrNotFound
	}
	if err != nil {
		return JIDChange{}, fmt.Errorf("store: jid change: %w", err)
	}
	var c JIDChange
	if err := json.Unmarshal(b, &c); err != nil {
		return JIDChange{}, fmt.Errorf("store: jid change: %w", err)
	}
	return c, nil
}

// DropJIDChange forgets the change waiting for to.
func (s *Store) DropJIDChange(ctx context.Context, to string) error {
	if err := s.rdb.Del(ctx, s.jidChangeKey(to)).Err(); err != nil {
		return fmt.Errorf("store: jid change: %w", err)
	}
	return nil
}

// CountJIDChange counts one more change of Jabber ID asked by from and
// returns how many it asked in the current window (which starts with its
// first): each sends a message to a JID of the asker's choosing, so the
// caller bounds them.
func (s *Store) CountJIDChange(ctx context.Context, from string, window time.Duration) (int64, error) {
	key := s.key("jidchange:n", from)
	var n *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Incr(ctx, key)
		p.ExpireNX(ctx, key, window)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: jid change: %w", err)
	}
	return n.Val(), nil
}
