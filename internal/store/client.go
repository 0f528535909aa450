package store

import "github.com/redis/go-redis/v9"

// Client is the Redis client, for parts that keep their own keys beside
// the store's (internal/mms: sb:mms:<id>).
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Prefix starts every key: "sb:" unless New was given another.
func (s *Store) Prefix() string { return s.prefix }
