package softphone

import (
	"context"
	"sync"
	"time"
)

// Event is one thing the page learns by polling its line.
type Event struct {
	Seq    int    `json:"seq"`
	Type   string `json:"type"` // incoming, ringing, answered, ended
	Call   string `json:"call"`
	From   string `json:"from,omitempty"`
	SDP    string `json:"sdp,omitempty"`
	Reason string `json:"reason,omitempty"` // ended: why, in plain words for the page
	Code   int    `json:"code,omitempty"`   // ended: the SIP status, when the gateway refused the call
}

// line is one browser page holding one number.
type line struct {
	id, number string

	mu       sync.Mutex
	events   []Event
	seq      int
	notify   chan struct{}
	lastPoll time.Time // when a poll last started or ended
	polling  int       // polls waiting now: the page is there
}

func newLine(id, number string) *line {
	return &line{id: id, number: number, notify: make(chan struct{}), lastPoll: time.Now()}
}

// idle reports whether the page has not polled for limit: a page that
// is waiting in a long poll is there, however long the poll lasts.
func (l *line) idle(limit time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.polling == 0 && time.Since(l.lastPoll) > limit
}

// post queues e for the page; only the latest 100 are kept.
func (l *line) post(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.events = append(l.events, e)
	if len(l.events) > 100 {
		l.events = l.events[len(l.events)-100:]
	}
	close(l.notify)
	l.notify = make(chan struct{})
}

// poll returns the events after seq, waiting up to wait for one.
func (l *line) poll(ctx context.Context, after int, wait time.Duration) []Event {
	t := time.NewTimer(wait)
	defer t.Stop()
	l.mu.Lock()
	l.polling++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.polling--
		l.lastPoll = time.Now()
		l.mu.Unlock()
	}()
	for {
		l.mu.Lock()
		l.lastPoll = time.Now()
		var out []Event
		for _, e := range l.events {
			if e.Seq > after {
				out = append(out, e)
			}
		}
		ch := l.notify
		l.mu.Unlock()
		if len(out) > 0 {
			return out
		}
		select {
		case <-ch:
		case <-t.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}
