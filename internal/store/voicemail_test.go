package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestVoicemailLedger: the budget counts reservations and recordings
// across instances (two Stores on one Redis), refuses what does not fit,
// shrinks as recordings expire, and the hourly cap counts per number.
func TestVoicemailLedger(t *testing.T) {
	a, r := open(t)
	b, err := Open(r.URL) // a second gateway instance
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	lim := VoicemailLimits{PerHour: 100, Budget: 1000}
	used := func(at time.Time, want int64) {
		t.Helper()
		if got, err := a.VoicemailBytes(ctx, at); err != nil || got != want {
			t.Fatalf("bytes at +%v = %d, %v; want %d", at.Sub(now), got, err, want)
		}
	}
	hour, day := now.Add(time.Hour), now.Add(24*time.Hour)

	t.Run("budget", func(t *testing.T) {
		if err := a.ReserveVoicemail(ctx, now, "r1", "+12015550100", 400, now.Add(time.Minute), lim); err != nil {
			t.Fatal(err)
		}
		if err := b.ReserveVoicemail(ctx, now, "r2", "+12015550101", 400, now.Add(time.Minute), lim); err != nil {
			t.Fatal(err)
		}
		used(now, 800)
		// The other instance's reservation counts: 800 + 400 > 1000.
		if err := a.ReserveVoicemail(ctx, now, "r3", "+12015550102", 400, now.Add(time.Minute), lim); !errors.Is(err, ErrVoicemailBudget) {
			t.Fatalf("reserve over the budget: %v", err)
		}
		// r1 is stored at its real size for a day, r2 left no message.
		if err := a.SettleVoicemail(ctx, now, "r1", 150, day); err != nil {
			t.Fatal(err)
		}
		if err := b.ReleaseVoicemail(ctx, "r2"); err != nil {
			t.Fatal(err)
		}
		used(now, 150)
		if err := a.ReserveVoicemail(ctx, now, "r3", "+12015550102", 800, now.Add(time.Minute), lim); err != nil {
			t.Fatalf("reserve what fits: %v", err)
		}
		used(now, 950)
		// The instance holding r3 dies: its reservation lapses on its own.
		used(now.Add(2*time.Minute), 150)
		// r1 expires with its recording.
		used(day.Add(time.Second), 0)
		if err := a.ReserveVoicemail(ctx, day.Add(time.Second), "r4", "+12015550100", 1000, day.Add(time.Hour), lim); err != nil {
			t.Fatalf("reserve the whole budget once all expired: %v", err)
		}
		if err := a.ReleaseVoicemail(ctx, "r4"); err != nil {
			t.Fatal(err)
		}
		if err := a.ReleaseVoicemail(ctx, "r4"); err != nil { // twice: no harm
			t.Fatal(err)
		}
		used(day.Add(time.Second), 0)
	})

	t.Run("per hour", func(t *testing.T) {
		lim := VoicemailLimits{PerHour: 3, Budget: 1 << 20}
		at := hour.Add(48 * time.Hour)
		for i, id := range []string{"h1", "h2", "h3"} {
			// Released reservations (no message left) still count.
			if err := a.ReserveVoicemail(ctx, at.Add(time.Duration(i)*time.Minute), id, "+12015550100", 10, at.Add(time.Hour), lim); err != nil {
				t.Fatal(err)
			}
			_ = a.ReleaseVoicemail(ctx, id)
		}
		if err := b.ReserveVoicemail(ctx, at.Add(10*time.Minute), "h4", "+12015550100", 10, at.Add(time.Hour), lim); !errors.Is(err, ErrVoicemailHourly) {
			t.Fatalf("fourth recording in the hour: %v", err)
		}
		if err := b.ReserveVoicemail(ctx, at.Add(10*time.Minute), "h5", "+12015550199", 10, at.Add(time.Hour), lim); err != nil {
			t.Fatalf("another number: %v", err)
		}
		// An hour after the first, one slot is free again.
		if err := b.ReserveVoicemail(ctx, at.Add(time.Hour+time.Second), "h6", "+12015550100", 10, at.Add(2*time.Hour), lim); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
		if err := b.ReserveVoicemail(ctx, at.Add(time.Hour+2*time.Second), "h7", "+12015550100", 10, at.Add(2*time.Hour), lim); !errors.Is(err, ErrVoicemailHourly) {
			t.Fatalf("still two in the last hour plus h6: %v", err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// 40 reservations at once from two instances: exactly as many as
		// fit are granted.
		at := day.Add(72 * time.Hour)
		lim := VoicemailLimits{PerHour: 1000, Budget: 10 * 100}
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := 0
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := a
				if i%2 == 1 {
					s = b
				}
				err := s.ReserveVoicemail(ctx, at, "c"+string(rune('A'+i)), "+1201555"+string(rune('A'+i)), 100, at.Add(time.Minute), lim)
				if err == nil {
					mu.Lock()
					granted++
					mu.Unlock()
				} else if !errors.Is(err, ErrVoicemailBudget) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if granted != 10 {
			t.Errorf("%d reservations granted, want 10", granted)
		}
	})
}
