package billing

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrashKeepsAcknowledgedPostings kills Redis (SIGKILL) while postings
// are being made, restarts it from its append-only file, and checks that
// every posting the ledger acknowledged is still there and that each
// balance is the sum of its account's postings. This is the guarantee the
// README states for appendonly yes with appendfsync always.
func TestCrashKeepsAcknowledgedPostings(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	accounts := []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
	for _, a := range accounts {
		f.open(t, a, "0")
	}

	var (
		mu    sync.Mutex
		acked = map[string][]string{} // account → posting ids acknowledged
		n     atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for _, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("pay-%d", i)
				// A failed call (Redis gone) is not acknowledged and may
				// or may not have been applied; only acknowledged ones
				// are checked.
				if _, err := f.l.Credit(ctx, Adjustment{Account: a, ID: id, Kind: Payment, Amount: usd("0.01")}); err == nil {
					mu.Lock()
					acked[a] = append(acked[a], "payment:"+id)
					mu.Unlock()
					n.Add(1)
				} else {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for n.Load() < 400 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	f.srv.Kill(t) // mid-run: postings are in flight
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n.Load() < 400 {
		t.Fatalf("only %d postings acknowledged before the crash", n.Load())
	}
	f.srv.Start(t)

	for _, a := range accounts {
		ps, err := f.l.Usage(ctx, a, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		var sum int64
		for _, p := range ps {
			have[string(p.Kind)+":"+p.ID] = true
			sum += p.Amount.Amount
		}
		for _, id := range acked[a] {
			if !have[id] {
				t.Fatalf("%s: acknowledged posting %s lost in the crash (%d acknowledged, %d kept)", a, id, len(acked[a]), len(ps))
			}
		}
		if bal := f.account(t, a).Balance.Amount; bal != sum {
			t.Fatalf("%s: balance %d after the crash, but its postings sum to %d", a, bal, sum)
		}
		// A retry of an acknowledged posting after the restart is a replay,
		// not a second credit.
		last := acked[a][len(acked[a])-1]
		d, err := f.l.Credit(ctx, Adjustment{Account: a, ID: last[len("payment:"):], Kind: Payment, Amount: usd("0.01")})
		if err != nil || !d.Replay {
			t.Fatalf("%s: retrying %s after the restart = %+v, %v; want a replay", a, last, d, err)
		}
	}
}
