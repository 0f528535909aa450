package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recent is one message to remember in a conversation (see Remember).
type Recent struct {
	Conv  string
	Entry []byte
	Keep  int
	TTL   time.Duration
}

// remember queues Remember's commands; none when r is nil.
func (s *Store) remember(ctx context.Context, p redis.Pipeliner, r *Recent) []redis.Cmder {
	if r == nil {
		return nil
	}
	key := s.key("recent", r.Conv)
	return []redis.Cmder{p.RPush(ctx, key, r.Entry), p.LTrim(ctx, key, int64(-r.Keep), -1), p.PExpire(ctx, key, r.TTL)}
}

// Remember appends r.Entry to conversation r.Conv's list of recent messages
// (newest last), keeps its last r.Keep entries, and lets the list expire
// r.TTL after the newest. Entries hold fingerprints and stanza ids, not bodies
// (see component/reactions.go). Concurrent calls are written together.
func (s *Store) Remember(ctx context.Context, r Recent) error {
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmds := s.remember(ctx, p, &r)
		return func() error { return firstErr(cmds) }
	})
	if err != nil {
		return fmt.Errorf("store: remember: %w", err)
	}
	return nil
}

// Recent returns a conversation's remembered entries, oldest first.
func (s *Store) Recent(ctx context.Context, conv string) ([][]byte, error) {
	vals, err := s.rdb.LRange(ctx, s.key("recent", conv), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: recent: %w", err)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}
