package signup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// TestSignupBillingOff: search, pick, confirm, and the number is bought
// and bound, its carrier id kept.
func TestSignupBillingOff(t *testing.T) {
	f := newFixture(t, setup{})
	sid := f.toPick(t, alice)
	f.must(t, alice, sid, "next", map[string]string{"number": "+12015550101"}, `Take +12015550101?`, `execute="complete"`)
	f.must(t, alice, sid, "complete", nil, `status="completed"`, `<field var="tel" type="text-single" label="Number"><value>+12015550101</value>`, "Welcome")
	b, ok := f.binding(t, alice)
	if !ok || b.Number != "+12015550101" || b.Carrier != "sandbox" || !strings.HasPrefix(b.CarrierID, "PN") {
		t.Fatalf("binding %+v", b)
	}
	if f.buyable(t, "+12015550101") {
		t.Error("the sandbox would sell the number again")
	}
	// A JID holding a number is told so.
	f.must(t, alice, "", "execute", nil, `status="completed"`, "You have a number on this gateway already")
	// The released binding gives the carrier id back for cancel.
	rel, err := f.st.Release(context.Background(), "+12015550101")
	if err != nil || rel.CarrierID != b.CarrierID {
		t.Fatalf("release: %+v %v", rel, err)
	}
}

// TestSignupPays: the pay step offers top-ups, shows the link, re-checks
// on next, and the first month is charged once the number is bought.
func TestSignupPays(t *testing.T) {
	f := newFixture(t, setup{billing: true})
	ctx := context.Background()
	sid := f.toPick(t, alice)
	out, _ := f.must(t, alice, sid, "next", map[string]string{"number": "+12015550100"},
		"The first month costs 5.99 USD (plan basic: 4.99 USD a month and 1.00 USD for the number)", "Your balance is 0.00 USD", `var="topup"`)
	if strings.Contains(out, "complete") {
		t.Fatalf("could complete without paying: %s", out)
	}
	// Next without paying: the same step, told the balance is short.
	f.must(t, alice, sid, "next", nil, "does not cover 5.99 USD yet", `var="topup"`)
	out, _ = f.must(t, alice, sid, "next", map[string]string{"topup": "10.00"}, `<x xmlns="jabber:x:oob"><url>https://pay.example.org/0?account=alice@example.org</url><desc>Pay 10.00 USD</desc>`)
	_ = out
	f.pay.pay(t, "https://pay.example.org/0?account=alice@example.org", alice)
	f.must(t, alice, sid, "next", nil, "Take +12015550100?", "It is paid from your balance (10.00 USD)")
	f.must(t, alice, sid, "complete", nil, `status="completed"`, "+12015550100")
	a, err := f.ledger.Account(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance.Amount != 401 || a.Plan != "basic" || a.Numbers != 1 || a.PeriodEnd.IsZero() {
		t.Fatalf("account %+v", a)
	}
	ps, err := f.ledger.Usage(ctx, alice, 10)
	if err != nil || len(ps) != 2 || ps[0].Kind != billing.Fee || ps[0].Amount.Amount != -599 {
		t.Fatalf("postings %+v %v", ps, err)
	}
}

// TestSignupRace: two sign-ups pick one number at once; exactly one holds
// it, the other gets a fresh list.
func TestSignupRace(t *testing.T) {
	f := newFixture(t, setup{})
	sids := map[string]string{alice: f.toPick(t, alice), bob: f.toPick(t, bob)}
	var wg sync.WaitGroup
	outs := map[string]string{}
	var mu sync.Mutex
	for who, sid := range sids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, e := f.run(t, who, NodeRegister, sid, "next", map[string]string{"number": "+12015550105"})
			if e != nil {
				t.Error(e)
			}
			mu.Lock()
			outs[who] = out
			mu.Unlock()
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for _, out := range outs {
		switch {
		case strings.Contains(out, "Take +12015550105?"):
			won++
		case strings.Contains(out, "Someone else has just picked +12015550105. Here is a fresh list.") && strings.Contains(out, `var="number"`) &&
			!strings.Contains(out, "<value>+12015550105</value>"):
			lost++
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("won %d, lost %d: %v", won, lost, outs)
	}
}

// TestSignupGone: the number is sold elsewhere between the pick and the
// purchase: the user is told, nothing is bound or charged, and a fresh
// list comes.
func TestSignupGone(t *testing.T) {
	f := newFixture(t, setup{billing: true})
	ctx := context.Background()
	f.fund(t, alice, 2000)
	sid := f.toPick(t, alice)
	f.must(t, alice, sid, "next", map[string]string{"number": "+12015550102"}, "Take +12015550102?")
	if _, err := f.sb.BuyNumber(ctx, "+12015550102"); err != nil { // someone else, elsewhere
		t.Fatal(err)
	}
	out, _ := f.must(t, alice, sid, "complete", nil, "+12015550102 was just taken by someone else; nothing was charged", `var="number"`)
	if strings.Contains(out, `<option label="+12015550102`) {
		t.Errorf("the fresh list offers the sold number: %s", out)
	}
	if _, ok := f.binding(t, alice); ok {
		t.Fatal("bound a number")
	}
	if a, _ := f.ledger.Account(ctx, alice); a.Balance.Amount != 2000 {
		t.Fatalf("charged: %+v", a)
	}
	// The next pick goes through.
	f.must(t, alice, sid, "next", map[string]string{"number": "+12015550103"}, "Take +12015550103?")
	f.must(t, alice, sid, "complete", nil, `status="completed"`)
}

// failingStore refuses to assign.
type failingStore struct{ *store.Store }

func (failingStore) Assign(context.Context, store.Binding) error {
	return errors.New("store: assign: injected failure")
}

// failingLedger cannot move accounts onto a plan.
type failingLedger struct{ *billing.Ledger }

func (failingLedger) SetPlan(context.Context, string, string) (billing.Renewal, error) {
	return billing.Renewal{}, errors.New("billing: injected failure")
}

// TestSignupUndo: whatever fails after the purchase gives the number back
// and leaves no binding and no charge.
func TestSignupUndo(t *testing.T) {
	tests := []struct {
		name    string
		billing bool
		break_  func(o *Options)
	}{
		{"assign fails", false, func(o *Options) { o.Store = failingStore{o.Store.(*store.Store)} }},
		{"ledger fails", true, func(o *Options) { o.Ledger = failingLedger{o.Ledger.(*billing.Ledger)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{billing: tt.billing, options: tt.break_})
			ctx := context.Background()
			if tt.billing {
				f.fund(t, alice, 2000)
			}
			sid := f.toPick(t, alice)
			f.must(t, alice, sid, "next", map[string]string{"number": "+12015550104"}, "Take +12015550104?")
			if _, _, e := f.run(t, alice, NodeRegister, sid, "complete", nil); e == nil || e.Condition != "internal-server-error" {
				t.Fatalf("complete: %v", e)
			}
			if _, ok := f.binding(t, alice); ok {
				t.Fatal("a binding was left")
			}
			if !f.buyable(t, "+12015550104") {
				t.Fatal("the number was not released at the carrier")
			}
			if tt.billing {
				a, err := f.ledger.Account(ctx, alice)
				if err != nil || a.Balance.Amount != 2000 || a.Plan != "" || a.Numbers != 1 {
					t.Fatalf("account %+v %v", a, err)
				}
			}
		})
	}
}

// TestSignupHostile: forms with bad, missing, duplicated, unknown or huge
// fields are refused, naming the field, and change nothing.
func TestSignupHostile(t *testing.T) {
	f := newFixture(t, setup{})
	huge := strings.Repeat("9", 5000)
	tests := []struct {
		name   string
		pick   bool // at the pick step rather than the search
		fields map[string]string
		field  string // the field named; "" for a form-wide refusal
	}{
		{"area code letters", false, map[string]string{"area_code": "20a"}, "area_code"},
		{"area code long", false, map[string]string{"area_code": "2011"}, "area_code"},
		{"region digits", false, map[string]string{"region": "12"}, "region"},
		{"pattern long", false, map[string]string{"contains": "12345678901"}, "contains"},
		{"huge value", false, map[string]string{"contains": huge}, "contains"},
		{"two values", false, map[string]string{"area_code": "201\x00202"}, "area_code"},
		{"unknown field", false, map[string]string{"admin": "true"}, "admin"},
		{"script", false, map[string]string{"region": "<b>"}, "region"},
		{"unknown invite", false, map[string]string{"invite": "NOPE-NOPE"}, "invite"},
		{"number not offered", true, map[string]string{"number": "+12015550999"}, "number"},
		{"number missing", true, map[string]string{}, "number"},
		{"number elsewhere", true, map[string]string{"number": "+14155550100"}, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sid string
			if tt.pick {
				sid = f.toPick(t, alice)
			} else {
				_, sid = f.must(t, alice, "", "execute", nil)
			}
			if strings.Contains(tt.name, "script") {
				tt.fields["region"] = "&lt;b&gt;"
			}
			_, _, e := f.run(t, alice, NodeRegister, sid, "next", tt.fields)
			if e == nil || e.Condition != "bad-request" || e.Field != tt.field {
				t.Fatalf("got %+v, want bad-request on %q", e, tt.field)
			}
		})
	}
	if _, ok := f.binding(t, alice); ok {
		t.Fatal("a hostile form bound a number")
	}
}

// TestSignupSearchBudget: one JID cannot make the gateway search the
// carrier without end.
func TestSignupSearchBudget(t *testing.T) {
	f := newFixture(t, setup{})
	_, sid := f.must(t, alice, "", "execute", nil)
	for range searchesPerHour {
		f.must(t, alice, sid, "next", map[string]string{"area_code": "201"}, `var="number"`)
		f.must(t, alice, sid, "prev", nil, `var="area_code"`)
	}
	f.must(t, alice, sid, "next", map[string]string{"area_code": "201"}, "You have searched very often")
	// Others are not held back.
	f.toPick(t, bob)
}

// TestSignupOneHoldPerJID: a JID holds one number at a time, however many
// sign-up sessions it runs, so that nobody can hold a carrier's stock; a
// pick in a second session lets the first session's number go.
func TestSignupOneHoldPerJID(t *testing.T) {
	f := newFixture(t, setup{})
	ctx := context.Background()
	first, second := f.toPick(t, alice), f.toPick(t, alice)
	f.must(t, alice, first, "next", map[string]string{"number": "+12015550105"}, "Take +12015550105?")
	f.must(t, alice, second, "next", map[string]string{"number": "+12015550106"}, "Take +12015550106?")
	hs, err := f.st.Holders(ctx, []string{"num:+12015550105", "num:+12015550106"})
	if err != nil {
		t.Fatal(err)
	}
	if hs[0] != "" || hs[1] != alice {
		t.Fatalf("holders %q, want only +12015550106 held, by alice", hs)
	}
	// bob can take the number alice's first session let go.
	f.must(t, bob, f.toPick(t, bob), "next", map[string]string{"number": "+12015550105"}, "Take +12015550105?")
}

// lostAnswer is a carrier whose purchases answer with err, having bought
// the number first when buy is set, and that counts how often it is asked
// what it holds.
type lostAnswer struct {
	*sandbox.Carrier
	buy     bool
	err     error
	findErr error
	finds   atomic.Int32
}

func (l *lostAnswer) BuyNumber(ctx context.Context, number string) (carriers.OwnedNumber, error) {
	if l.buy {
		if _, err := l.Carrier.BuyNumber(ctx, number); err != nil {
			return carriers.OwnedNumber{}, err
		}
	}
	return carriers.OwnedNumber{}, l.err
}

func (l *lostAnswer) FindNumber(ctx context.Context, number string) (carriers.OwnedNumber, bool, error) {
	l.finds.Add(1)
	if l.findErr != nil {
		return carriers.OwnedNumber{}, false, l.findErr
	}
	return l.Carrier.FindNumber(ctx, number)
}

// cannotFind hides the carrier's FindNumber.
type cannotFind struct{ carriers.NumberStore }

// TestSignupLostAnswer: a purchase that fails other than by a refusal
// (a timeout, a 5xx) may have bought the number all the same. The carrier
// is asked: bought, the sign-up completes with it; not bought, the user is
// told and nothing is charged. A refusal is not asked about, and when the
// carrier cannot be asked the operator's log says to look.
func TestSignupLostAnswer(t *testing.T) {
	timeout := &carriers.Error{Kind: carriers.ErrUnavailable, Message: "the request timed out"}
	tests := []struct {
		name      string
		buy       bool
		err       error
		findErr   error
		noFinder  bool
		completed bool  // the sign-up completes with the number
		finds     int32 // times the carrier is asked
		log       string
	}{
		{name: "bought, timed out", buy: true, err: timeout, completed: true, finds: 1, log: "had bought the number; going on with it"},
		{name: "bought, deadline", buy: true, err: context.DeadlineExceeded, completed: true, finds: 1, log: "had bought the number"},
		{name: "not bought", err: timeout, finds: 1, log: "the carrier does not hold the number"},
		{name: "bought, cannot ask", buy: true, err: timeout, findErr: timeout, finds: 1, log: "check the account for the number"},
		{name: "refused", err: &carriers.Error{Kind: carriers.ErrRejected, Message: "no"}, finds: 0},
		{name: "no finder", buy: true, err: timeout, noFinder: true, log: "cannot be asked whether it went through"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			var la *lostAnswer
			f := newFixture(t, setup{billing: true, options: func(o *Options) {
				la = &lostAnswer{Carrier: o.Numbers.(*sandbox.Carrier), buy: tt.buy, err: tt.err, findErr: tt.findErr}
				o.Numbers = la
				if tt.noFinder {
					o.Numbers = cannotFind{la}
				}
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			}})
			ctx := context.Background()
			f.fund(t, alice, 2000)
			sid := f.toPick(t, alice)
			f.must(t, alice, sid, "next", map[string]string{"number": "+12015550106"}, "Take +12015550106?")
			b, bound := f.binding(t, alice)
			a, _ := f.ledger.Account(ctx, alice)
			if tt.completed {
				f.must(t, alice, sid, "complete", nil, `status="completed"`, "Your number is +12015550106")
				b, bound = f.binding(t, alice)
				if !bound || b.Number != "+12015550106" || !strings.HasPrefix(b.CarrierID, "PN") {
					t.Fatalf("binding %+v %v", b, bound)
				}
				if a, _ = f.ledger.Account(ctx, alice); a.Balance.Amount >= 2000 {
					t.Fatalf("not charged: %+v", a)
				}
			} else {
				f.must(t, alice, sid, "complete", nil, "nothing was charged")
				if bound {
					t.Fatalf("bound %+v", b)
				}
				if a, _ = f.ledger.Account(ctx, alice); a.Balance.Amount != 2000 {
					t.Fatalf("charged: %+v", a)
				}
			}
			if got := la.finds.Load(); got != tt.finds {
				t.Errorf("asked the carrier %d times, want %d", got, tt.finds)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, logs.String())
			}
			if strings.Contains(logs.String(), "+12015550106") {
				t.Errorf("log has the whole number:\n%s", logs.String())
			}
		})
	}
}
