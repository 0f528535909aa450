package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestAccountCommands drives the account and admin commands from real
// client sessions through a real Prosody, with billing on and sandbox
// payments (no [stripe]): the user's own low-balance threshold set in
// settings, balance, a top-up paid on its page, the admin's credit, a
// text charged past the threshold, usage, the same as chat text, and a
// suspension refusing the next text with a readable error.
func TestAccountCommands(t *testing.T) {
	e := billedEnv(t, billing.Config{Enabled: true, Rates: []billing.RateConfig{{Prefix: "+1", SMS: "16.00"}}},
		envOptions{env: []string{"SWITCHBOARD_COMPONENT_ADMINS=root@localhost"}})
	e.launch(t, nil)
	gw := e.prosody.ComponentDomain
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	root := e.user(t, "root", "", "")
	account := "alice@" + e.prosody.Domain
	ctx := ctxT(t)
	if err := OpenAccount(context.Background(), e.cfg, e.store, account); err != nil {
		t.Fatal(err)
	}
	fromGW := func(c *testenv.Client, want string) {
		t.Helper()
		m, err := c.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && s.From == gw && strings.Contains(s.Body(), want)
		})
		if err != nil {
			t.Fatalf("no message from the gateway saying %q: %v", want, err)
		}
		_ = m
	}

	t.Run("offered", func(t *testing.T) {
		if err := alice.Send(ctx, `<iq type="get" id="acc-items" to="`+gw+`"><query xmlns="http://jabber.org/protocol/disco#items" node="http://jabber.org/protocol/commands"/></iq>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, isIQ("acc-items"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{`node="balance"`, `node="usage"`, `node="top-up"`, `node="change-jid"`, `node="cancel-number"`} {
			if !strings.Contains(res.Raw, w) {
				t.Errorf("commands lack %s: %s", w, res.Raw)
			}
		}
		if strings.Contains(res.Raw, `node="credit"`) {
			t.Errorf("a user is offered credit: %s", res.Raw)
		}
	})

	t.Run("low-balance threshold reaches the ledger", func(t *testing.T) {
		a, _ := runCommand(t, alice, gw, "settings", "", "execute", "")
		a, raw := runCommand(t, alice, gw, "settings", a.Command.SessionID, "next", submit(map[string]string{}))
		if a.Command.Status != "executing" {
			t.Fatalf("settings: %s", raw.Raw)
		}
		a, raw = runCommand(t, alice, gw, "settings", a.Command.SessionID, "complete", submit(map[string]string{"group_texts": "default", "low_balance": "1450"}))
		if a.Command.Status != "completed" {
			t.Fatalf("settings: %s", raw.Raw)
		}
		acct, err := e.gw.ledger.Account(context.Background(), account)
		if err != nil || acct.LowBalance.String() != "14.50 USD" {
			t.Fatalf("ledger threshold %v %v", acct.LowBalance, err)
		}
	})

	t.Run("balance, top-up, credit, text, usage", func(t *testing.T) {
		a, raw := runCommand(t, alice, gw, "balance", "", "execute", "")
		if v, _ := a.value("balance"); a.Command.Status != "completed" || v != "0.00 USD" {
			t.Fatalf("balance: %s", raw.Raw)
		}
		a, _ = runCommand(t, alice, gw, "top-up", "", "execute", "")
		_, raw = runCommand(t, alice, gw, "top-up", a.Command.SessionID, "complete", submit(map[string]string{"amount": "25.00"}))
		i := strings.Index(raw.Raw, e.cfg.HTTP.PublicURL+"/sandbox/pay/")
		if i < 0 || !strings.Contains(raw.Raw, "jabber:x:oob") {
			t.Fatalf("top-up without a payment link: %s", raw.Raw)
		}
		link := raw.Raw[i:]
		link = link[:strings.IndexByte(link, '<')]
		page, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "25.00 USD") {
			t.Fatalf("payment page %d %s", page.StatusCode, body)
		}
		for range 2 { // the second is a replay: credits nothing
			res, err := http.Post(link, "application/x-www-form-urlencoded", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		fromGW(alice, "top-up of 25.00 USD has arrived")

		a, _ = runCommand(t, root, gw, "credit", "", "execute", "")
		a, raw = runCommand(t, root, gw, "credit", a.Command.SessionID, "complete", submit(map[string]string{"jid": account, "amount": "5.00", "reason": "goodwill"}))
		if a.Command.Status != "completed" || len(a.Command.Notes) != 1 || !strings.Contains(a.Command.Notes[0], "30.00 USD") {
			t.Fatalf("credit: %s", raw.Raw)
		}
		fromGW(alice, "goodwill")
		if _, r := runCommand(t, alice, gw, "credit", "", "execute", ""); r.Type != "error" || !strings.Contains(r.Raw, "forbidden") {
			t.Fatalf("a user ran credit: %s", r.Raw)
		}

		// 30.00 - 16.00 = 14.00: below alice's own 14.50.
		if err := alice.Send(ctx, `<message type="chat" id="acc-t1" to="`+e.numberJID("+12015550123")+`"><body>hello</body></message>`); err != nil {
			t.Fatal(err)
		}
		fromGW(alice, "14.50 USD")

		a, raw = runCommand(t, alice, gw, "usage", "", "execute", "")
		if a.Command.Status != "completed" || len(a.Command.Form.Items) != 3 || !strings.Contains(raw.Raw, "top-up") || !strings.Contains(raw.Raw, "credit: goodwill") || !strings.Contains(raw.Raw, "text to +1, 1 segment") {
			t.Fatalf("usage: %s", raw.Raw)
		}
	})

	t.Run("chat text", func(t *testing.T) {
		if got := chatTo(t, alice, gw, "balance"); !strings.Contains(got, "14.00 USD") {
			t.Fatalf("chat balance: %s", got)
		}
		if got := chatTo(t, alice, gw, "usage"); !strings.Contains(got, "top-up") || !strings.Contains(got, "-16.00") {
			t.Fatalf("chat usage: %s", got)
		}
		if got := chatTo(t, root, gw, "credit"); !strings.Contains(got, "Account") {
			t.Fatalf("chat credit: %s", got)
		}
		chatTo(t, root, gw, account)
		chatTo(t, root, gw, "1.00")
		if got := chatTo(t, root, gw, "by chat"); !strings.Contains(got, "15.00 USD") {
			t.Fatalf("chat credit done: %s", got)
		}
		fromGW(alice, "by chat")
	})

	t.Run("suspended", func(t *testing.T) {
		a, _ := runCommand(t, root, gw, "suspend", "", "execute", "")
		if a, raw := runCommand(t, root, gw, "suspend", a.Command.SessionID, "complete", submit(map[string]string{"jid": account, "reason": "abuse report"})); a.Command.Status != "completed" {
			t.Fatalf("suspend: %s", raw.Raw)
		}
		fromGW(alice, "abuse report")
		if err := alice.Send(ctx, `<message type="chat" id="acc-t2" to="`+e.numberJID("+12015550123")+`"><body>again</body></message>`); err != nil {
			t.Fatal(err)
		}
		r, err := alice.Expect(ctx, errorFor("acc-t2"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Raw, "policy-violation") || !strings.Contains(r.Raw, "suspended") {
			t.Fatalf("a suspended account's text: %s", r.Raw)
		}
	})
}

// billedEnv starts Redis and Prosody for a gateway with billing b and the
// environment of opts; the caller may set more of e.cfg, then launch.
func billedEnv(t *testing.T, b billing.Config, opts envOptions) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Prosody and Redis")
	}
	e := &env{}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, opts)
	e.cfg.Billing = b
	if err := e.cfg.Billing.Check(); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAccountCancelAtPeriodEnd: with [billing] cancel = "period_end", a
// user who cancels keeps the number until the paid period ends; the
// renewal schedule then releases it instead of charging, and says so.
func TestAccountCancelAtPeriodEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody and Redis")
	}
	var mu sync.Mutex
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	e := &env{now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{})
	e.cfg.Billing = billing.Config{Enabled: true, Plan: "basic", Cancel: billing.CancelPeriodEnd,
		Plans: []billing.PlanConfig{{Name: "basic", Fee: "1.00"}}}
	if err := e.cfg.Billing.Check(); err != nil {
		t.Fatal(err)
	}
	e.launch(t, nil)
	gw := e.prosody.ComponentDomain
	alice := e.user(t, "alice", aliceNum, "sandbox")
	account := "alice@" + e.prosody.Domain
	bg := context.Background()
	if err := OpenAccount(bg, e.cfg, e.store, account); err != nil {
		t.Fatal(err)
	}
	m, _ := billing.ParseMoney("5.00", "USD")
	if _, err := e.gw.ledger.Credit(bg, billing.Adjustment{Account: account, ID: "cancel-test", Kind: billing.Admin, Amount: m, Note: "test"}); err != nil {
		t.Fatal(err)
	}
	a, _ := runCommand(t, alice, gw, "cancel-number", "", "execute", "")
	a, raw := runCommand(t, alice, gw, "cancel-number", a.Command.SessionID, "complete", submit(map[string]string{"confirm": "true"}))
	if a.Command.Status != "completed" || len(a.Command.Notes) != 1 || !strings.Contains(a.Command.Notes[0], "stays yours until 10 Feb 2026") {
		t.Fatalf("cancel: %s", raw.Raw)
	}
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	if bs, _ := e.store.Numbers(bg, account); len(bs) != 1 {
		t.Fatal("released before the period end")
	}
	mu.Lock()
	now = now.AddDate(0, 1, 1)
	mu.Unlock()
	if err := e.gw.RenewDue(bg); err != nil {
		t.Fatal(err)
	}
	if bs, _ := e.store.Numbers(bg, account); len(bs) != 0 {
		t.Fatalf("still holds %+v after the period end", bs)
	}
	if _, err := alice.Expect(ctxT(t), func(s testenv.Stanza) bool {
		return s.Name == "message" && s.From == gw && strings.Contains(s.Body(), aliceNum+" is released")
	}); err != nil {
		t.Fatal(err)
	}
	acct, err := e.gw.ledger.Account(bg, account)
	if err != nil || acct.Plan != "" || acct.Balance.String() != "4.00 USD" {
		t.Fatalf("account after the period end %+v %v", acct, err)
	}
}
