package billing

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMove: a move carries balance, plan, period and postings to the new
// account, once; it refuses an existing target, a missing source and an
// account with a send in flight.
func TestMove(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const from, to = "old@example.org", "new@example.org"
	if _, err := f.l.Open(ctx, from, "basic"); err != nil {
		t.Fatal(err)
	}
	must(t)(f.l.Credit(ctx, Adjustment{Account: from, ID: "evt_m1", Kind: Payment, Amount: usd("10.00")}))
	before := f.account(t, from)
	if err := f.l.SetLowBalance(ctx, from, usd("3.00")); err != nil {
		t.Fatal(err)
	}

	ev := Event{Account: from, ID: "inflight", Kind: SMS, Remote: "+447700900123", Quantity: 1}
	must(t)(f.l.Reserve(ctx, ev))
	if err := f.l.Move(ctx, from, to); !errors.Is(err, ErrBusy) {
		t.Fatalf("Move with a send in flight = %v, want ErrBusy", err)
	}
	must(t)(f.l.Commit(ctx, ev, "SM1"))

	f.open(t, "taken@example.org", "1.00")
	for _, tt := range []struct {
		name     string
		from, to string
		want     error
	}{
		{"target exists", from, "taken@example.org", ErrExists},
		{"no source", "nobody@example.org", "x@example.org", ErrAccount},
		{"to itself", from, from, ErrEvent},
		{"empty", from, "", ErrEvent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.l.Move(ctx, tt.from, tt.to); !errors.Is(err, tt.want) {
				t.Fatalf("Move = %v, want %v", err, tt.want)
			}
		})
	}

	if err := f.l.Move(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	if err := f.l.Move(ctx, from, to); err != nil {
		t.Fatalf("a retried Move = %v, want nil", err)
	}
	a := f.account(t, to)
	if a.Balance != usd("4.96") || a.Plan != "basic" || !a.PeriodEnd.Equal(before.PeriodEnd) || a.LowBalance != usd("3.00") || a.Allowances[SMS] != 100 {
		t.Fatalf("moved account %+v (before %+v)", a, before)
	}
	if _, err := f.l.Account(ctx, from); !errors.Is(err, ErrAccount) {
		t.Fatalf("old account still there: %v", err)
	}
	ps, err := f.l.Usage(ctx, to, 10)
	if err != nil || len(ps) != 3 || ps[0].Kind != SMS || ps[2].ID != "evt_m1" {
		t.Fatalf("postings after the move %+v, %v", ps, err)
	}
	// The old id posts nothing on the new account twice.
	d := must(t)(f.l.Credit(ctx, Adjustment{Account: to, ID: "evt_m1", Kind: Payment, Amount: usd("10.00")}))
	if !d.Replay {
		t.Fatalf("a payment credited before the move was credited again: %+v", d)
	}
	ids, err := f.l.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id == from {
			t.Errorf("accounts still lists %s", from)
		}
	}
	f.clk.Add(32 * 24 * time.Hour)
	due, err := f.l.Due(ctx, 10)
	if err != nil || len(due) != 1 || due[0] != to {
		t.Fatalf("Due = %v, %v; want the new account", due, err)
	}
}

// TestCancelAtEnd: a cancelled account keeps its period, is not renewed
// at its end but reported Closing (again until Closed), and Closed ends
// the plan.
func TestCancelAtEnd(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "leaving@example.org"
	if _, err := f.l.Open(ctx, acct, "basic"); err != nil {
		t.Fatal(err)
	}
	must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "evt_c1", Kind: Payment, Amount: usd("10.00")}))
	if err := f.l.CancelAtEnd(ctx, acct, true); err != nil {
		t.Fatal(err)
	}
	if r, err := f.l.Renew(ctx, acct); err != nil || r.Closing || r.Periods != 0 {
		t.Fatalf("Renew inside the period = %+v, %v", r, err)
	}
	f.clk.Add(32 * 24 * time.Hour)
	rs, err := f.l.RenewDue(ctx, 10)
	if err != nil || len(rs) != 1 || !rs[0].Closing || rs[0].Periods != 0 {
		t.Fatalf("RenewDue at the period end = %+v, %v", rs, err)
	}
	if a := f.account(t, acct); a.Balance != usd("5.01") {
		t.Fatalf("a cancelled account was charged: %+v", a)
	}
	// Not closed yet (the numbers could not be released): again in an hour.
	if rs, _ := f.l.RenewDue(ctx, 10); len(rs) != 0 {
		t.Fatalf("due again at once: %+v", rs)
	}
	f.clk.Add(2 * time.Hour)
	if rs, _ := f.l.RenewDue(ctx, 10); len(rs) != 1 || !rs[0].Closing {
		t.Fatalf("not retried: %+v", rs)
	}
	if err := f.l.Closed(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if err := f.l.Closed(ctx, acct); err != nil {
		t.Fatal(err)
	}
	a := f.account(t, acct)
	if a.Plan != "" || a.CancelAtEnd || a.Numbers != 0 || a.Balance != usd("5.01") {
		t.Fatalf("closed account %+v", a)
	}
	f.clk.Add(40 * 24 * time.Hour)
	if rs, _ := f.l.RenewDue(ctx, 10); len(rs) != 0 {
		t.Fatalf("a closed account is still due: %+v", rs)
	}

	t.Run("taken back", func(t *testing.T) {
		const b = "stays@example.org"
		if _, err := f.l.Open(ctx, b, "basic"); err != nil {
			t.Fatal(err)
		}
		must(t)(f.l.Credit(ctx, Adjustment{Account: b, ID: "evt_c2", Kind: Payment, Amount: usd("10.00")}))
		if err := f.l.CancelAtEnd(ctx, b, true); err != nil {
			t.Fatal(err)
		}
		if err := f.l.CancelAtEnd(ctx, b, false); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(32 * 24 * time.Hour)
		r, err := f.l.Renew(ctx, b)
		if err != nil || r.Closing || r.Periods != 1 {
			t.Fatalf("Renew after taking the cancel back = %+v, %v", r, err)
		}
	})
}
