package bridge

import "time"

// SetClock makes the limits read time from now (tests of the rate).
func SetClock(b *Bridge, now func() time.Time) {
	b.limits.mu.Lock()
	defer b.limits.mu.Unlock()
	b.limits.now = now
}
