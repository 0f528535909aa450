package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxGreeting is the longest voicemail greeting a user may keep, in 8 kHz
// samples (30 s): it bounds what one user holds in Redis (480 KB).
const MaxGreeting = 30 * 8000

// ErrGreeting is returned for a greeting out of bounds, and by Greeting
// for a stored one that is not whole 16-bit samples.
var ErrGreeting = errors.New("store: bad greeting")

// A user's own voicemail greeting is 8 kHz 16-bit little-endian PCM,
// kept with no expiry under greetKey until they change it, go back to the
// gateway's, or cancel. A greeting being set (the settings command checks
// it in one step and saves it in its last) waits under pendingKey, with
// an expiry. Both share the bindings' {b} slot so that MoveUser can take
// the greeting along in its script.
func (s *Store) greetKey(jid string) string   { return s.key("{b}", "greet", jid) }
func (s *Store) pendingKey(jid string) string { return s.key("{b}", "greet:new", jid) }

func pcmBytes(pcm []int16) ([]byte, error) {
	if len(pcm) == 0 || len(pcm) > MaxGreeting {
		return nil, fmt.Errorf("%w: %d samples, want 1 to %d", ErrGreeting, len(pcm), MaxGreeting)
	}
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b, nil
}

// StageGreeting keeps pcm as jid's greeting-to-be for ttl, replacing any
// earlier one; SaveGreeting makes it jid's greeting.
func (s *Store) StageGreeting(ctx context.Context, jid string, pcm []int16, ttl time.Duration) error {
	b, err := pcmBytes(pcm)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.pendingKey(jid), b, ttl).Err(); err != nil {
		return fmt.Errorf("store: stage greeting: %w", err)
	}
	return nil
}

// SaveGreeting makes the greeting StageGreeting kept jid's own, with no
// expiry; ErrNotFound when there is none (it expired).
func (s *Store) SaveGreeting(ctx context.Context, jid string) error {
	k := s.greetKey(jid)
	var ren *redis.StatusCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		ren = p.Rename(ctx, s.pendingKey(jid), k)
		p.Persist(ctx, k)
		return nil
	})
	if ren != nil && ren.Err() != nil && strings.HasSuffix(ren.Err().Error(), "no such key") {
		return fmt.Errorf("store: save greeting: %w", ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: save greeting: %w", err)
	}
	return nil
}

// DropGreeting forgets jid's greeting, and any being set: jid goes back
// to the gateway's.
func (s *Store) DropGreeting(ctx context.Context, jid string) error {
	if err := s.rdb.Del(ctx, s.greetKey(jid), s.pendingKey(jid)).Err(); err != nil {
		return fmt.Errorf("store: drop greeting: %w", err)
	}
	return nil
}

// Greeting returns jid's own greeting (8 kHz PCM), or ErrNotFound when it
// has none.
func (s *Store) Greeting(ctx context.Context, jid string) ([]int16, error) {
	b, err := s.rdb.Get(ctx, s.greetKey(jid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: greeting: %w", err)
	}
	if len(b) == 0 || len(b)%2 != 0 || len(b) > 2*MaxGreeting {
		return nil, fmt.Errorf("%w: %d bytes stored", ErrGreeting, len(b))
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm, nil
}

// HasGreeting reports whether jid has a greeting of its own, and its
// length, without reading it.
func (s *Store) HasGreeting(ctx context.Context, jid string) (time.Duration, error) {
	n, err := s.rdb.StrLen(ctx, s.greetKey(jid)).Result()
	if err != nil {
		return 0, fmt.Errorf("store: greeting: %w", err)
	}
	return time.Duration(n/2) * time.Second / 8000, nil
}
