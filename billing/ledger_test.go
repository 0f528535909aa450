package billing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is the ledger's clock in tests, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	l   *Ledger
	clk *clock
	rdb *redis.Client
	srv *testenv.Redis
}

func newFixture(t testing.TB, src string) *fixture {
	t.Helper()
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, PoolSize: 32})
	t.Cleanup(func() { rdb.Close() })
	clk := &clock{t: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
	l, err := New(rdb, "", checked(t, src), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{l: l, clk: clk, rdb: rdb, srv: srv}
}

func usd(s string) Money {
	m, err := ParseMoney(s, "USD")
	if err != nil {
		panic(err)
	}
	return m
}

// open makes a pay-as-you-go account holding balance.
func (f *fixture) open(t testing.TB, account, balance string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.l.Open(ctx, account, ""); err != nil {
		t.Fatal(err)
	}
	if balance == "0" {
		return
	}
	if _, err := f.l.Credit(ctx, Adjustment{Account: account, ID: "evt_open_" + account, Kind: Payment, Amount: usd(balance)}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) account(t testing.TB, account string) Account {
	t.Helper()
	a, err := f.l.Account(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// must(t)(l.Reserve(...)) fails t on an error.
func must(t testing.TB) func(Decision, error) Decision {
	return func(d Decision, err error) Decision {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
}

func TestSend(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	f.open(t, "alice@example.org", "0.10")
	uk := "+447700900123"
	ev := Event{Account: "alice@example.org", ID: "job1", Kind: SMS, Remote: uk, Quantity: 1}

	t.Run("reserve", func(t *testing.T) {
		d := must(t)(f.l.Reserve(ctx, ev))
		if !d.Allowed || d.Amount != usd("0.05") || d.Reserved != usd("0.05") || d.Balance != usd("0.10") || d.Replay {
			t.Fatalf("Reserve = %+v, want 0.05 reserved of 0.10", d)
		}
	})
	t.Run("reserve again is the same hold", func(t *testing.T) {
		d := must(t)(f.l.Reserve(ctx, ev))
		if !d.Allowed || !d.Replay || d.Reserved != usd("0.05") {
			t.Fatalf("Reserve again = %+v, want a replay with 0.05 reserved", d)
		}
	})
	var first Decision
	t.Run("commit", func(t *testing.T) {
		first = must(t)(f.l.Commit(ctx, ev, "SM1"))
		if !first.Allowed || first.Amount != usd("0.05") || first.Balance != usd("0.05") || !first.Reserved.IsZero() || first.Time.IsZero() {
			t.Fatalf("Commit = %+v, want 0.05 charged, 0.05 left, nothing reserved", first)
		}
	})
	t.Run("commit again returns the original", func(t *testing.T) {
		d := must(t)(f.l.Commit(ctx, ev, "SM1"))
		if !d.Replay || d.Amount != first.Amount || d.Balance != first.Balance || !d.Time.Equal(first.Time) {
			t.Fatalf("Commit again = %+v, want the original %+v", d, first)
		}
		if a := f.account(t, ev.Account); a.Balance != usd("0.05") {
			t.Fatalf("balance %s after a retried commit, want 0.05", a.Balance)
		}
	})
	t.Run("reserve after commit is the posting", func(t *testing.T) {
		d := must(t)(f.l.Reserve(ctx, ev))
		if !d.Replay || !d.Allowed || !f.account(t, ev.Account).Reserved.IsZero() {
			t.Fatalf("Reserve of a committed id = %+v, want a replay and nothing held", d)
		}
	})
	for _, tc := range []struct {
		name   string
		ev     Event
		reason Reason
		text   string
	}{
		{"no funds", Event{Account: ev.Account, ID: "job2", Kind: SMS, Remote: uk, Quantity: 2}, NoFunds, "does not cover this text (0.10 USD)"},
		{"no rate", Event{Account: ev.Account, ID: "job3", Kind: SMS, Remote: "+19005550100", Quantity: 1}, NoRate, "not available"},
		{"no account", Event{Account: "nobody@example.org", ID: "job4", Kind: SMS, Remote: uk, Quantity: 1}, NoAccount, "Register"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := must(t)(f.l.Reserve(ctx, tc.ev))
			if d.Allowed || d.Reason != tc.reason || !strings.Contains(d.Text(), tc.text) {
				t.Fatalf("Reserve = %+v (%q), want %s saying %q", d, d.Text(), tc.reason, tc.text)
			}
		})
	}
	t.Run("release", func(t *testing.T) {
		ev := Event{Account: ev.Account, ID: "job5", Kind: SMS, Remote: uk, Quantity: 1}
		if d := must(t)(f.l.Reserve(ctx, ev)); !d.Allowed {
			t.Fatalf("Reserve = %+v", d)
		}
		for range 2 {
			if err := f.l.Release(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if a := f.account(t, ev.Account); !a.Reserved.IsZero() || a.Balance != usd("0.05") {
			t.Fatalf("after Release: %+v", a)
		}
	})
	t.Run("bad events", func(t *testing.T) {
		for _, bad := range []Event{
			{Account: "", ID: "x", Kind: SMS, Remote: uk, Quantity: 1},
			{Account: "a", ID: "", Kind: SMS, Remote: uk, Quantity: 1},
			{Account: "a", ID: "has space", Kind: SMS, Remote: uk, Quantity: 1},
			{Account: "a", ID: "x", Kind: Payment, Remote: uk, Quantity: 1},
			{Account: "a", ID: "x", Kind: SMS, Remote: uk, Quantity: -1},
			{Account: "a", ID: "x", Kind: SMS, Remote: uk, Quantity: maxQuantity + 1},
		} {
			if _, err := f.l.Reserve(ctx, bad); !errors.Is(err, ErrEvent) {
				t.Errorf("Reserve(%+v) error %v, want ErrEvent", bad, err)
			}
		}
	})
}

// TestConcurrentSends: 1000 sends at once against a balance that covers
// exactly 10 charge exactly 10.
func TestConcurrentSends(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "crowd@example.org"
	f.open(t, acct, "0.10")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := Event{Account: acct, ID: "job" + itoa(int64(i)), Kind: SMS, Remote: "+12015550123", Quantity: 1}
			d, err := f.l.Reserve(ctx, ev)
			if err == nil && d.Allowed {
				_, err = f.l.Commit(ctx, ev, "SM"+itoa(int64(i)))
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if d.Allowed {
				allowed++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	a := f.account(t, acct)
	if allowed != 10 || !a.Balance.IsZero() || !a.Reserved.IsZero() {
		t.Fatalf("%d sends allowed, balance %s, reserved %s; want 10, 0, 0", allowed, a.Balance, a.Reserved)
	}
	ps, err := f.l.Usage(ctx, acct, 2000)
	if err != nil {
		t.Fatal(err)
	}
	sms := 0
	for _, p := range ps {
		if p.Kind == SMS {
			sms++
		}
	}
	if sms != 10 || len(ps) != 11 {
		t.Fatalf("ledger holds %d postings, %d of them texts; want the top-up and 10 texts", len(ps), sms)
	}
}

func TestCall(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "carol@example.org"
	f.open(t, acct, "0.50")
	// +44 calls: 0.10 a minute in 6/6 increments.
	call := func(total int64) Event {
		return Event{Account: acct, ID: "call1", Kind: Call, Remote: "+447700900123", Quantity: total}
	}
	steps := []struct {
		name    string
		op      func(Event) (Decision, error)
		total   int64
		allowed bool
		amount  string
	}{
		{"reserve the first minute", func(e Event) (Decision, error) { return f.l.Reserve(ctx, e) }, 60, true, "0.10"},
		{"extend to two minutes", func(e Event) (Decision, error) { return f.l.Extend(ctx, e) }, 120, true, "0.20"},
		{"extend again to the same total", func(e Event) (Decision, error) { return f.l.Extend(ctx, e) }, 120, true, "0.20"},
		{"extend to five minutes: all the balance", func(e Event) (Decision, error) { return f.l.Extend(ctx, e) }, 300, true, "0.50"},
		{"extend to six minutes: refused, the call ends", func(e Event) (Decision, error) { return f.l.Extend(ctx, e) }, 360, false, "0.60"},
		{"settle 4:01, billed 4:06", func(e Event) (Decision, error) { return f.l.Settle(ctx, e, "CA1") }, 241, true, "0.41"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			d := must(t)(s.op(call(s.total)))
			if d.Allowed != s.allowed || d.Amount != usd(s.amount) {
				t.Fatalf("%+v, want allowed %v amount %s", d, s.allowed, s.amount)
			}
			if !s.allowed && (d.Reason != NoFunds || d.Text() == "") {
				t.Fatalf("refusal %+v without a reason or text", d)
			}
		})
	}
	a := f.account(t, acct)
	if a.Balance != usd("0.09") || !a.Reserved.IsZero() {
		t.Fatalf("after the call: %+v, want 0.09 and nothing reserved", a)
	}
	t.Run("extend after settle", func(t *testing.T) {
		d := must(t)(f.l.Extend(ctx, call(600)))
		if !d.Replay || d.Amount != usd("0.41") {
			t.Fatalf("Extend after Settle = %+v, want the posting", d)
		}
	})
	t.Run("extend without a hold", func(t *testing.T) {
		d := must(t)(f.l.Extend(ctx, Event{Account: acct, ID: "call2", Kind: Call, Remote: "+447700900123", Quantity: 60}))
		if d.Allowed || d.Reason != NoHold {
			t.Fatalf("Extend of nothing = %+v, want NoHold", d)
		}
	})
	t.Run("usage", func(t *testing.T) {
		ps, err := f.l.Usage(ctx, acct, 1)
		if err != nil || len(ps) != 1 {
			t.Fatalf("Usage = %v, %v", ps, err)
		}
		p := ps[0]
		if p.Kind != Call || p.Quantity != 246 || p.Amount != usd("-0.41") || p.Where != "+44" || p.Ref != "CA1" || p.Description() != "call to +44, 4:06 billed" {
			t.Fatalf("posting %+v (%q)", p, p.Description())
		}
	})
}

// TestNoFullNumbers: nothing the ledger keeps holds a whole number.
func TestNoFullNumbers(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	f.open(t, "dan@example.org", "1.00")
	ev := Event{Account: "dan@example.org", ID: "j1", Kind: SMS, Remote: "+447700900123", Quantity: 1}
	must(t)(f.l.Reserve(ctx, ev))
	must(t)(f.l.Commit(ctx, ev, "SM1"))
	must(t)(f.l.Reserve(ctx, Event{Account: "dan@example.org", ID: "j2", Kind: SMS, Remote: "+447700900456", Quantity: 1}))
	keys, err := f.rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		dump, err := f.rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k+dump, "7700900") {
			t.Errorf("key %s holds a full number", k)
		}
	}
}

func TestPlan(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "erin@example.org"
	us := func(id string, n int64) Event {
		return Event{Account: acct, ID: id, Kind: SMS, Remote: "+12015550123", Quantity: n}
	}
	send := func(t *testing.T, ev Event) Decision {
		t.Helper()
		d := must(t)(f.l.Reserve(ctx, ev))
		if d.Allowed {
			return must(t)(f.l.Commit(ctx, ev, "ref-"+ev.ID))
		}
		return d
	}
	t.Run("a new account cannot send before its first renewal", func(t *testing.T) {
		a, err := f.l.Open(ctx, acct, "basic")
		if err != nil {
			t.Fatal(err)
		}
		if a.State != Stopped || a.Why != Unpaid {
			t.Fatalf("new account %+v, want stopped unpaid", a)
		}
		if d := send(t, us("s0", 1)); d.Allowed || d.Reason != Unpaid {
			t.Fatalf("send = %+v, want Unpaid", d)
		}
	})
	t.Run("a top-up pays the first period", func(t *testing.T) {
		d := must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "evt_1", Kind: Payment, Amount: usd("10.04")}))
		if !d.Allowed || d.Balance != usd("10.04") {
			t.Fatalf("Credit = %+v", d)
		}
		a := f.account(t, acct)
		want := f.clk.Now().AddDate(0, 1, 0)
		if a.State != Active || a.Balance != usd("5.05") || !a.PeriodEnd.Equal(want) || a.Allowances[SMS] != 100 || a.Allowances[Call] != 3600 {
			t.Fatalf("after top-up %+v, want active, 5.05, period to %s, allowances", a, want)
		}
	})
	t.Run("allowances before balance", func(t *testing.T) {
		d := send(t, us("s1", 3))
		if !d.Allowed || !d.Amount.IsZero() || d.Allowance != 3 {
			t.Fatalf("send = %+v, want 3 segments from the allowance", d)
		}
		d = send(t, us("s2", 98))
		if !d.Allowed || d.Amount != usd("0.01") || d.Allowance != 97 || d.Balance != usd("5.04") {
			t.Fatalf("send = %+v, want 97 from the allowance and 0.01 charged", d)
		}
	})
	t.Run("destinations outside the plan are charged", func(t *testing.T) {
		d := send(t, Event{Account: acct, ID: "s3", Kind: SMS, Remote: "+447700900123", Quantity: 1})
		if !d.Allowed || d.Amount != usd("0.05") || d.Allowance != 0 {
			t.Fatalf("send = %+v", d)
		}
		if !d.LowCrossed || d.Low != usd("5.00") || !strings.Contains(d.Text(), "below 5.00 USD") {
			t.Fatalf("send = %+v, want the 5.00 crossing reported", d)
		}
	})
	t.Run("renewal a month later resets allowances", func(t *testing.T) {
		f.clk.Add(31 * 24 * time.Hour)
		r, err := f.l.Renew(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if r.Periods != 1 || r.Charged != usd("4.99") || r.Unpaid || r.Account.Balance != usd("0.00") || r.Account.Allowances[SMS] != 100 {
			t.Fatalf("Renew = %+v", r)
		}
		if !r.LowCrossed || r.Low != usd("1.00") {
			t.Fatalf("Renew = %+v, want the 1.00 crossing", r)
		}
		again, err := f.l.Renew(ctx, acct)
		if err != nil || again.Periods != 0 || again.Account.Balance != usd("0.00") {
			t.Fatalf("Renew again = %+v, %v, want nothing charged", again, err)
		}
	})
	t.Run("an unpaid renewal gives a grace period", func(t *testing.T) {
		f.clk.Add(28*24*time.Hour + time.Hour) // 15 March, 13:00
		rs, err := f.l.RenewDue(ctx, 10)
		if err != nil || len(rs) != 1 {
			t.Fatalf("RenewDue = %+v, %v", rs, err)
		}
		r := rs[0]
		if !r.Unpaid || !r.Notice || r.Due != usd("4.99") || r.Account.State != Grace || !strings.Contains(r.Text(), "Top up before") {
			t.Fatalf("Renew = %+v (%q)", r, r.Text())
		}
		if rs, err := f.l.RenewDue(ctx, 10); err != nil || len(rs) != 0 {
			t.Fatalf("RenewDue right after = %+v, %v; want nothing until the hourly retry", rs, err)
		}
		f.clk.Add(time.Hour)
		if rs, err := f.l.RenewDue(ctx, 10); err != nil || len(rs) != 1 || !rs[0].Unpaid || rs[0].Notice {
			t.Fatalf("RenewDue an hour later = %+v, %v; want it unpaid again without a second notice", rs, err)
		}
		if len(r.Account.Allowances) != 0 {
			t.Fatalf("allowances %v outlived their period", r.Account.Allowances)
		}
		if d := send(t, Event{Account: acct, ID: "s4", Kind: SMSIn, Remote: "+12015550123", Quantity: 1}); !d.Allowed {
			t.Fatalf("in grace: %+v", d)
		}
	})
	t.Run("after the grace period sending stops", func(t *testing.T) {
		f.clk.Add(72 * time.Hour)
		d := send(t, us("s5", 1))
		if d.Allowed || d.Reason != Unpaid || !strings.Contains(d.Text(), "renewal is unpaid") {
			t.Fatalf("send = %+v", d)
		}
		if a := f.account(t, acct); a.State != Stopped || a.Why != Unpaid {
			t.Fatalf("account %+v", a)
		}
	})
	t.Run("a top-up renews and resumes", func(t *testing.T) {
		must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "evt_2", Kind: Payment, Amount: usd("20.00")}))
		a := f.account(t, acct)
		if a.State != Active || a.Balance != usd("15.01") || a.Allowances[SMS] != 100 {
			t.Fatalf("after top-up %+v", a)
		}
		if d := send(t, us("s6", 1)); !d.Allowed {
			t.Fatalf("send = %+v", d)
		}
	})
	t.Run("rental for each number", func(t *testing.T) {
		if err := f.l.SetNumbers(ctx, acct, 2); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(31 * 24 * time.Hour)
		r, err := f.l.Renew(ctx, acct)
		if err != nil || r.Charged != usd("6.99") {
			t.Fatalf("Renew = %+v, %v, want 2.99 + 2 x 2.00", r, err)
		}
	})
}

