package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Small requests are group-committed (internal/commit): concurrent ones go
// out together as one pipeline, one Redis round trip per batch.

// batchReq is one request: queue adds its commands to p and returns a check
// of their results, called after the pipeline ran.
type batchReq func(p redis.Pipeliner) (check func() error)

const (
	maxBatch     = 256
	batchTimeout = 5 * time.Second
)

// batched runs queue's commands in a shared pipeline and returns their
// outcome.
func (s *Store) batched(ctx context.Context, queue batchReq) error {
	return s.batch.Do(queue, func(batch []batchReq) []error {
		// The batch carries other callers' work: it must not end with this
		// caller's context.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
		defer cancel()
		return s.exec(ctx, batch)
	})
}

// exec runs a batch and returns each request's error.
func (s *Store) exec(ctx context.Context, batch []batchReq) []error {
	pipe := s.rdb.Pipeline()
	checks := make([]func() error, len(batch))
	for i, q := range batch {
		checks[i] = q(pipe)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	errs := make([]error, len(batch))
	for i, check := range checks {
		errs[i] = check()
	}
	return errs
}
