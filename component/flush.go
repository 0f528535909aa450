package component

import (
	"context"
	"sync"

	"mellium.im/xmpp"
)

// The component stream (XEP-0114) has no acknowledgements: a stanza
// written to the socket may die with the XMPP server before the server
// reads it. The server handles a stream's stanzas in order, so its answer
// to a ping proves it took everything written before the ping: flush
// waits for that, and the gateway answers a carrier's webhook only then.
// Callers share pings, as a group commit: one ping answers every caller
// that joined before it was written.

// flusher is the shared state of flush.
type flusher struct {
	mu      sync.Mutex
	running bool
	waiting []flushWaiter
}

type flushWaiter struct {
	sess *xmpp.Session // the stream the caller wrote on
	done chan error
}

// flush returns once the server has processed every stanza the caller
// wrote on sess before calling it, or an error if that cannot be known
// (the stream died, no answer in time).
func (c *Component) flush(ctx context.Context, sess *xmpp.Session) error {
	w := flushWaiter{sess: sess, done: make(chan error, 1)}
	f := &c.flusher
	f.mu.Lock()
	f.waiting = append(f.waiting, w)
	lead := !f.running
	f.running = true
	f.mu.Unlock()
	if lead {
		go c.flushLoop()
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flushLoop pings for the callers waiting, round after round, until none
// is left.
func (c *Component) flushLoop() {
	f := &c.flusher
	for {
		f.mu.Lock()
		batch := f.waiting
		f.waiting = nil
		if len(batch) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		sess := c.session()
		var err error
		if sess == nil {
			err = ErrNotConnected
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), c.set.PingTimeout)
			err = c.ping(ctx, sess)
			cancel()
		}
		for _, w := range batch {
			if err == nil && w.sess != sess {
				// Written on a stream that has since been replaced.
				w.done <- ErrNotConnected
				continue
			}
			w.done <- err
		}
	}
}
