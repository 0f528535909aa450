// Package commit runs work submitted concurrently in shared batches (group
// commit): while one batch is being written, the items that arrive wait
// and go out together in the next. Under load that turns one write (a
// Redis round trip, a socket flush) per item into one per batch, and adds
// no delay when idle.
package commit

import "sync"

// Group batches items of type T. A Group has no goroutine of its own: a
// waiting caller takes over the writing of the next batch. The zero value
// is ready; it must not be copied after first use.
type Group[T any] struct {
	// Max bounds a batch; 0: no bound.
	Max int

	mu      sync.Mutex
	busy    bool
	pending []*call[T]
}

type call[T any] struct {
	item T
	done chan result
}

type result struct {
	err  error
	lead bool // the caller is to write the next batch
}

// Do adds item to the next batch and returns its outcome. run writes one
// batch and returns each item's error, in order; it runs on the goroutine
// of one of the batch's callers, one batch at a time.
func (g *Group[T]) Do(item T, run func(batch []T) []error) error {
	c := &call[T]{item: item, done: make(chan result, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	if g.busy {
		g.mu.Unlock()
		res := <-c.done
		if !res.lead {
			return res.err
		}
		g.mu.Lock()
	}
	// This caller writes one batch (holding its own item, which is first
	// in line), then hands the rest to the next waiter.
	g.busy = true
	n := len(g.pending)
	if g.Max > 0 {
		n = min(n, g.Max)
	}
	calls := g.pending[:n:n]
	g.pending = g.pending[n:]
	g.mu.Unlock()

	items := make([]T, n)
	for i, q := range calls {
		items[i] = q.item
	}
	errs := run(items)
	var mine error
	for i, q := range calls {
		var err error
		if i < len(errs) {
			err = errs[i]
		}
		if q == c {
			mine = err
			continue
		}
		q.done <- result{err: err}
	}

	g.mu.Lock()
	if len(g.pending) > 0 {
		next := g.pending[0]
		g.mu.Unlock()
		next.done <- result{lead: true}
	} else {
		g.busy = false
		g.mu.Unlock()
	}
	return mine
}