func TestLowBalance(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "frank@example.org"
	f.open(t, acct, "5.02")
	i := 0
	charge := func() Decision {
		i++
		return must(t)(f.l.Charge(ctx, Event{Account: acct, ID: "c" + itoa(int64(i)), Kind: SMS, Remote: "+12015550123", Quantity: 1}))
	}
	for _, tc := range []struct {
		name  string
		do    func() Decision
		low   string // "" for no crossing
		after string
	}{
		{"above", charge, "", "5.01"},
		{"at the threshold is not below", charge, "", "5.00"},
		{"crossing 5.00", charge, "5.00", "4.99"},
		{"still below: once per crossing", charge, "", "4.98"},
		{"back above re-arms", func() Decision {
			return must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "a1", Kind: Admin, Amount: usd("0.03"), Note: "goodwill"}))
		}, "", "5.01"},
		{"crossing again", charge, "", "5.00"},
		{"crossing again below", charge, "5.00", "4.99"},
		{"both at once reports the lower", func() Decision {
			return must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "a2", Kind: Admin, Amount: usd("-4.50"), Note: "refund reversal"}))
		}, "1.00", "0.49"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.do()
			if d.Balance != usd(tc.after) || d.LowCrossed != (tc.low != "") || (tc.low != "" && d.Low != usd(tc.low)) {
				t.Fatalf("%+v, want balance %s and crossing %q", d, tc.after, tc.low)
			}
		})
	}
	t.Run("the user's own threshold", func(t *testing.T) {
		if err := f.l.SetLowBalance(ctx, acct, usd("0.45")); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			charge()
		}
		d := charge()
		if !d.LowCrossed || d.Low != usd("0.45") || d.Balance != usd("0.44") {
			t.Fatalf("%+v, want the user's 0.45 crossed", d)
		}
	})
}

