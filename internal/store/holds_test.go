package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestHold: one holder at a time, however many race; the hold lapses by
// itself and only its holder lets it go.
func TestHold(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	won := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := string(rune('a'+i)) + "@example.org"
			if h, err := s.Hold(ctx, "num:+12015550100", who, time.Minute); err == nil && h == who {
				won <- who
			}
		}()
	}
	wg.Wait()
	close(won)
	var winners []string
	for w := range won {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("winners %v", winners)
	}
	w := winners[0]
	if hs, err := s.Holders(ctx, []string{"num:+12015550101", "num:+12015550100"}); err != nil || len(hs) != 2 || hs[0] != "" || hs[1] != w {
		t.Fatalf("holders %q %v", hs, err)
	}
	if h, _ := s.Hold(ctx, "num:+12015550100", w, time.Minute); h != w {
		t.Fatal("the holder could not extend")
	}
	if err := s.Unhold(ctx, "num:+12015550100", "other@example.org"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Hold(ctx, "num:+12015550100", "other@example.org", time.Minute); h != w {
		t.Fatal("someone else let the hold go")
	}
	if err := s.Unhold(ctx, "num:+12015550100", w); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Hold(ctx, "num:+12015550100", "other@example.org", 50*time.Millisecond); h != "other@example.org" {
		t.Fatal("not free after unhold")
	}
	time.Sleep(100 * time.Millisecond)
	if h, _ := s.Hold(ctx, "num:+12015550100", w, time.Minute); h != w {
		t.Fatal("the hold did not lapse")
	}
}

// TestInvites: uses are counted per JID, expiry and unknown codes refuse.
func TestInvites(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateInvite(ctx, Invite{Code: "AAAAA-BBBBB", Uses: 2, Bonus: 500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvite(ctx, Invite{Code: "AAAAA-BBBBB", Uses: 1}); !errors.Is(err, ErrInviteExists) {
		t.Fatalf("twice: %v", err)
	}
	if err := s.CreateInvite(ctx, Invite{Code: "SHORT-LIVED", Uses: 1, Expires: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		code, jid string
		at        time.Time
		first     bool
		err       error
	}{
		{"AAAAA-BBBBB", "a@example.org", now, true, nil},
		{"AAAAA-BBBBB", "a@example.org", now, false, nil},
		{"AAAAA-BBBBB", "b@example.org", now, true, nil},
		{"AAAAA-BBBBB", "c@example.org", now, false, ErrInviteUsed},
		{"NOPE", "c@example.org", now, false, ErrInviteUnknown},
		{"SHORT-LIVED", "c@example.org", now.Add(2 * time.Second), false, ErrInviteUnknown},
		{"SHORT-LIVED", "c@example.org", now, true, nil},
	}
	for _, st := range steps {
		inv, first, err := s.RedeemInvite(ctx, st.code, st.jid, st.at)
		if !errors.Is(err, st.err) || first != st.first || err == nil && inv.Code != st.code {
			t.Fatalf("%+v: got %+v %v %v", st, inv, first, err)
		}
	}
	invs, err := s.Invites(ctx)
	if err != nil || len(invs) != 2 || invs[0].Left != 0 || invs[0].Bonus != 500 || invs[1].Expires.IsZero() {
		t.Fatalf("invites %+v %v", invs, err)
	}
}
