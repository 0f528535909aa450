package store

import "sync"

// maxHints bounds the hints kept; past it they start again from none,
// which costs one more round trip per JID, not a wrong answer.
const maxHints = 100_000

// hints remembers each JID's first number as Route last read it, so that
// the next Route can read that number's binding in the same round trip as
// the checks that it is still right.
type hints struct {
	mu sync.Mutex
	m  map[string]string
}

func (h *hints) get(jid string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[jid]
}

func (h *hints) set(jid, number string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) >= maxHints {
		h.m = make(map[string]string)
	}
	h.m[jid] = number
}

func (h *hints) forget(jid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, jid)
}
