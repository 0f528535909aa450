package bridge

import (
	"net/netip"
	"testing"
	"time"
)

// TestLimiterForgets: the limiter's memory does not grow with the number
// of sources or numbers that ever called (a flood from spoofed addresses):
// released calls leave no counts, and buckets refilled are dropped.
func TestLimiterForgets(t *testing.T) {
	s := Settings{}
	s.defaults()
	l := newLimiter(&s)
	now := time.Unix(1_800_000_000, 0)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		sl, over := l.admitIncoming(src, "+1201555"+string(rune('0'+i%10)))
		if over != "" {
			t.Fatalf("call %d refused: %s", i, over)
		}
		sl.release()
		sl.release() // once only
	}
	if l.total != 0 || len(l.bySource) != 0 || len(l.byNumber) != 0 {
		t.Fatalf("counts left after every call ended: total %d, %d sources, %d numbers", l.total, len(l.bySource), len(l.byNumber))
	}
	if len(l.buckets) != 1000 {
		t.Fatalf("%d buckets, want 1000", len(l.buckets))
	}
	now = now.Add(2 * time.Minute)
	if _, over := l.admitIncoming(netip.MustParseAddr("192.0.2.1"), "+12015550100"); over != "" {
		t.Fatal(over)
	}
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets two minutes later, want 1", len(l.buckets))
	}
}
