package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

func getHealth(h http.Handler) (int, string, time.Duration) {
	start := time.Now()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	return w.Code, strings.TrimSpace(w.Body.String()), time.Since(start)
}

// TestHealthzQuiet: /healthz says ok or down per dependency and nothing
// more (it used to return the internal error text); the reason goes to the
// log, once per state change and then at most once a minute.
func TestHealthzQuiet(t *testing.T) {
	var logs syncbuf.Buffer
	down := atomic.Bool{}
	down.Store(true)
	h := healthz(slog.New(slog.NewTextHandler(&logs, nil)), []check{
		{"redis", func(context.Context) error {
			if down.Load() {
				return errors.New("store: redis: dial tcp 10.1.2.3:6379: connect: connection refused")
			}
			return nil
		}},
		{"xmpp", func(context.Context) error { return nil }},
	})
	for range 5 {
		code, body, _ := getHealth(h)
		if code != http.StatusServiceUnavailable || body != `{"redis":"down","xmpp":"ok"}` {
			t.Fatalf("got %d %s", code, body)
		}
	}
	if n := strings.Count(logs.String(), "dependency down"); n != 1 || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("%d down lines in the log, want 1 with the reason:\n%s", n, logs.String())
	}
	down.Store(false)
	if code, body, _ := getHealth(h); code != http.StatusOK || body != `{"redis":"ok","xmpp":"ok"}` {
		t.Fatalf("got %d %s", code, body)
	}
	if !strings.Contains(logs.String(), "dependency back") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

// TestHealthzTimeout: a dependency that does not answer (a frozen Redis)
// is down after healthTimeout, however long it hangs; concurrent requests
// share one probe instead of piling up goroutines.
func TestHealthzTimeout(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	h := healthz(slog.New(slog.DiscardHandler), []check{
		{"redis", func(context.Context) error {
			calls.Add(1)
			<-release // ignores its context, as a client stuck in a read does
			return nil
		}},
		{"xmpp", func(context.Context) error { return nil }},
	})
	defer close(release)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, took := getHealth(h)
			if code != http.StatusServiceUnavailable || body != `{"redis":"down","xmpp":"ok"}` {
				t.Errorf("got %d %s", code, body)
			}
			if took > healthTimeout+500*time.Millisecond {
				t.Errorf("answered after %v", took)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d probes ran at once, want 1", n)
	}
}

// TestHealthzFrozenRedis: with a real redis-server frozen (SIGSTOP: the
// connection stays open and nothing answers), /healthz answers within its
// own timeout, with "down" and no internal error text; it used to take 5 s.
func TestHealthzFrozenRedis(t *testing.T) {
	e := startEnv(t, envOptions{})
	e.redis.Freeze(t)
	for range 3 {
		start := time.Now()
		code, body := e.get(t, "/healthz")
		if took := time.Since(start); took > healthTimeout+500*time.Millisecond {
			t.Errorf("/healthz took %v", took)
		}
		if code != http.StatusServiceUnavailable || strings.TrimSpace(body) != `{"redis":"down","xmpp":"ok"}` {
			t.Fatalf("got %d %s", code, body)
		}
	}
	e.redis.Thaw(t)
	e.waitHealthy(t)
}
