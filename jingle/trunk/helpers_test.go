package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// waitLong bounds every wait in these tests: generous for a loaded CI box.
const waitLong = 60 * time.Second

// handlerFunc adapts a function to Handler.
type handlerFunc func(ctx context.Context, in *Incoming)

func (f handlerFunc) Incoming(ctx context.Context, in *Incoming) { f(ctx, in) }

// logRecorder keeps the messages logged, for waiting on events the
// protocol does not show the test (a registration refresh).
type logRecorder struct {
	mu     sync.Mutex
	msgs   []string
	levels []slog.Level
	next   slog.Handler
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) Handle(ctx context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	r.levels = append(r.levels, rec.Level)
	r.mu.Unlock()
	if r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

func (r *logRecorder) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// countLevel counts the lines logged at lvl or above.
func (r *logRecorder) countLevel(lvl slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.levels {
		if l >= lvl {
			n++
		}
	}
	return n
}

// dump lists the messages logged, for failures.
func (r *logRecorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for i, m := range r.msgs {
		fmt.Fprintf(&b, "%s %s\n", r.levels[i], m)
	}
	return b.String()
}

func newRecorder() *logRecorder {
	lvl := slog.LevelWarn
	if testing.Verbose() {
		lvl = slog.LevelDebug
	}
	return &logRecorder{next: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})}
}

// running is a Trunk serving in the background.
type running struct {
	*Trunk
	cancel context.CancelFunc
	done   chan error
	logs   *logRecorder
}

// stop cancels Run and waits for it to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		r.done <- err // for a second stop
	case <-time.After(waitLong):
		t.Fatal("Run did not return after cancel")
	}
}

// startTrunk runs a Trunk on a free port that sends calls to the SIPp at
// trunkAddr (may be empty when it only takes calls).
func startTrunk(t *testing.T, set Settings, h Handler) *running {
	t.Helper()
	if _, err := siptest.Binary(); err != nil {
		t.Fatal(err)
	}
	if set.Listen == "" {
		port, err := siptest.FreeUDPPort()
		if err != nil {
			t.Fatal(err)
		}
		set.Listen = net.JoinHostPort("127.0.0.1", itoa(port))
	}
	if set.Trunk == "" {
		set.Trunk = "sip:127.0.0.1:9" // discard: only for tests that take calls
	}
	rec := newRecorder()
	if set.Logger != nil { // the test reads the log lines too
		rec.next = set.Logger.Handler()
	}
	set.Logger = slog.New(rec)
	tr, err := New(set, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Trunk: tr, cancel: cancel, done: make(chan error, 1), logs: rec}
	go func() { r.done <- tr.Run(ctx) }()
	select {
	case <-tr.Ready():
	case err := <-r.done:
		t.Fatalf("Run: %v", err)
	case <-time.After(waitLong):
		t.Fatal("trunk not ready")
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

func itoa(n int) string { return strconv.Itoa(n) }

// rtpSocket is a test media socket on loopback.
func rtpSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxLong(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	t.Cleanup(cancel)
	return ctx
}
