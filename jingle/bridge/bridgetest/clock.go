package bridgetest

import (
	"sync"
	"testing"
	"time"
)

// Clock is a bridge.Clock the test moves by hand: a call's credit steps
// take no real time.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	changed chan struct{} // closed and replaced whenever a waiter comes
}

type waiter struct {
	at time.Time
	c  chan time.Time
}

// NewClock returns a clock at a fixed time.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires when Advance brings the clock d ahead (at once for d <= 0).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), c: ch})
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// Advance moves the clock on by d and fires what came due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			keep = append(keep, w)
			continue
		}
		w.c <- c.now
	}
	c.waiters = keep
}

// Waiting is how many timers are pending.
func (c *Clock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// WaitTimer waits until a timer is pending that fires at or before the
// clock's time plus within: the bridge has scheduled its next step.
func (c *Clock) WaitTimer(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		c.mu.Lock()
		limit, ch := c.now.Add(within), c.changed
		for _, w := range c.waiters {
			if !w.at.After(limit) {
				c.mu.Unlock()
				return
			}
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("bridgetest: no timer due within %v of %v", within, c.Now())
		}
	}
}
