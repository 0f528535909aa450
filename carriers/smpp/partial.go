package smpp

import (
	"sync"
	"time"
)

// A long text goes out as several submit_sm; when the SMSC refuses a later
// part for a passing reason (throttled, queue full), the earlier parts are
// already on their way to the phone. Sending the whole text again on the
// gateway's retry would show the recipient those parts twice, so the
// adapter remembers, per message key, how far it got and with which
// concatenation reference, and a retry sends only the rest under the same
// reference, which the phone joins to the parts it has.

const (
	// partialTTL bounds how long a half-sent text waits for its retry:
	// longer than the outbox's backoff, shorter than a phone keeps parts.
	partialTTL = time.Hour
	// maxPartial bounds the half-sent texts remembered.
	maxPartial = 4096
)

// progress is how far a text got: its reference and the parts the SMSC took.
type progress struct {
	ref   byte
	taken int
	at    time.Time
}

// partials remembers half-sent texts by message key.
type partials struct {
	mu sync.Mutex
	m  map[string]progress
}

// take returns and forgets key's progress, if any and fresh.
func (p *partials) take(key string, now time.Time) (progress, bool) {
	if key == "" {
		return progress{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.m[key]
	delete(p.m, key)
	if !ok || now.Sub(pr.at) > partialTTL {
		return progress{}, false
	}
	return pr, true
}

// keep remembers that key's text got pr.taken parts out.
func (p *partials) keep(key string, pr progress) {
	if key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]progress)
	}
	if len(p.m) >= maxPartial {
		for k, v := range p.m {
			if pr.at.Sub(v.at) > partialTTL {
				delete(p.m, k)
			}
		}
		if len(p.m) >= maxPartial {
			return // the retry sends the whole text: at worst, parts twice
		}
	}
	p.m[key] = pr
}
