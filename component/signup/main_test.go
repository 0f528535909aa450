package signup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/component/adhoc/adhoctest"
	"github.com/switchboard-gw/switchboard/component/commands"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	alice  = "alice@example.org"
	bob    = "bob@example.org"
	root   = "root@example.org"
	domain = "sms.example.org"
)

// fixture is sign-up over a real Redis, the sandbox carrier and, with
// billing, a real ledger.
type fixture struct {
	srv    *adhoc.Server
	sg     *Signup
	st     *store.Store
	sb     *sandbox.Carrier
	ledger *billing.Ledger // nil without billing
	pay    *payments
}

type setup struct {
	billing    bool
	inviteOnly bool
	options    func(o *Options) // last changes (failing parts)
}

func newFixture(t *testing.T, s setup) *fixture {
	t.Helper()
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sb := sandbox.New(sandbox.Settings{Numbers: func(ctx context.Context) ([]string, error) {
		bs, err := st.List(ctx)
		nums := make([]string, len(bs))
		for i, b := range bs {
			nums[i] = b.Number
		}
		return nums, err
	}})
	t.Cleanup(func() { sb.Close() })
	f := &fixture{st: st, sb: sb}
	o := Options{Config: Config{Enabled: true, InviteOnly: s.inviteOnly}, Store: st, Numbers: sb, Carrier: "sandbox", Domain: domain}
	if s.billing {
		cfg := billing.Config{Enabled: true, Currency: "USD", Plans: []billing.PlanConfig{{Name: "basic", Fee: "4.99", Rental: "1.00"}}}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		f.ledger, err = billing.New(st.Client(), st.Prefix(), &cfg, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		f.pay = &payments{l: f.ledger}
		o.Ledger, o.Payments = f.ledger, f.pay
		o.Plan, _ = cfg.PlanNamed("basic")
	}
	if s.options != nil {
		s.options(&o)
	}
	f.sg, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = adhoc.New(adhoc.Settings{Roles: commands.Roles([]jid.JID{jid.MustParse(root)}, st)})
	if err := f.sg.Register(f.srv); err != nil {
		t.Fatal(err)
	}
	return f
}

// payments is a payment page that pays when visited (pay): what the
// sandbox payment provider does, without HTTP.
type payments struct {
	l    *billing.Ledger
	mu   sync.Mutex
	last map[string]billing.Money // URL → amount
}

func (p *payments) Amounts() []billing.Money {
	return []billing.Money{{Amount: 500, Currency: "USD"}, {Amount: 1000, Currency: "USD"}}
}

func (p *payments) TopUp(_ context.Context, account string, m billing.Money) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[string]billing.Money{}
	}
	u := fmt.Sprintf("https://pay.example.org/%d?account=%s", len(p.last), account)
	p.last[u] = m
	return u, nil
}

func (p *payments) pay(t *testing.T, url, account string) {
	t.Helper()
	p.mu.Lock()
	m := p.last[url]
	p.mu.Unlock()
	d, err := p.l.Credit(context.Background(), billing.Adjustment{Account: account, ID: url, Kind: billing.Payment, Amount: m})
	if err != nil || !d.Allowed {
		t.Fatalf("pay: %+v %v", d, err)
	}
}

// fund opens who's account without a plan and credits it cents, as an
// admin would.
func (f *fixture) fund(t *testing.T, who string, cents int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.ledger.Open(ctx, who, ""); err != nil {
		t.Fatal(err)
	}
	adj := billing.Adjustment{Account: who, ID: "fund-" + who, Kind: billing.Admin, Amount: billing.Money{Amount: cents, Currency: "USD"}, Note: "test"}
	if d, err := f.ledger.Credit(ctx, adj); err != nil || !d.Allowed {
		t.Fatalf("fund: %+v %v", d, err)
	}
}

// run sends one request and returns the answer as XML and the session, or
// the error. Values of "\x00a\x00b" are given as two values.
func (f *fixture) run(t *testing.T, who, node, sid, action string, fields map[string]string) (string, string, *adhoc.Err) {
	t.Helper()
	return adhoctest.Run(t, f.srv, who+"/phone", node, sid, action, adhoctest.Fields(fields))
}

// must is run that fails the test on an error and checks the answer holds
// every one of want.
func (f *fixture) must(t *testing.T, who, sid, action string, fields map[string]string, want ...string) (string, string) {
	t.Helper()
	out, id, e := f.run(t, who, NodeRegister, sid, action, fields)
	if e != nil {
		t.Fatalf("%s %v: %v", action, fields, e)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("%s %v: answer lacks %q:\n%s", action, fields, w, out)
		}
	}
	return out, id
}

// toPick starts a sign-up for who and searches area code 201.
func (f *fixture) toPick(t *testing.T, who string) string {
	t.Helper()
	_, sid := f.must(t, who, "", "execute", nil, `var="area_code"`)
	f.must(t, who, sid, "next", map[string]string{"area_code": "201"}, `var="number"`, `+12015550100`)
	return sid
}

func (f *fixture) binding(t *testing.T, who string) (store.Binding, bool) {
	t.Helper()
	bs, err := f.st.Numbers(context.Background(), who)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) == 0 {
		return store.Binding{}, false
	}
	return bs[0], true
}

// buyable reports whether the sandbox would sell number now, giving it
// back at once.
func (f *fixture) buyable(t *testing.T, number string) bool {
	t.Helper()
	own, err := f.sb.BuyNumber(context.Background(), number)
	if errors.Is(err, carriers.ErrNumberGone) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sb.ReleaseNumber(context.Background(), own.ID); err != nil {
		t.Fatal(err)
	}
	return true
}
