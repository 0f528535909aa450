package store

import (
	"context"
	"fmt"
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
	// A number released between the two reads is gone.
	bs, err := s.readBindings(ctx, nums, func(m map[string]string) bool { return m["jid"] == jid })
	if err != nil {
		return nil, fmt.Errorf("store: numbers: %w", err)
	}
	return bs, nil
}
