package carriertest

import (
	"context"
	"sync"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Receiver is a carriers.Receiver that records what an adapter hands over,
// for adapter tests that do not need the whole gateway.
type Receiver struct {
	// Err, when set, is returned by Receive to play a gateway that cannot
	// take messages.
	Err error

	mu       sync.Mutex
	msgs     []carriers.Message
	statuses []carriers.Status
	notify   chan struct{}
}

// Receive implements carriers.Receiver.
func (r *Receiver) Receive(_ context.Context, m carriers.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.msgs = append(r.msgs, m)
	r.wakeLocked()
	return nil
}

// Status implements carriers.Receiver.
func (r *Receiver) Status(_ context.Context, s carriers.Status) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, s)
	r.wakeLocked()
	return nil
}

func (r *Receiver) wakeLocked() {
	if r.notify != nil {
		close(r.notify)
		r.notify = nil
	}
}

// Messages returns the messages received so far.
func (r *Receiver) Messages() []carriers.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]carriers.Message(nil), r.msgs...)
}

// Statuses returns the delivery reports received so far.
func (r *Receiver) Statuses() []carriers.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]carriers.Status(nil), r.statuses...)
}

// Changed returns a channel closed at the next message or report.
func (r *Receiver) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.notify == nil {
		r.notify = make(chan struct{})
	}
	return r.notify
}
