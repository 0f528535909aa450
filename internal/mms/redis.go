package mms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store in Redis, for gateways of several instances: one hash
// per file, <prefix>mms:<id> with fields type, name and data, which Redis
// deletes itself when it expires (PEXPIRE).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Store = (*Redis)(nil)

// NewRedis keeps files through rdb; prefix defaults to "sb:", as
// internal/store's keys.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = "sb:"
	}
	return &Redis{rdb: rdb, prefix: prefix}
}

func (r *Redis) key(id string) string { return r.prefix + "mms:" + id }

// Put keeps the file for ttl, in one transaction so that it never exists
// without its expiry.
func (r *Redis) Put(ctx context.Context, it Item, data []byte, ttl time.Duration) (string, error) {
	if err := checkPut(ctx, it, ttl); err != nil {
		return "", err
	}
	id := newID()
	k := r.key(id)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "type", it.Type, "name", it.Name, "data", data)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("mms: put: %w", err)
	}
	return id, nil
}

// Open reads the file and its remaining lifetime.
func (r *Redis) Open(ctx context.Context, id string) (Item, io.ReadSeekCloser, error) {
	if !validID(id) {
		return Item{}, nil, ErrNotFound
	}
	k := r.key(id)
	var get *redis.SliceCmd
	var ttl *redis.DurationCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, k, "type", "name", "data")
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if err != nil {
		return Item{}, nil, fmt.Errorf("mms: open: %w", err)
	}
	vals := get.Val()
	typ, ok1 := vals[0].(string)
	name, ok2 := vals[1].(string)
	data, ok3 := vals[2].(string)
	left := ttl.Val()
	// A key without an expiry (-1) was not written by Put: not served.
	if !ok1 || !ok2 || !ok3 || left <= 0 {
		return Item{}, nil, ErrNotFound
	}
	it := Item{Type: typ, Name: name, Size: int64(len(data)), Expires: time.Now().Add(left)}
	return it, nopCloser{bytes.NewReader([]byte(data))}, nil
}

// Delete removes the file.
func (r *Redis) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if err := r.rdb.Del(ctx, r.key(id)).Err(); err != nil {
		return fmt.Errorf("mms: delete: %w", err)
	}
	return nil
}

// Run returns at once: Redis expires files itself.
func (r *Redis) Run(context.Context) error { return nil }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
