package component

import (
	"hash/maphash"
	"sync"
)

// dispatcher runs stanza work on a fixed set of workers. Work for one key
// (one conversation) always lands on the same worker, so a user's messages to
// a number reach the carrier in the order they were written, while a slow
// carrier call stalls only the conversations that share its worker.
type dispatcher struct {
	queues []chan *inbound
	seed   maphash.Seed
	wg     sync.WaitGroup
}

func newDispatcher(workers, depth int, handle func(*inbound)) *dispatcher {
	d := &dispatcher{queues: make([]chan *inbound, workers), seed: maphash.MakeSeed()}
	for i := range d.queues {
		q := make(chan *inbound, depth)
		d.queues[i] = q
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for st := range q {
				handle(st)
			}
		}()
	}
	return d
}

// submit queues st; false means its worker is full.
func (d *dispatcher) submit(key string, st *inbound) bool {
	q := d.queues[maphash.String(d.seed, key)%uint64(len(d.queues))]
	select {
	case q <- st:
		return true
	default:
		return false
	}
}

// stop lets queued work finish and waits for the workers.
func (d *dispatcher) stop() {
	for _, q := range d.queues {
		close(q)
	}
	d.wg.Wait()
}
