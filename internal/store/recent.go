package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Remember appends entry to a conversation's list of recent messages
// (newest last), keeps its last keep entries, and lets the list expire ttl
// after the newest. Entries hold fingerprints and stanza ids, not bodies
// (see component/reactions.go). Concurrent calls are written together.
func (s *Store) Remember(ctx context.Context, conv string, entry []byte, keep int, ttl time.Duration) error {
	key := s.key("recent", conv)
	err := s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmds := []redis.Cmder{p.RPush(ctx, key, entry), p.LTrim(ctx, key, int64(-keep), -1), p.PExpire(ctx, key, ttl)}
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