func TestCredit(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "gina@example.org"
	f.open(t, acct, "0")
	for _, tc := range []struct {
		name    string
		adj     Adjustment
		err     error
		balance string
	}{
		{"payment", Adjustment{Account: acct, ID: "evt_1", Kind: Payment, Amount: usd("5.00")}, nil, "5.00"},
		{"the same payment again", Adjustment{Account: acct, ID: "evt_1", Kind: Payment, Amount: usd("5.00")}, nil, "5.00"},
		{"admin debit below zero", Adjustment{Account: acct, ID: "adm_1", Kind: Admin, Amount: usd("-6.00"), Note: "chargeback"}, nil, "-1.00"},
		{"bonus", Adjustment{Account: acct, ID: "inv_1", Kind: Bonus, Amount: usd("1.50")}, nil, "0.50"},
		{"negative payment", Adjustment{Account: acct, ID: "evt_2", Kind: Payment, Amount: usd("-1.00")}, ErrEvent, ""},
		{"zero", Adjustment{Account: acct, ID: "evt_3", Kind: Payment, Amount: usd("0")}, ErrEvent, ""},
		{"huge", Adjustment{Account: acct, ID: "evt_4", Kind: Payment, Amount: Money{MaxAmount + 1, "USD"}}, ErrEvent, ""},
		{"other currency", Adjustment{Account: acct, ID: "evt_5", Kind: Payment, Amount: Money{100, "EUR"}}, ErrMismatch, ""},
		{"usage kind", Adjustment{Account: acct, ID: "evt_6", Kind: SMS, Amount: usd("1.00")}, ErrEvent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := f.l.Credit(ctx, tc.adj)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Credit error %v, want %v", err, tc.err)
			}
			if err == nil && (!d.Allowed || f.account(t, acct).Balance != usd(tc.balance)) {
				t.Fatalf("Credit = %+v, balance %s, want %s", d, f.account(t, acct).Balance, tc.balance)
			}
		})
	}
	t.Run("a balance beyond MaxAmount", func(t *testing.T) {
		must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "big1", Kind: Payment, Amount: Money{MaxAmount - 50, "USD"}}))
		d := must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "big2", Kind: Payment, Amount: usd("0.01")}))
		if d.Allowed || d.Reason != OutOfRange {
			t.Fatalf("Credit = %+v, want OutOfRange", d)
		}
	})
	t.Run("usage lists credits with their notes", func(t *testing.T) {
		ps, err := f.l.Usage(ctx, acct, 10)
		if err != nil {
			t.Fatal(err)
		}
		var descs []string
		for _, p := range ps {
			descs = append(descs, p.Description())
		}
		if got := strings.Join(descs, "; "); got != "top-up; bonus credit; debit: chargeback; top-up" {
			t.Fatalf("usage: %s", got)
		}
	})
}

