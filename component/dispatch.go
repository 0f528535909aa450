package component

import "sync"

// dispatcher runs stanza work off the stream's read loop. Work for one key
// (one conversation: sender and recipient) runs in arrival order, so a
// user's messages to a number reach the carrier in the order they were
// written; different conversations run concurrently, so a slow carrier call
// holds up only its own conversation. A conversation's goroutine exists only
// while it has work.
type dispatcher struct {
	handle   func(*inbound)
	slots    chan struct{} // bounds handlers running at once
	maxQueue int           // stanzas waiting in one conversation
	maxTotal int           // stanzas waiting in all

	mu     sync.Mutex
	convs  map[string][]*inbound
	total  int
	closed bool
	wg     sync.WaitGroup
}

func newDispatcher(concurrency, maxQueue, maxTotal int, handle func(*inbound)) *dispatcher {
	return &dispatcher{
		handle:   handle,
		slots:    make(chan struct{}, concurrency),
		maxQueue: maxQueue,
		maxTotal: maxTotal,
		convs:    map[string][]*inbound{},
	}
}

// submit queues st; false means the gateway is overloaded (or stopping).
func (d *dispatcher) submit(key string, st *inbound) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	q, running := d.convs[key]
	if d.closed || len(q) >= d.maxQueue || d.total >= d.maxTotal {
		return false
	}
	d.convs[key] = append(q, st)
	d.total++
	if !running {
		d.wg.Add(1)
		go d.run(key)
	}
	return true
}

// run drains one conversation, then forgets it.
func (d *dispatcher) run(key string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.convs[key]
		if len(q) == 0 {
			delete(d.convs, key)
			d.mu.Unlock()
			return
		}
		st := q[0]
		q[0] = nil
		d.convs[key] = q[1:]
		d.total--
		d.mu.Unlock()

		d.slots <- struct{}{}
		d.handle(st)
		<-d.slots
	}
}

// stop refuses new work, lets queued work finish and waits for it.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}
