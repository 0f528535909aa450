package commit

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGroup: every item runs exactly once, gets its own outcome, batches
// never overlap nor exceed Max, and concurrent callers share batches.
func TestGroup(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		callers int
	}{
		{"one caller", 0, 1},
		{"many callers", 0, 200},
		{"bounded batches", 7, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Group[int]{Max: tt.max}
			var running, batches atomic.Int32
			seen := make([]atomic.Int32, tt.callers)
			run := func(batch []int) []error {
				if running.Add(1) != 1 {
					t.Error("two batches ran at once")
				}
				defer running.Add(-1)
				batches.Add(1)
				if tt.max > 0 && len(batch) > tt.max {
					t.Errorf("batch of %d, over %d", len(batch), tt.max)
				}
				time.Sleep(time.Millisecond) // let others queue
				errs := make([]error, len(batch))
				for i, it := range batch {
					seen[it].Add(1)
					if it%2 == 1 {
						errs[i] = fmt.Errorf("odd %d", it)
					}
				}
				return errs
			}
			var wg sync.WaitGroup
			for i := range tt.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := g.Do(i, run)
					if want := i%2 == 1; (err != nil) != want || (err != nil && err.Error() != fmt.Sprintf("odd %d", i)) {
						t.Errorf("item %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			for i := range seen {
				if n := seen[i].Load(); n != 1 {
					t.Errorf("item %d ran %d times", i, n)
				}
			}
			if tt.callers > 50 && int(batches.Load()) >= tt.callers {
				t.Errorf("%d batches for %d concurrent callers: none shared", batches.Load(), tt.callers)
			}
		})
	}
}

// TestShortErrors: a run that returns fewer errors than items leaves the
// rest nil rather than failing.
func TestShortErrors(t *testing.T) {
	var g Group[string]
	boom := errors.New("boom")
	if err := g.Do("a", func([]string) []error { return []error{boom} }); !errors.Is(err, boom) {
		t.Fatalf("Do = %v", err)
	}
	if err := g.Do("b", func([]string) []error { return nil }); err != nil {
		t.Fatalf("Do = %v", err)
	}
}
