package media

import (
	"sync"
	"time"
)

// connectTimer fails a leg that is not connected within expire, counted
// from the end of the offer/answer exchange (arm) or from an explicit
// start: a call's offer may wait through a long ringing, which must not
// count against the connection.
type connectTimer struct {
	expire            time.Duration
	connected, closed <-chan struct{}
	fail              func(why string)

	mu       sync.Mutex
	timer    *time.Timer
	deferred bool // arm waits for start
}

// deferStart keeps arm from starting the timer; start starts it.
func (ct *connectTimer) deferStart() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.deferred = true
}

// arm starts the timer when the exchange completes, unless deferred.
func (ct *connectTimer) arm() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if !ct.deferred {
		ct.armLocked()
	}
}

// start starts the timer now, unless it runs already or the leg is
// connected or closed.
func (ct *connectTimer) start() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.armLocked()
}

func (ct *connectTimer) stop() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.timer != nil {
		ct.timer.Stop()
	}
}

func (ct *connectTimer) armLocked() {
	if ct.timer != nil {
		return
	}
	select {
	case <-ct.connected:
		return
	case <-ct.closed:
		return
	default:
	}
	ct.timer = time.AfterFunc(ct.expire, func() {
		select {
		case <-ct.connected:
		default:
			ct.fail("not connected within " + ct.expire.String())
		}
	})
}
