package component

import (
	"sync"

	"github.com/switchboard-gw/switchboard/internal/phone"
)

// numberCache remembers phone.Normalize results: parsing is the costliest
// step of relaying a message, and a gateway sees the same few numbers over
// and over. It is bounded; when full it starts afresh.
type numberCache struct {
	mu  sync.Mutex
	max int
	m   map[numberKey]numberResult
}

type numberKey struct{ in, region string }

type numberResult struct {
	e164 string
	err  error
}

func newNumberCache(max int) *numberCache {
	return &numberCache{max: max, m: make(map[numberKey]numberResult)}
}

// normalize is phone.Normalize, cached.
func (nc *numberCache) normalize(in, region string) (string, error) {
	k := numberKey{in, region}
	nc.mu.Lock()
	r, ok := nc.m[k]
	nc.mu.Unlock()
	if ok {
		return r.e164, r.err
	}
	r.e164, r.err = phone.Normalize(in, region)
	nc.mu.Lock()
	if len(nc.m) >= nc.max {
		clear(nc.m)
	}
	nc.m[k] = r
	nc.mu.Unlock()
	return r.e164, r.err
}
