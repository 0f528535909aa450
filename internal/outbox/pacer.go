package outbox

import (
	"sync"
	"time"
)

// pacer hands out send times so that each key (a sending number, a
// carrier) sends at most once per interval. A reservation in the future is
// kept: the job waits for it, so later jobs line up behind it in order.
type pacer struct {
	mu   sync.Mutex
	next map[string]time.Time
}

// reserve returns when a send for key may go, and books that slot.
func (p *pacer) reserve(key string, every time.Duration, now time.Time) time.Time {
	if every <= 0 {
		return now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == nil {
		p.next = map[string]time.Time{}
	}
	if len(p.next) > 10000 {
		// Forget idle keys so the map stays bounded.
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	at := now
	if t := p.next[key]; t.After(at) {
		at = t
	}
	p.next[key] = at.Add(every)
	return at
}

// interval is the time between sends at rate per second; 0 when unpaced.
func interval(rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / rate)
}