func TestSuspend(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "hal@example.org"
	f.open(t, acct, "1.00")
	ev := func(id string) Event {
		return Event{Account: acct, ID: id, Kind: SMS, Remote: "+12015550123", Quantity: 1}
	}
	if err := f.l.Suspend(ctx, acct, "spam reports"); err != nil {
		t.Fatal(err)
	}
	if a := f.account(t, acct); a.State != Stopped || a.Why != Suspended || a.Note != "spam reports" {
		t.Fatalf("suspended account %+v", a)
	}
	if d := must(t)(f.l.Reserve(ctx, ev("1"))); d.Allowed || d.Reason != Suspended {
		t.Fatalf("Reserve while suspended = %+v", d)
	}
	if err := f.l.Resume(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if d := must(t)(f.l.Reserve(ctx, ev("1"))); !d.Allowed {
		t.Fatalf("Reserve after Resume = %+v", d)
	}
	if err := f.l.Suspend(ctx, "nobody", "x"); !errors.Is(err, ErrAccount) {
		t.Fatalf("Suspend of nobody: %v, want ErrAccount", err)
	}
}

// TestHoldLapse: a hold whose sender died gives its credit back after
// hold_ttl; a late Commit charges all the same.
func TestHoldLapse(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "ivy@example.org"
	f.open(t, acct, "0.05")
	ev := Event{Account: acct, ID: "j1", Kind: SMS, Remote: "+447700900123", Quantity: 1}
	must(t)(f.l.Reserve(ctx, ev))
	if a := f.account(t, acct); a.Available() != usd("0.00") {
		t.Fatalf("available %s with a hold, want 0", a.Available())
	}
	f.clk.Add(16 * time.Minute)
	if a := f.account(t, acct); !a.Reserved.IsZero() {
		t.Fatalf("reserved %s after hold_ttl, want 0", a.Reserved)
	}
	d := must(t)(f.l.Commit(ctx, ev, "SM1"))
	if !d.Allowed || d.Balance != usd("0.00") {
		t.Fatalf("late Commit = %+v", d)
	}
}

// TestDurable: a posting acknowledged before Redis is killed is there
// after it restarts (appendfsync always).
func TestDurable(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "jo@example.org"
	f.open(t, acct, "3.00")
	ev := Event{Account: acct, ID: "j1", Kind: SMS, Remote: "+447700900123", Quantity: 1}
	must(t)(f.l.Reserve(ctx, ev))
	must(t)(f.l.Commit(ctx, ev, "SM1"))
	f.srv.Kill(t)
	f.srv.Start(t)
	var a Account
	var err error
	for range 50 {
		if a, err = f.l.Account(ctx, acct); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || a.Balance != usd("2.95") {
		t.Fatalf("after kill -9: %+v, %v; want 2.95", a, err)
	}
	if d := must(t)(f.l.Commit(ctx, ev, "SM1")); !d.Replay {
		t.Fatalf("Commit after restart = %+v, want a replay", d)
	}
}

// TestKeysOneSlot: an account's keys share a hash slot whatever its id.
func TestKeysOneSlot(t *testing.T) {
	l := &Ledger{prefix: "sb:"}
	for _, id := range []string{"alice@example.org", "a}b{c@x", "{x}", "%7D", "}"} {
		t.Run(id, func(t *testing.T) {
			keys := l.keys(id)
			for _, k := range keys[1:] {
				if slot(k) != slot(keys[0]) {
					t.Fatalf("%s and %s are in different slots", k, keys[0])
				}
			}
			if strings.Count(keys[0], "{") != 1 || strings.Count(keys[0], "}") != 1 {
				t.Fatalf("key %s", keys[0])
			}
		})
	}
	if escape("a}b") == escape("a%7Db") {
		t.Fatal("escape is not one-to-one")
	}
}

// slot is Redis Cluster's key slot: CRC16 of the hash tag.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := range len(key) {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

func TestUnmetered(t *testing.T) {
	var m Meter = Unmetered{}
	d, err := m.Reserve(context.Background(), Event{Kind: SMS})
	if err != nil || !d.Allowed {
		t.Fatalf("Unmetered.Reserve = %+v, %v", d, err)
	}
}

// BenchmarkAuthorize is the ledger's cost per send: Reserve then Commit
// on a real Redis.
func BenchmarkAuthorize(b *testing.B) {
	f := newFixture(b, testRates)
	ctx := context.Background()
	const acct = "bench@example.org"
	f.open(b, acct, "1000000.00")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev := Event{Account: acct, ID: "b" + itoa(int64(i)), Kind: SMS, Remote: "+12015550123", Quantity: 1}
		d, err := f.l.Reserve(ctx, ev)
		if err != nil || !d.Allowed {
			b.Fatal(d, err)
		}
		if _, err := f.l.Commit(ctx, ev, "SM"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentRenew: instances renewing one account at once charge its
// period once.
func TestConcurrentRenew(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "kim@example.org"
	if _, err := f.l.Open(ctx, acct, "basic"); err != nil {
		t.Fatal(err)
	}
	must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "evt_1", Kind: Payment, Amount: usd("20.00")}))
	f.clk.Add(32 * 24 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := f.l.Renew(ctx, acct); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if a := f.account(t, acct); a.Balance != usd("10.02") {
		t.Fatalf("balance %s after two periods, want 20.00 - 2 x 4.99 = 10.02", a.Balance)
	}
}

// TestMMSAllowance: picture messages draw on their own allowance.
func TestMMSAllowance(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "lee@example.org"
	if _, err := f.l.Open(ctx, acct, "basic"); err != nil {
		t.Fatal(err)
	}
	must(t)(f.l.Credit(ctx, Adjustment{Account: acct, ID: "evt_1", Kind: Payment, Amount: usd("5.10")}))
	for i := range 11 {
		ev := Event{Account: acct, ID: "m" + itoa(int64(i)), Kind: MMS, Remote: "+12015550123", Quantity: 1}
		d := must(t)(f.l.Charge(ctx, ev))
		want := Money{0, "USD"}
		if i == 10 {
			want = usd("0.03")
		}
		if !d.Allowed || d.Amount != want {
			t.Fatalf("picture message %d: %+v, want %s charged", i, d, want)
		}
	}
	if a := f.account(t, acct); a.Allowances[SMS] != 100 || a.Allowances[MMS] != 0 {
		t.Fatalf("allowances %v", a.Allowances)
	}
}

func TestSetPlanAndPostings(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	const acct = "max@example.org"
	f.open(t, acct, "6.00")
	start := f.clk.Now()
	r, err := f.l.SetPlan(ctx, acct, "basic")
	if err != nil || r.Periods != 1 || r.Account.Balance != usd("1.01") || r.Account.State != Active {
		t.Fatalf("SetPlan = %+v, %v, want the first period charged", r, err)
	}
	f.clk.Add(time.Hour)
	must(t)(f.l.Charge(ctx, Event{Account: acct, ID: "in1", Kind: CallIn, Remote: "+447700900123", Quantity: 61}))
	for _, tc := range []struct {
		name     string
		from, to time.Time
		kinds    []Kind
	}{
		{"all", start, start.Add(2 * time.Hour), []Kind{Payment, Fee, CallIn}},
		{"first hour", start, start.Add(time.Hour), []Kind{Payment, Fee}},
		{"second hour", start.Add(time.Hour), start.Add(2 * time.Hour), []Kind{CallIn}},
		{"before", start.Add(-time.Hour), start, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := f.l.Postings(ctx, acct, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []Kind
			for _, p := range ps {
				kinds = append(kinds, p.Kind)
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Fatalf("postings %v, want %v", kinds, tc.kinds)
			}
		})
	}
	ps, _ := f.l.Usage(ctx, acct, 1)
	if len(ps) != 1 || ps[0].Amount != usd("-0.02") || ps[0].Description() != "call from +44, 1:06 billed" {
		t.Fatalf("inbound call posting %+v", ps)
	}
}

// TestHostileAccountIDs: ids with the hash tag's braces or the escape's
// percent are accounts of their own.
func TestHostileAccountIDs(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	ids := []string{"a}b", "a%7Db", "{a}", "a", "a}:log"}
	for i, id := range ids {
		f.open(t, id, itoa(int64(i+1))+".00")
	}
	for i, id := range ids {
		t.Run(id, func(t *testing.T) {
			if a := f.account(t, id); a.Balance != usd(itoa(int64(i+1))+".00") {
				t.Fatalf("balance %s, want %d.00", a.Balance, i+1)
			}
		})
	}
	all, err := f.l.Accounts(ctx)
	if err != nil || len(all) != len(ids) {
		t.Fatalf("Accounts = %v, %v", all, err)
	}
}
