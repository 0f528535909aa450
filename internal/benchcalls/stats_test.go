package benchcalls

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// clock stamps packets with nanoseconds since base (monotonic).
type clock struct{ base time.Time }

func (c clock) now() int64 { return int64(time.Since(c.base)) }

// window is the measured interval of send times, in clock nanoseconds.
// Until set, nothing is counted.
type window struct{ start, end atomic.Int64 }

func (w *window) set(start, end int64) {
	w.end.Store(0) // closed while the start moves
	w.start.Store(start)
	w.end.Store(end)
}

func (w *window) in(t int64) bool {
	s, e := w.start.Load(), w.end.Load()
	return e > s && t >= s && t < e
}

// jitter is RFC 3550's interarrival jitter estimator (§6.4.1, A.8) over
// packets in arrival order, with the actual send times as the sender's
// clock: what it measures is the jitter the path added, not the sender's
// own pacing error.
type jitter struct {
	j            float64 // ns
	prevR, prevS int64
	have         bool
}

func (j *jitter) add(sent, recv int64) {
	if j.have {
		d := (recv - j.prevR) - (sent - j.prevS)
		if d < 0 {
			d = -d
		}
		j.j += (float64(d) - j.j) / 16
	}
	j.prevR, j.prevS, j.have = recv, sent, true
}

// callStats are one call's counters. The sender only touches sent; the
// receiving goroutine the rest, under mu.
type callStats struct {
	sent    atomic.Int64 // packets sent within the window
	sentAll atomic.Int64

	mu      sync.Mutex
	recvAll int64   // echoed packets of this call, any time
	recv    int64   // distinct echoed packets sent within the window
	dups    int64   // echoed twice
	foreign int64   // payloads of another call or not the generator's
	seen    bitset  // packet indexes received (window only)
	jit     jitter  // over packets sent within the window
	rtt     []int32 // µs, packets sent within the window
}

// received accounts for one echoed payload that arrived at clock time now.
func (c *callStats) received(call uint32, p []byte, now int64, w *window) {
	s, err := parsePayload(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || s.call != call {
		c.foreign++
		return
	}
	c.recvAll++
	if !w.in(s.sent) {
		return
	}
	if c.seen.testAndSet(s.index) {
		c.dups++
		return
	}
	c.recv++
	c.jit.add(s.sent, now)
	c.rtt = append(c.rtt, int32(min((now-s.sent)/1000, 1<<31-1)))
}

// snapshot copies the counters.
func (c *callStats) snapshot() callSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return callSnapshot{
		sent: c.sent.Load(), sentAll: c.sentAll.Load(),
		recv: c.recv, recvAll: c.recvAll, dups: c.dups, foreign: c.foreign,
		jitter: time.Duration(c.jit.j), rtt: slices.Clone(c.rtt),
	}
}

type callSnapshot struct {
	sent, sentAll, recv, recvAll, dups, foreign int64
	jitter                                      time.Duration
	rtt                                         []int32
}

// bitset grows as indexes come.
type bitset []uint64

func (b *bitset) testAndSet(i uint32) bool {
	w := int(i / 64)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w-len(*b)+1)...)
	}
	m := uint64(1) << (i % 64)
	was := (*b)[w]&m != 0
	(*b)[w] |= m
	return was
}

// percentile returns the p-th percentile (0..100) of sorted xs, nearest
// rank; 0 for none.
func percentile[T int32 | int64 | time.Duration](sorted []T, p float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted)) + 0.5)
	i = max(1, min(i, len(sorted)))
	return sorted[i-1]
}
