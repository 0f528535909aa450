package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// trackWriter group-commits tracking records: while one batch is being
// written, the records that arrive wait and go out together in the next,
// as one pipeline. Under load that turns one Redis round trip per sent
// message into one per batch, and adds no delay when idle. No goroutine of
// its own: a waiting caller takes over the writing.
type trackWriter struct {
	mu      sync.Mutex
	busy    bool
	pending []*trackReq
}

type trackReq struct {
	key                          string
	jid, stanza, number, receipt string
	ttl                          time.Duration
	done                         chan trackResult
}

type trackResult struct {
	err  error
	lead bool // the caller is to write the next batch
}

// maxTrackBatch bounds one pipeline.
const maxTrackBatch = 256

func (s *Store) track(ctx context.Context, r *trackReq) error {
	w := &s.tracks
	w.mu.Lock()
	if w.busy {
		w.pending = append(w.pending, r)
		w.mu.Unlock()
		res := <-r.done
		if !res.lead {
			return res.err
		}
		w.mu.Lock()
	} else {
		w.pending = append(w.pending, r)
	}
	// This caller writes one batch (holding its own record), then hands the
	// rest to the next waiter.
	w.busy = true
	n := min(len(w.pending), maxTrackBatch)
	batch := w.pending[:n:n]
	w.pending = w.pending[n:]
	w.mu.Unlock()

	err := s.writeTracks(ctx, batch)
	var mine error
	for _, b := range batch {
		if b == r {
			mine = err
			continue
		}
		b.done <- trackResult{err: err}
	}

	w.mu.Lock()
	if len(w.pending) > 0 {
		next := w.pending[0]
		w.mu.Unlock()
		next.done <- trackResult{lead: true}
	} else {
		w.busy = false
		w.mu.Unlock()
	}
	return mine
}

func (s *Store) writeTracks(ctx context.Context, batch []*trackReq) error {
	exec := func() error {
		pipe := s.rdb.Pipeline()
		for _, b := range batch {
			trackScript.EvalSha(ctx, pipe, []string{b.key}, b.jid, b.stanza, b.number, b.receipt, b.ttl.Milliseconds())
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	err := exec()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// First use, or Redis restarted and forgot the script.
		if err = trackScript.Load(ctx, s.rdb).Err(); err == nil {
			err = exec()
		}
	}
	if err != nil {
		return fmt.Errorf("store: track: %w", err)
	}
	return nil
}
