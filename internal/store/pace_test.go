package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestPace: two stores on one Redis (two gateway instances) booking sends
// for one number at 10 a second get slots 100 ms apart, never the same;
// a key paced alongside holds back a send for the slower of the two; a
// key left alone for a while sends at once again.
func TestPace(t *testing.T) {
	a, r := open(t)
	b, err := Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	every := []time.Duration{100 * time.Millisecond}
	var mu sync.Mutex
	var waits []time.Duration
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := s.Pace(ctx, []string{"n:+12015550100"}, every)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			waits = append(waits, w)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Six bookings within a few ms: waits of about 0, 100, ..., 500 ms.
	seen := map[int]bool{}
	for _, w := range waits {
		slot := int((w + 50*time.Millisecond) / (100 * time.Millisecond))
		if seen[slot] || slot > 5 {
			t.Fatalf("waits %v: two sends share a slot, or one is too late", waits)
		}
		seen[slot] = true
	}
	// With the carrier's key at 1 a second beside it, the number's next
	// send waits for the carrier's slot.
	if _, err := a.Pace(ctx, []string{"c:twilio"}, []time.Duration{time.Second}); err != nil {
		t.Fatal(err)
	}
	w, err := b.Pace(ctx, []string{"n:+12015550199", "c:twilio"}, []time.Duration{100 * time.Millisecond, time.Second})
	if err != nil || w < 900*time.Millisecond || w > time.Second {
		t.Errorf("wait %v, %v; want the carrier's next slot, about 1 s", w, err)
	}
	time.Sleep(1200 * time.Millisecond)
	if w, err := a.Pace(ctx, []string{"n:+12015550100"}, every); err != nil || w != 0 {
		t.Errorf("after a quiet while: wait %v, %v; want 0", w, err)
	}
	if _, err := a.Pace(ctx, []string{"a", "b"}, every); err == nil {
		t.Error("two keys, one interval: no error")
	}
}
