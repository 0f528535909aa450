package bridgetest

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// recorder is an append-only list that tests can wait on.
type recorder[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{} // closed and replaced on every add
}

func (r *recorder[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, v)
	if r.changed != nil {
		close(r.changed)
	}
	r.changed = make(chan struct{})
}

func (r *recorder[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.items...)
}

// wait returns the first item that matches, waiting up to Timeout for it.
func (r *recorder[T]) wait(t testing.TB, what string, match func(T) bool) T {
	t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, v := range r.items {
			if match(v) {
				r.mu.Unlock()
				return v
			}
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			var zero T
			t.Fatalf("bridgetest: no %s within %v; seen:%s", what, Timeout, list(r.all()))
			return zero
		}
	}
}

func list[T any](items []T) string {
	s := ""
	for _, v := range items {
		s += fmt.Sprintf("\n\t%+v", v)
	}
	if s == "" {
		return " nothing"
	}
	return s
}
