package store

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher group-commits small requests: while one batch is being written,
// the requests that arrive wait and go out together in the next, as one
// pipeline. Under load that turns one Redis round trip per message into one
// per batch, and adds no delay when idle. It has no goroutine of its own: a
// waiting caller takes over the writing.
type batcher struct {
	mu      sync.Mutex
	busy    bool
	pending []*batchReq
}

type batchReq struct {
	// queue adds the request's commands to p and returns a check of their
	// results, called after the pipeline ran.
	queue func(p redis.Pipeliner) (check func() error)
	done  chan batchResult
}

type batchResult struct {
	err  error
	lead bool // the caller is to write the next batch
}

const (
	maxBatch     = 256
	batchTimeout = 5 * time.Second
)

// batched runs queue's commands in a shared pipeline and returns their
// outcome.
func (s *Store) batched(ctx context.Context, queue func(redis.Pipeliner) func() error) error {
	r := &batchReq{queue: queue, done: make(chan batchResult, 1)}
	b := &s.batch
	b.mu.Lock()
	b.pending = append(b.pending, r)
	if b.busy {
		b.mu.Unlock()
		res := <-r.done
		if !res.lead {
			return res.err
		}
		b.mu.Lock()
	}
	// This caller writes one batch (holding its own request), then hands
	// the rest to the next waiter.
	b.busy = true
	n := min(len(b.pending), maxBatch)
	batch := b.pending[:n:n]
	b.pending = b.pending[n:]
	b.mu.Unlock()

	// The batch carries other callers' work: it must not end with this
	// caller's context.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	errs := s.exec(ctx, batch)
	cancel()
	var mine error
	for i, q := range batch {
		if q == r {
			mine = errs[i]
			continue
		}
		q.done <- batchResult{err: errs[i]}
	}

	b.mu.Lock()
	if len(b.pending) > 0 {
		next := b.pending[0]
		b.mu.Unlock()
		next.done <- batchResult{lead: true}
	} else {
		b.busy = false
		b.mu.Unlock()
	}
	return mine
}

// exec runs a batch and returns each request's error.
func (s *Store) exec(ctx context.Context, batch []*batchReq) []error {
	run := func() ([]func() error, error) {
		pipe := s.rdb.Pipeline()
		checks := make([]func() error, len(batch))
		for i, q := range batch {
			checks[i] = q.queue(pipe)
		}
		_, err := pipe.Exec(ctx)
		return checks, err
	}
	checks, _ := run()
	errs := make([]error, len(batch))
	for i, check := range checks {
		errs[i] = check()
	}
	return errs
}
