package smpp

import (
	"sync"
	"time"
)

// Bounds of the parts of concatenated messages waiting for the rest. The
// SMSC is only semi-trusted: a part whose siblings never come must not
// hold memory for ever, nor may many such parts.
const (
	defaultPartsTimeout = 5 * time.Minute
	maxPending          = 256 // concatenated messages being put together at once
)

// reassembler puts concatenated MO messages back together. Parts are
// kept as raw user data and decoded whole, because a sender may have cut
// a UTF-16 surrogate pair or a GSM-7 escape between two parts.
type reassembler struct {
	timeout time.Duration
	max     int

	mu      sync.Mutex
	pending map[partKey]*partial
}

// partKey tells concatenated messages apart: the same reference from
// another sender, or to another number, is another message.
type partKey struct {
	From, To string
	Ref      uint16
	Total    int
}

type partial struct {
	started time.Time
	coding  byte
	parts   [][]byte // by sequence number - 1; nil while missing
	have    int
}

func newReassembler(timeout time.Duration, max int) *reassembler {
	return &reassembler{timeout: timeout, max: max, pending: make(map[partKey]*partial)}
}

// add records one part. When every part of its message is there, it
// returns the message's user data, in order, with the data coding of its
// first part, and complete true; the parts stay until forget, so that a
// message the receiver could not take is put together again when the
// SMSC retries its last part. A duplicate part is ignored.
func (r *reassembler) add(now time.Time, k partKey, c concat, coding byte, data []byte) (whole []byte, wholeCoding byte, complete bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	p := r.pending[k]
	if p == nil {
		if len(r.pending) >= r.max {
			r.evictOldest()
		}
		p = &partial{started: now, parts: make([][]byte, k.Total)}
		r.pending[k] = p
	}
	if c.Seq >= 1 && c.Seq <= len(p.parts) && p.parts[c.Seq-1] == nil {
		p.parts[c.Seq-1] = append([]byte{}, data...)
		p.have++
		if c.Seq == 1 {
			p.coding = coding
		}
	}
	if p.have < len(p.parts) {
		return nil, 0, false
	}
	for _, d := range p.parts {
		whole = append(whole, d...)
	}
	return whole, p.coding, true
}

// forget drops a message once the receiver took it.
func (r *reassembler) forget(k partKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pending, k)
}

// size returns how many messages are waiting for parts.
func (r *reassembler) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

func (r *reassembler) expire(now time.Time) {
	for k, p := range r.pending {
		if now.Sub(p.started) > r.timeout {
			delete(r.pending, k)
		}
	}
}

func (r *reassembler) evictOldest() {
	var oldest partKey
	var t time.Time
	for k, p := range r.pending {
		if t.IsZero() || p.started.Before(t) {
			oldest, t = k, p.started
		}
	}
	delete(r.pending, oldest)
}
