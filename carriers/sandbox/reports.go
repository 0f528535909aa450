package sandbox

import (
	"context"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// reportTimeout bounds one delivery report to the gateway.
const reportTimeout = 10 * time.Second

// Report steps: a report never comes before the gateway has had time to
// track the id Send returned, as with a real carrier's callback.
const (
	sentAfter  = 50 * time.Millisecond // queued → sent
	finalAfter = 50 * time.Millisecond // sent → delivered or failed
)

// after runs f in d unless the carrier is closed first. The timers are
// tracked so that Close stops them: a delayed report must not outlive the
// gateway.
func (c *Carrier) after(d time.Duration, f func()) {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if c.closed {
		return
	}
	c.wg.Add(1)
	var t *time.Timer
	// The lock is held until t is stored, so the callback reads it set.
	t = time.AfterFunc(d, func() {
		defer c.wg.Done()
		c.tmu.Lock()
		delete(c.timers, t)
		closed := c.closed
		c.tmu.Unlock()
		if !closed {
			f()
		}
	})
	c.timers[t] = struct{}{}
}

// Close drops the delivery reports still to come and waits for those
// under way. The sandbox keeps recording messages after Close, without
// reports.
func (c *Carrier) Close() error {
	c.tmu.Lock()
	c.closed = true
	for t := range c.timers {
		if t.Stop() {
			c.wg.Done()
		}
		delete(c.timers, t)
	}
	c.tmu.Unlock()
	c.stop()
	c.wg.Wait()
	return nil
}

// deliver plays the network for a message Send took: queued, then sent,
// then what the fault says.
func (c *Carrier) deliver(id string, f Fault) {
	c.after(sentAfter, func() {
		c.report(carriers.Status{Carrier: Name, ID: id, State: carriers.StateSent})
		switch f.Outcome {
		case Never:
		case Fail:
			code, msg, _ := failure(f.Reason)
			c.after(finalAfter, func() {
				c.report(carriers.Status{Carrier: Name, ID: id, State: carriers.StateFailed, ErrorCode: code, ErrorText: msg, Reason: f.Reason})
			})
		case Delay:
			c.after(time.Duration(f.Delay)*time.Second, func() {
				c.report(carriers.Status{Carrier: Name, ID: id, State: carriers.StateDelivered})
			})
		default:
			c.after(finalAfter, func() {
				c.report(carriers.Status{Carrier: Name, ID: id, State: carriers.StateDelivered})
			})
		}
	})
}

// report shows s on the page and tells the gateway.
func (c *Carrier) report(s carriers.Status) {
	c.update(s.ID, func(e *Entry) {
		e.Status = string(s.State)
		if s.State == carriers.StateFailed {
			e.setFailure(s.ErrorCode, s.Reason)
		}
	})
	c.mu.Lock()
	r := c.recv
	c.mu.Unlock()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, reportTimeout)
	defer cancel()
	if err := r.Status(ctx, s); err != nil {
		c.set.Logger.Warn("sandbox: delivery report not taken", "state", s.State, "err", err)
	}
}
