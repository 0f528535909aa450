package benchcalls

import (
	"testing"
	"time"
)

func TestJitter(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, tt := range []struct {
		name     string
		delays   []int64 // transit time of packets sent every 20 ms
		min, max time.Duration
	}{
		{"constant delay adds none", []int64{5 * ms, 5 * ms, 5 * ms, 5 * ms}, 0, 0},
		{"one late packet", []int64{0, 16 * ms, 0}, 1937 * time.Microsecond, 1938 * time.Microsecond}, // 16/16 = 1, then 1 + (16-1)/16
		{"alternating converges towards the step", alternate(400, 0, 10*ms), 9 * time.Millisecond, 10 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var j jitter
			for i, d := range tt.delays {
				sent := int64(i) * 20 * ms
				j.add(sent, sent+d)
			}
			got := time.Duration(j.j)
			if got < tt.min || got > tt.max+time.Millisecond/1000 {
				t.Fatalf("jitter %v, want %v..%v", got, tt.min, tt.max)
			}
		})
	}
}

func alternate(n int, a, b int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		if i%2 == 0 {
			out[i] = a
		} else {
			out[i] = b
		}
	}
	return out
}

func TestCallStats(t *testing.T) {
	var w window
	var c callStats
	p := make([]byte, payloadSize)
	recv := func(call, index uint32, sent, now int64) {
		putPayload(p, stamp{call: call, index: index, sent: sent})
		c.received(7, p, now, &w)
	}
	recv(7, 0, 10, 20) // before the window is set: counted only as any-time
	w.set(100, 200)
	recv(7, 1, 100, 150)
	recv(7, 1, 100, 160) // duplicate
	recv(7, 2, 120, 170)
	recv(7, 3, 200, 210) // sent at the end: outside
	recv(8, 4, 130, 180) // another call's
	c.received(7, []byte("junk"), 190, &w)
	s := c.snapshot()
	for _, tt := range []struct {
		name      string
		got, want int64
	}{
		{"recvAll", s.recvAll, 5},
		{"recv", s.recv, 2},
		{"dups", s.dups, 1},
		{"foreign", s.foreign, 2},
		{"rtt samples", int64(len(s.rtt)), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("%s = %d, want %d", tt.name, tt.got, tt.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	xs := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct {
		p    float64
		want int64
	}{{50, 5}, {99, 10}, {0, 1}, {100, 10}} {
		if got := percentile(xs, tt.p); got != tt.want {
			t.Errorf("percentile(%v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	if got := percentile([]int64(nil), 50); got != 0 {
		t.Errorf("percentile of nothing = %d", got)
	}
}
