package app

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestPlanRenewals: on a clock the test moves, a plan whose balance
// covers the renewal is charged for its next period; one whose balance
// does not is told once, from the gateway, and may still send during the
// grace period; after it, sending is refused until a top-up.
func TestPlanRenewals(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	e := &env{now: clock}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{})
	e.cfg.Billing = billing.Config{Enabled: true, Plan: "basic", Grace: 48 * time.Hour,
		Rates: []billing.RateConfig{{Prefix: "+1", SMS: "0.01", Included: true}},
		Plans: []billing.PlanConfig{{Name: "basic", Fee: "1.00", SMS: 10}}}
	if err := e.cfg.Billing.Check(); err != nil {
		t.Fatal(err)
	}
	e.launch(t, nil)
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	bg := context.Background()
	l := e.gw.ledger
	aliceAcct, bobAcct := "alice@"+e.prosody.Domain, "bob@"+e.prosody.Domain
	credit := func(account, id, amount string) {
		t.Helper()
		m, err := billing.ParseMoney(amount, "USD")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Credit(bg, billing.Adjustment{Account: account, ID: id, Kind: billing.Admin, Amount: m, Note: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	// Both pay their first period at once: alice has 0.50 left, bob 4.00.
	for _, a := range []string{aliceAcct, bobAcct} {
		if _, err := l.Open(bg, a, "basic"); err != nil {
			t.Fatal(err)
		}
	}
	credit(aliceAcct, "a1", "1.50")
	credit(bobAcct, "b1", "5.00")
	balance := func(account string) billing.Account {
		t.Helper()
		a, err := l.Account(bg, account)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := balance(aliceAcct); a.State != billing.Active || a.Balance.String() != "0.50 USD" {
		t.Fatalf("alice after her top-up: %+v", a)
	}
	send := func(id string) {
		t.Helper()
		if err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+e.numberJID(phoneNum)+`"><body>renewal test `+id+`</body></message>`); err != nil {
			t.Fatal(err)
		}
	}
	notice := func(s testenv.Stanza) bool {
		return s.Name == "message" && s.From == e.prosody.ComponentDomain && strings.Contains(s.Raw, "renewal")
	}
	// Nothing is due within the period.
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	if a := balance(bobAcct); a.Balance.String() != "4.00 USD" {
		t.Errorf("bob charged within his period: %s", a.Balance)
	}

	advance(32 * 24 * time.Hour)
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	if a := balance(bobAcct); a.Balance.String() != "3.00 USD" || a.State != billing.Active {
		t.Errorf("bob after his renewal: %s %s, want 3.00 USD active", a.Balance, a.State)
	}
	n, err := alice.Expect(ctx, notice)
	if err != nil {
		t.Fatalf("no notice of the unpaid renewal: %v", err)
	}
	if !strings.Contains(n.Raw, "1.00 USD") || !strings.Contains(n.Raw, "Top up before") {
		t.Errorf("the notice should name the fee and the deadline: %s", n.Raw)
	}
	if a := balance(aliceAcct); a.State != billing.Grace {
		t.Fatalf("alice is %s, want grace", a.State)
	}
	// During the grace period she still sends, from her balance.
	send("g1")
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for balance(aliceAcct).Balance.String() != "0.49 USD" {
		if time.Now().After(deadline) {
			t.Fatalf("the text in the grace period was not charged: %+v", balance(aliceAcct))
		}
		time.Sleep(20 * time.Millisecond)
	}

	advance(48 * time.Hour) // past the grace period, a day after the period end
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	send("g2")
	r, err := alice.Expect(ctx, errorFor("g2"))
	if err != nil {
		t.Fatalf("a text after the grace period: %v", err)
	}
	if !strings.Contains(r.Raw, "unpaid") {
		t.Errorf("the refusal should say the renewal is unpaid: %s", r.Raw)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if again, err := alice.Expect(short, notice); err == nil {
		t.Errorf("told twice about one unpaid renewal: %s", again.Raw)
	}
}
