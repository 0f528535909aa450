package benchcalls

import (
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole harness small: two calls through the gateway
// (Prosody, Redis, SIPp echoing, pion clients) and through the bare relay
// for a few seconds each, and checks that the calls came up and packets
// flowed both ways. Figures are not checked: the machine may be busy.
func TestSmoke(t *testing.T) {
	o := defaultOptions()
	o.calls, o.parallel = 2, 2
	o.window, o.settle, o.grace = 2*time.Second, 500*time.Millisecond, 500*time.Millisecond
	e := setup(t, o)
	clk := clock{base: time.Now()}
	bare := runBaseline(t, e, clk)
	gw := runGateway(t, e, clk)
	var out strings.Builder
	report(&out, o, loadAverage(), gw, bare)
	t.Log(out.String())
	for _, r := range []*result{bare, gw} {
		t.Run(strings.ReplaceAll(r.name, " ", "_"), func(t *testing.T) {
			if r.up != o.calls {
				t.Fatalf("%d of %d calls up: %v", r.up, o.calls, r.failures)
			}
			if len(r.snaps) != o.calls {
				t.Fatalf("%d call snapshots, want %d", len(r.snaps), o.calls)
			}
			for i, s := range r.snaps {
				if s.sent == 0 || s.recv == 0 {
					t.Errorf("call %d: %d packets sent and %d echoed in the window, want both > 0", i, s.sent, s.recv)
				}
				if s.foreign != 0 {
					t.Errorf("call %d: %d packets that were not its own", i, s.foreign)
				}
			}
			if r.relayCPU() <= 0 {
				t.Errorf("no CPU time measured for the relay process")
			}
		})
	}
	if gw.recorded < gw.up {
		t.Errorf("%d call detail records after hanging up %d calls", gw.recorded, gw.up)
	}
	if gw.rssPeak == 0 {
		t.Errorf("gateway memory not sampled")
	}
}
