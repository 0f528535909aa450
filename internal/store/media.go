package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Media re-hosted by the gateway (voicemail recordings) lives in
// sb:media:<id> only until it expires: long enough for the user's clients
// to fetch it, never for good.

func (s *Store) mediaKey(id string) string { return s.key("media", id) }

// PutMedia keeps data under id for ttl.
func (s *Store) PutMedia(ctx context.Context, id, contentType string, data []byte, ttl time.Duration) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.mediaKey(id), "type", contentType, "data", data)
		p.Expire(ctx, s.mediaKey(id), ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put media: %w", err)
	}
	return nil
}

// Media returns what PutMedia kept under id, or ErrNotFound once it has
// expired.
func (s *Store) Media(ctx context.Context, id string) (contentType string, data []byte, err error) {
	vals, err := s.rdb.HMGet(ctx, s.mediaKey(id), "type", "data").Result()
	if err != nil {
		return "", nil, fmt.Errorf("store: media: %w", err)
	}
	ct, ok1 := vals[0].(string)
	d, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return "", nil, ErrNotFound
	}
	return ct, []byte(d), nil
}
