package bridge

import "time"

// Clock is the time calls are metered by: talk time, and when a call's
// credit is extended. Tests drive their own (bridgetest.Clock) rather
// than wait out minutes of credit.
type Clock interface {
	Now() time.Time
	// After fires once d has passed (at once for d <= 0).
	After(d time.Duration) <-chan time.Time
}

// systemClock is the machine's clock.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
