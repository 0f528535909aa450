package account

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/component/adhoc/adhoctest"
	"github.com/switchboard-gw/switchboard/component/commands"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	alice   = "alice@example.org"
	bob     = "bob@example.org"
	mallory = "mallory@evil.example"
	root    = "root@example.org"
	aliceNo = "+12015550100"
	domain  = "sms.example.org"
)

// told records what the gateway told users.
type told struct {
	mu   sync.Mutex
	msgs map[string][]string
}

func (t *told) Notify(_ context.Context, user, text string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.msgs == nil {
		t.msgs = map[string][]string{}
	}
	t.msgs[user] = append(t.msgs[user], text)
	return nil
}

func (t *told) to(user string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.msgs[user]...)
}

// released records the carrier ids given back.
type released struct {
	mu  sync.Mutex
	ids []string
}

func (r *released) ReleaseNumber(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
	return nil
}

func (r *released) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

// clock is the ledger's and commands' clock, moved by hand.
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
	srv    *adhoc.Server
	acc    *Accounts
	st     *store.Store
	ledger *billing.Ledger // nil with billing off
	pay    *topup.Sandbox
	told   *told
	rel    *released
	clk    *clock
}

type setupOptions struct {
	billing bool
	cancel  string
	plan    string // alice's plan
}

// setup is the commands over a real Redis: alice holds aliceNo (bought
// through sign-up: carrier id PN1) and, with billing, an account holding
// 10.00; root is an admin.
func setup(t *testing.T, so setupOptions) *fixture {
	t.Helper()
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.Assign(ctx, store.Binding{Number: aliceNo, JID: alice, Carrier: "sandbox", CarrierID: "PN1"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, told: &told{}, rel: &released{}, clk: &clock{t: time.Now()}}
	o := Options{Store: st, Notify: f.told, Releasers: map[string]Releaser{"sandbox": f.rel},
		Cancel: so.cancel, Domain: domain, Now: f.clk.Now}
	if so.billing {
		cfg := &billing.Config{Enabled: true, Cancel: so.cancel, Plans: []billing.PlanConfig{{Name: "basic", Fee: "4.00"}},
			Rates: []billing.RateConfig{{Prefix: "+1", SMS: "0.01"}}}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
		t.Cleanup(func() { rdb.Close() })
		if f.ledger, err = billing.New(rdb, "", cfg, f.clk.Now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ledger.Open(ctx, alice, ""); err != nil {
			t.Fatal(err)
		}
		f.credit(t, alice, "10.00")
		if so.plan != "" {
			if _, err := f.ledger.SetPlan(ctx, alice, so.plan); err != nil {
				t.Fatal(err)
			}
		}
		if f.pay, err = topup.NewSandbox(f.ledger, rdb, "", "http://gw.example.org", "USD", nil, topup.Options{}); err != nil {
			t.Fatal(err)
		}
		o.Ledger, o.Payments = f.ledger, f.pay
	}
	f.acc = New(o)
	f.srv = adhoc.New(adhoc.Settings{Roles: commands.Roles([]jid.JID{jid.MustParse(root)}, st)})
	if err := f.acc.Register(f.srv); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) credit(t *testing.T, who, amount string) {
	t.Helper()
	m, err := billing.ParseMoney(amount, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ledger.Credit(context.Background(), billing.Adjustment{Account: who, ID: "t-" + who + amount, Kind: billing.Admin, Amount: m, Note: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) balance(t *testing.T, who string) string {
	t.Helper()
	a, err := f.ledger.Account(context.Background(), who)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance.String()
}

// field is one submitted field; a name twice is a duplicated field.
type field struct{ name, value string }

// run sends one request and returns the answer as XML and the session
// id, or the error.
func (f *fixture) run(t *testing.T, who, node, sid, action string, fields []field) (string, string, *adhoc.Err) {
	t.Helper()
	var fs []adhoctest.Field
	if fields != nil {
		fs = make([]adhoctest.Field, len(fields))
		for i, fd := range fields {
			fs[i] = adhoctest.Field{Name: fd.name, Value: fd.value}
		}
	}
	return adhoctest.Run(t, f.srv, who, node, sid, action, fs)
}

// twoStep starts node as who and answers its first form with fields.
func (f *fixture) twoStep(t *testing.T, who, node string, fields []field) (string, *adhoc.Err) {
	t.Helper()
	_, sid, e := f.run(t, who, node, "", "", nil)
	if e != nil {
		return "", e
	}
	out, _, e := f.run(t, who, node, sid, "complete", fields)
	return out, e
}

func (f *fixture) chat(t *testing.T, who, body string) string {
	t.Helper()
	got, ok := f.srv.Chat(context.Background(), jid.MustParse(who+"/phone"), body)
	if !ok {
		t.Fatalf("%q was no command", body)
	}
	return got
}
