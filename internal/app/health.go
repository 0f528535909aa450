package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

const (
	// healthTimeout bounds a /healthz answer: a dependency that has not
	// answered by then is down (a frozen Redis would otherwise hold the
	// request for its client's read timeout and retries).
	healthTimeout = time.Second
	// healthLogEvery spaces the log lines of a dependency that stays down;
	// changes of state are always logged.
	healthLogEvery = time.Minute
)

// errNoAnswer is a probe that did not finish within healthTimeout.
var errNoAnswer = errors.New("app: no answer within the health check timeout")

// check is one health probe.
type check struct {
	name string
	fn   func(context.Context) error
}

// healthz reports each dependency as "ok" or "down"; 200 only when all are
// up. The reasons go to the log, not to whoever asks.
func healthz(log *slog.Logger, checks []check) http.Handler {
	probes := make([]*probe, len(checks))
	for i, c := range checks {
		probes[i] = &probe{check: c}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), healthTimeout)
		defer cancel()
		dones := make([]<-chan struct{}, len(probes))
		for i, p := range probes {
			dones[i] = p.start()
		}
		out := make(map[string]string, len(probes))
		code := http.StatusOK
		for i, p := range probes {
			err := errNoAnswer
			// A probe that finished counts even when the deadline has
			// passed too: select would pick between them at random.
			select {
			case <-dones[i]:
				err = p.result()
			default:
				select {
				case <-dones[i]:
					err = p.result()
				case <-ctx.Done():
				}
			}
			p.report(log, err)
			if err != nil {
				out[p.name] = "down"
				code = http.StatusServiceUnavailable
			} else {
				out[p.name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(out)
	})
}

// probe runs one check at most once at a time: requests arriving while it
// runs share its result, so that a hung dependency costs one goroutine,
// not one per request.
type probe struct {
	check

	mu      sync.Mutex
	running chan struct{} // closed when the run in flight ends; nil when none
	err     error         // the last finished run's result
	down    bool          // the state last reported
	logged  time.Time     // when a down state was last logged
}

// start begins a run unless one is in flight and returns a channel closed
// when the run ends. The run has its own deadline, not the request's, as
// later requests may wait for it.
func (p *probe) start() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running != nil {
		return p.running
	}
	done := make(chan struct{})
	p.running = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
		err := p.fn(ctx)
		cancel()
		p.mu.Lock()
		p.err, p.running = err, nil
		p.mu.Unlock()
		close(done)
	}()
	return done
}

func (p *probe) result() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// report logs a change of state, and a dependency that stays down once per
// healthLogEvery.
func (p *probe) report(log *slog.Logger, err error) {
	p.mu.Lock()
	was, now := p.down, err != nil
	due := now && time.Since(p.logged) >= healthLogEvery
	p.down = now
	if now && (due || !was) {
		p.logged = time.Now()
	}
	p.mu.Unlock()
	switch {
	case now && (!was || due):
		log.Warn("app: health check: dependency down", "dependency", p.name, "err", err)
	case !now && was:
		log.Info("app: health check: dependency back", "dependency", p.name)
	}
}
