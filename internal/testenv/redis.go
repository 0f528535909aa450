package testenv

import (
	"syscall"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// Redis is a redis-server process private to one test. It persists its data
// in the test's temporary directory, so Stop and Start keep the state.
type Redis struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port/0

	r *launch.Redis
}

// StartRedis starts redis-server on a free port and waits until it answers
// PING. t.Cleanup stops it.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	if testing.Short() {
		t.Skip("testenv: starts redis-server (skipped with -short)")
	}
	r, err := launch.StartRedis(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return &Redis{Addr: r.Addr, URL: r.URL, r: r}
}

// Start starts the server again on the same port after Stop.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	if err := r.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Stop stops the server; clients see connection errors until Start. Stopping
// a stopped server does nothing.
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	r.r.Stop()
}

// Kill crashes the server (SIGKILL); Start brings it back with what its
// append-only file (appendfsync always) kept.
func (r *Redis) Kill(t testing.TB) {
	t.Helper()
	r.r.Kill()
}

// Freeze stops the server's process (SIGSTOP) without closing anything:
// connections stay open and nothing answers, like a hung server. It thaws
// (SIGCONT) when the test ends, or at Thaw.
func (r *Redis) Freeze(t testing.TB) {
	t.Helper()
	if err := r.r.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.r.Signal(syscall.SIGCONT) })
}

// Thaw resumes a frozen server.
func (r *Redis) Thaw(t testing.TB) {
	t.Helper()
	if err := r.r.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}
