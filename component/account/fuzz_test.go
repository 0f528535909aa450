package account

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// FuzzCredit feeds the admin credit's answer arbitrary account, amount
// and reason: it either refuses one field or posts exactly the amount
// typed, within the bounds, to alice's account.
func FuzzCredit(f *testing.F) {
	f.Add(alice, "5.00", "goodwill")
	f.Add(alice, "-2.50", "refund")
	f.Add(alice+"/phone", "1000000.00", "x")
	f.Add("a@b@c", "1", "")
	f.Add(alice, "1e3", "x")
	f.Add(alice, "-0", "x")
	f.Add(alice, "99999999999999999999", "x")
	srv := testenv.StartRedis(f)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	f.Cleanup(func() { rdb.Close() })
	cfg := &billing.Config{Enabled: true}
	if err := cfg.Check(); err != nil {
		f.Fatal(err)
	}
	l, err := billing.New(rdb, "", cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	if _, err := l.Open(ctx, alice, ""); err != nil {
		f.Fatal(err)
	}
	a := New(Options{Ledger: l})
	f.Fuzz(func(t *testing.T, who, amount, reason string) {
		before, err := l.Account(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		r := &adhoc.Request{From: jid.MustParse(root), Stage: stageAdmin, State: adhoc.State{stateID: randomID()},
			Values: adhoc.Values{fieldJID: {who}, fieldAmount: {amount}, fieldReason: {reason}}}
		st, err := a.credit(ctx, r)
		after, aerr := l.Account(ctx, alice)
		if aerr != nil {
			t.Fatal(aerr)
		}
		delta := after.Balance.Amount - before.Balance.Amount
		if err != nil {
			if !errors.Is(err, adhoc.ErrInvalid) {
				t.Fatalf("not a field's refusal: %v", err)
			}
			if delta != 0 {
				t.Fatalf("refused (%v) but the balance moved by %d", err, delta)
			}
			return
		}
		if st == nil || !st.Done {
			t.Fatalf("step %+v", st)
		}
		m, perr := billing.ParseMoney(strings.TrimSpace(amount), "USD")
		if perr != nil || delta != m.Amount || delta == 0 || delta > maxAdminAmount || delta < -maxAdminAmount {
			t.Fatalf("amount %q moved the balance by %d", amount, delta)
		}
	})
}
