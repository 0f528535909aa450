package jinglepeer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// Stream is the JSON-line protocol of a peer process: commands go to its
// stdin, events come from its stdout and queue until a test takes them. It
// is shared by this package's Peer and browserpeer's.
type Stream struct {
	name       string // prefix of errors, e.g. "jinglepeer"
	stdin      io.Writer
	stderrPath string

	writeMu sync.Mutex

	mu      sync.Mutex
	jid     string        // names the peer in Expect's errors
	queue   []Event       // not yet taken by Expect
	recent  []Event       // the last events, for failure messages
	errs    []Event       // every error, garbage or fatal event
	changed chan struct{} // closed and replaced when queue or ended changes
	ended   error         // set by End
}

const recentMax = 40

// NewStream returns a Stream writing commands to stdin. name prefixes its
// errors; stderrPath is the file with the process's stderr, whose tail
// Diagnostics shows.
func NewStream(name string, stdin io.Writer, stderrPath string) *Stream {
	return &Stream{name: name, stdin: stdin, stderrPath: stderrPath, changed: make(chan struct{})}
}

// SetJID names the peer in Expect's errors, once it has logged in.
func (s *Stream) SetJID(jid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jid = jid
}

// Read queues the events on r until it ends, then drains r so the process
// never blocks on a full pipe. It returns io.EOF at a clean end. A line
// that is not an event is queued as a "garbage" event, to stay visible.
func (s *Stream) Read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024) // SDP can be long
	for sc.Scan() {
		ev, err := ParseEvent(sc.Bytes())
		if err != nil {
			ev = Event{Name: "garbage", Fields: map[string]any{"line": sc.Text()}, Raw: sc.Text()}
		}
		s.mu.Lock()
		s.queue = append(s.queue, ev)
		s.recent = append(s.recent, ev)
		if len(s.recent) > recentMax {
			s.recent = s.recent[len(s.recent)-recentMax:]
		}
		if ev.Name == "error" || ev.Name == "garbage" || ev.Name == "fatal" {
			s.errs = append(s.errs, ev)
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	_, _ = io.Copy(io.Discard, r)
	return err
}

// End marks the stream ended: waits for events not queued by then fail
// with err.
func (s *Stream) End(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = err
	s.notifyLocked()
}

func (s *Stream) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Send writes one command as a JSON line.
func (s *Stream) Send(cmd map[string]any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("%s: encode command: %w", s.name, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, err := s.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%s: send %s: %w", s.name, b, err)
	}
	return nil
}

// Expect waits for the first event named event for which match (which may
// be nil) returns true and takes it from the queue; other events stay queued.
// On timeout the error shows the recent events and the peer's stderr.
func (s *Stream) Expect(ctx context.Context, event string, match func(Event) bool) (Event, error) {
	ev, err := s.ExpectAny(ctx, func(e Event) bool {
		return e.Name == event && (match == nil || match(e))
	})
	if err != nil {
		s.mu.Lock()
		jid := s.jid
		s.mu.Unlock()
		return Event{}, fmt.Errorf("%s: %s: waiting for %q: %w\n%s", s.name, jid, event, err, s.Diagnostics())
	}
	return ev, nil
}

// ExpectAny is Expect for any event match accepts. Its error is ctx's or
// End's alone, so the caller decides what to add.
func (s *Stream) ExpectAny(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		s.mu.Lock()
		for i, ev := range s.queue {
			if match(ev) {
				s.queue = append(s.queue[:i], s.queue[i+1:]...)
				s.mu.Unlock()
				return ev, nil
			}
		}
		changed, ended := s.changed, s.ended
		s.mu.Unlock()
		if ended != nil {
			return Event{}, ended
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// WaitTone waits for a "tone" event whose power at the first detected
// frequency is at least minPower.
func (s *Stream) WaitTone(ctx context.Context, minPower float64) (Event, error) {
	return s.Expect(ctx, "tone", func(e Event) bool { return e.Float("power") >= minPower })
}

// Events returns the recent events (at most 40), oldest first.
func (s *Stream) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.recent...)
}

// Errors returns every "error" and "fatal" event so far, and any output
// line that was not an event (named "garbage").
func (s *Stream) Errors() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.errs...)
}

// Diagnostics describes the recent events and the tail of stderr, for
// failure messages.
func (s *Stream) Diagnostics() string {
	var b strings.Builder
	b.WriteString("recent events:\n")
	for _, ev := range s.Events() {
		line := ev.Raw
		if len(line) > 600 {
			line = line[:600] + "…"
		}
		b.WriteString("\t" + line + "\n")
	}
	b.WriteString("stderr tail:\n" + launch.Tail(s.stderrPath, 25))
	return b.String()
}
