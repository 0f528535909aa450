package benchcalls

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// options size a run. The common knobs come from BENCH_* variables; the
// rest keep their defaults unless a test sets them.
type options struct {
	calls    int           // BENCH_CALLS: concurrent calls (default 200)
	window   time.Duration // BENCH_SECONDS: measured interval (default 20 s)
	parallel int           // BENCH_SETUP_PARALLEL: calls being set up at once (default 8)
	baseline bool          // BENCH_BASELINE=0 skips the bare relay

	cpuProfile string // BENCH_CPUPROFILE: run the gateway as internal/bench/gwprof and write a CPU profile here
	logDir     string // BENCH_LOGDIR: copy the gateway's and SIPp's logs here

	settle        time.Duration // media flowing before the window opens
	grace         time.Duration // after the window, for the last echoes to arrive
	setupTimeout  time.Duration // one call: session-initiate to connected
	portsPerCall  int           // gateway UDP ports reserved per call (RTP pair + ICE)
	connectTimout time.Duration // gateway's [media] connect_timeout
}

func defaultOptions() options {
	return options{
		calls: 200, window: 20 * time.Second, parallel: 8, baseline: true,
		settle: 2 * time.Second, grace: time.Second, setupTimeout: 60 * time.Second,
		// An RTP pair plus one ICE socket per local address family and
		// interface (lo and eth0, IPv4 and IPv6), with room to spare.
		portsPerCall: 10, connectTimout: 60 * time.Second,
	}
}

func loadOptions(tb testing.TB) options {
	tb.Helper()
	o := defaultOptions()
	num := func(name string, least int) (int, bool) {
		s := os.Getenv(name)
		if s == "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < least {
			tb.Fatalf("benchcalls: %s=%q: want an integer >= %d", name, s, least)
		}
		return n, true
	}
	if n, ok := num("BENCH_CALLS", 1); ok {
		o.calls = n
	}
	if n, ok := num("BENCH_SECONDS", 1); ok {
		o.window = time.Duration(n) * time.Second
	}
	if n, ok := num("BENCH_SETUP_PARALLEL", 1); ok {
		o.parallel = n
	}
	if n, ok := num("BENCH_BASELINE", 0); ok {
		o.baseline = n != 0
	}
	if p := os.Getenv("BENCH_CPUPROFILE"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			tb.Fatalf("benchcalls: BENCH_CPUPROFILE: %v", err)
		}
		o.cpuProfile = abs
	}
	o.logDir = os.Getenv("BENCH_LOGDIR")
	return o
}
