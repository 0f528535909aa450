package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Numbers returns the numbers jid holds, earliest assigned first (the
// first is the one it sends from); none is not an error.
func (s *Store) Numbers(ctx context.Context, jid string) ([]Binding, error) {
	nums, err := s.rdb.ZRange(ctx, s.jidKey(jid), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: numbers: %w", err)
	}
	if len(nums) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(nums))
	for i, n := range nums {
		cmds[i] = pipe.HGetAll(ctx, s.numKey(n))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: numbers: %w", err)
	}
	out := make([]Binding, 0, len(nums))
	for i, n := range nums {
		// A number released between the two reads is gone.
		if m := cmds[i].Val(); len(m) > 0 && m["jid"] == jid {
			out = append(out, bindingFrom(n, m))
		}
	}
	return out, nil
}
