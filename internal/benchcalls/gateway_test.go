package benchcalls

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/internal/launch"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// runGateway starts the gateway, logs in one XMPP session per call, sets
// the calls up (o.parallel at a time), lets media settle, measures the
// window and hangs up every call.
func runGateway(tb testing.TB, e *env, clk clock) *result {
	tb.Helper()
	o := e.o
	e.startGateway(tb)
	api, err := newClientAPI()
	if err != nil {
		tb.Fatal(err)
	}
	clients := make([]*testenv.Client, len(e.users))
	for i, u := range e.users {
		clients[i] = e.prosody.Client(tb, u, password(u))
	}
	r := &result{name: "gateway", calls: o.calls, failures: map[string]int{}}
	if n, err := rss(e.gw.Pid()); err == nil {
		r.rssIdle = n
	}

	var w window
	stats := make([]*callStats, o.calls)
	calls := make([]*rtcCall, o.calls)
	paceCtx, stopPace := context.WithCancel(context.Background())
	defer stopPace()
	var media sync.WaitGroup // pacers and receivers
	var mu sync.Mutex
	var setup sync.WaitGroup
	sem := make(chan struct{}, o.parallel)
	start := time.Now()
	for i := range o.calls {
		stats[i] = &callStats{}
		setup.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; setup.Done() }()
			c, err := startCall(paceCtx, api, clients[i], e.callees[i], uint32(i), stats[i], clk, &w, &media, o.setupTimeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.failures[err.Error()]++
				return
			}
			calls[i] = c
			r.up++
		}()
	}
	setup.Wait()
	r.setup = time.Since(start)
	hungUp := false
	defer func() {
		if !hungUp { // a failure above
			hangupAll(calls, stopPace, &media)
		}
	}()
	if r.up == 0 {
		tb.Fatalf("benchcalls: no call came up: %v\ngateway log:\n%s", r.failures, tailGateway(e))
	}
	time.Sleep(o.settle)
	var up []*callStats
	for i, c := range calls {
		if c != nil {
			up = append(up, stats[i])
		}
	}
	pids := map[string]int{"relay": e.gw.Pid(), "sipp": e.sipp.Pid(), "load generator": selfPID()}
	class := func(port int) string {
		switch {
		case port == e.echoPort:
			return "SIPp echo"
		case port >= e.mediaLow && port <= e.mediaHigh || port == e.gwSIPPort:
			return "gateway"
		case port >= 32768: // the kernel's ephemeral range: pion's sockets in this process
			return "load generator (and any other process)"
		}
		return ""
	}
	measureWindow(o, &w, clk, pids, class, up, r)
	for _, c := range calls {
		if c != nil {
			if why := c.ended(); why != "" {
				r.failures["ended by the gateway during the run: "+why]++
			}
		}
	}
	hangupAll(calls, stopPace, &media)
	hungUp = true
	// Let the gateway record every call before it is stopped: a call
	// still ending at SIGTERM would be cut short.
	r.recorded = e.waitRecords(r.up, 60*time.Second)
	return r
}

// waitRecords waits until the gateway has written n call detail records
// and returns how many there are.
func (e *env) waitRecords(n int, timeout time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		cdrs, err := e.store.CDRs(ctx, int64(n)+1)
		if err == nil && len(cdrs) >= n || ctx.Err() != nil {
			return len(cdrs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startCall dials, starts sending once ICE+DTLS are up, and returns once
// the first packet has come back through the bridge.
func startCall(paceCtx context.Context, api *webrtc.API, client *testenv.Client, to string, idx uint32, st *callStats, clk clock, w *window, media *sync.WaitGroup, timeout time.Duration) (*rtcCall, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := dial(ctx, api, client, to)
	if err != nil {
		return nil, err
	}
	first := make(chan struct{})
	media.Add(2)
	go func() {
		defer media.Done()
		pace(paceCtx, c.stream, idx, st, clk, w)
	}()
	go func() {
		defer media.Done()
		select {
		case <-c.gotTrack:
			receive(c.stream, idx, st, clk, w, first)
		case <-c.failed:
		case <-c.sigDone:
		}
	}()
	select {
	case <-first:
		return c, nil
	case <-c.terminated:
		err = fmt.Errorf("benchcalls: the gateway ended the call before audio came back: %s", c.ended())
	case <-c.failed:
		err = errors.New("benchcalls: media failed before audio came back")
	case <-ctx.Done():
		err = errors.New("benchcalls: no audio came back in time")
	}
	c.hangup(context.Background())
	return nil, err
}

// hangupAll stops sending, ends every call (a few at a time, so SIPp gets
// its BYEs) and waits for the media goroutines.
func hangupAll(calls []*rtcCall, stopPace context.CancelFunc, media *sync.WaitGroup) {
	stopPace()
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, c := range calls {
		if c == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.hangup(context.Background())
		}()
	}
	wg.Wait()
	media.Wait()
}

func tailGateway(e *env) string {
	return launch.Tail(e.gwLog, 30)
}
