package app

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// textsFrom sends a text from c to phoneNum and returns the number the
// sandbox saw it from.
func (e *env) textsFrom(t *testing.T, c *testenv.Client, id string) string {
	t.Helper()
	before := int64(0)
	for _, x := range e.sandboxAll(t) {
		before = max(before, x.Seq)
	}
	if err := c.Send(ctxT(t), `<message type="chat" id="`+id+`" to="`+e.numberJID(phoneNum)+`"><body>hello from my new number</body></message>`); err != nil {
		t.Fatal(err)
	}
	got, ok := e.sandboxOut(t, before)
	if !ok {
		t.Fatal("no text reached the carrier")
	}
	return got.From
}

// credit gives account money as an admin would, opening it (with no
// plan, which charges nothing) first.
func (e *env) credit(t *testing.T, account, id string, cents int64) {
	t.Helper()
	if _, err := e.gw.ledger.Open(context.Background(), account, ""); err != nil {
		t.Fatal(err)
	}
	d, err := e.gw.ledger.Credit(context.Background(), billing.Adjustment{Account: account, ID: id, Kind: billing.Admin, Amount: billing.Money{Amount: cents, Currency: "USD"}, Note: "test"})
	if err != nil || !d.Allowed {
		t.Fatalf("credit: %+v %v", d, err)
	}
}

// TestSignup signs up from real client sessions through a real Prosody:
// by ad-hoc command, by chat text and by XEP-0077, each paying the first
// month, then texting through the new number.
func TestSignup(t *testing.T) {
	e := billedEnv(t, billing.Config{Enabled: true, Plan: "basic", Rates: []billing.RateConfig{{Prefix: "*", SMS: "0.01"}},
		Plans: []billing.PlanConfig{{Name: "basic", Fee: "4.99", Rental: "1.00"}}}, envOptions{})
	e.cfg.Signup.Enabled = true
	e.launch(t, nil)
	gw := e.prosody.ComponentDomain
	ctx := ctxT(t)
	alice := e.user(t, "alice", "", "")
	aliceJID := "alice@" + e.prosody.Domain

	t.Run("gateway advertises registration", func(t *testing.T) {
		if err := alice.Send(ctx, `<iq type="get" id="dreg" to="`+gw+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, isIQ("dreg"))
		if err != nil || !strings.Contains(res.Raw, `var="jabber:iq:register"`) {
			t.Fatalf("disco#info lacks jabber:iq:register: %v %s", err, res.Raw)
		}
	})

	t.Run("command", func(t *testing.T) {
		if a, _ := runCommand(t, alice, gw, "info", "", "execute", ""); !strings.Contains(a.text(), "Run the Register command") {
			t.Fatalf("info without a number: %+v", a)
		}
		a, _ := runCommand(t, alice, gw, "jabber:iq:register", "", "execute", "")
		sid := a.Command.SessionID
		if _, ok := a.value("area_code"); !ok || a.Command.Status != "executing" {
			t.Fatalf("start: %+v", a)
		}
		a, _ = runCommand(t, alice, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"area_code": "201"}))
		if _, ok := a.value("number"); !ok {
			t.Fatalf("search: %+v", a)
		}
		a, _ = runCommand(t, alice, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"number": "+12015550101"}))
		if !strings.Contains(a.text(), "The first month costs 5.99 USD") {
			t.Fatalf("pay: %+v", a)
		}
		e.credit(t, aliceJID, "signup-alice", 1000)
		a, _ = runCommand(t, alice, gw, "jabber:iq:register", sid, "next", "")
		if a.Command.Actions.Complete == nil || !strings.Contains(a.text(), "Take +12015550101?") {
			t.Fatalf("confirm: %+v", a)
		}
		a, _ = runCommand(t, alice, gw, "jabber:iq:register", sid, "complete", "")
		if tel, _ := a.value("tel"); a.Command.Status != "completed" || tel != "+12015550101" {
			t.Fatalf("complete: %+v", a)
		}
		if from := e.textsFrom(t, alice, "s1"); from != "+12015550101" {
			t.Fatalf("texted from %s", from)
		}
		acct, err := e.gw.ledger.Account(ctx, aliceJID)
		if err != nil || acct.Plan != "basic" || acct.Available().Amount != 1000-599-1 {
			t.Fatalf("account %+v %v", acct, err)
		}
	})

	t.Run("chat text", func(t *testing.T) {
		bob := e.user(t, "bob", "", "")
		e.credit(t, "bob@"+e.prosody.Domain, "signup-bob", 600)
		for _, s := range []struct{ say, want string }{
			{"register", "Area code (optional)"},
			{"201", "State or province"},
			{"finish", "Pick a number"},
			{"+12015550102", "Take +12015550102?"},
			{"finish", "Welcome! Your number is +12015550102."},
		} {
			if got := chatTo(t, bob, gw, s.say); !strings.Contains(got, s.want) {
				t.Fatalf("%q: got %q, want %q", s.say, got, s.want)
			}
		}
		if from := e.textsFrom(t, bob, "s2"); from != "+12015550102" {
			t.Fatalf("texted from %s", from)
		}
	})

	t.Run("XEP-0077", func(t *testing.T) {
		carol := e.user(t, "carol", "", "")
		e.credit(t, "carol@"+e.prosody.Domain, "signup-carol", 600)
		if err := carol.Send(ctx, `<iq type="get" id="rg" to="`+gw+`"><query xmlns="jabber:iq:register"/></iq>`); err != nil {
			t.Fatal(err)
		}
		res, err := carol.Expect(ctx, isIQ("rg"))
		if err != nil || !strings.Contains(res.Raw, `<instructions>`) || !strings.Contains(res.Raw, `var="number"`) || strings.Contains(res.Raw, "+12015550101<") {
			t.Fatalf("get: %v %s", err, res.Raw)
		}
		form := `<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>jabber:iq:register</value></field><field var="number"><value>+12015550103</value></field></x>`
		if err := carol.Send(ctx, `<iq type="set" id="rs" to="`+gw+`"><query xmlns="jabber:iq:register">`+form+`</query></iq>`); err != nil {
			t.Fatal(err)
		}
		if res, err := carol.Expect(ctx, isIQ("rs")); err != nil || !strings.Contains(res.Raw, `type="result"`) {
			t.Fatalf("set: %v %s", err, res.Raw)
		}
		if from := e.textsFrom(t, carol, "s3"); from != "+12015550103" {
			t.Fatalf("texted from %s", from)
		}
		// Taking a number already held is a conflict with a text.
		dave := e.user(t, "dave", "", "")
		e.credit(t, "dave@"+e.prosody.Domain, "signup-dave", 600)
		form = strings.Replace(form, "+12015550103", "+12015550101", 1)
		if err := dave.Send(ctx, `<iq type="set" id="rd" to="`+gw+`"><query xmlns="jabber:iq:register">`+form+`</query></iq>`); err != nil {
			t.Fatal(err)
		}
		if res, err := dave.Expect(ctx, isIQ("rd")); err != nil || !strings.Contains(res.Raw, "<conflict") || !strings.Contains(res.Raw, "just taken") {
			t.Fatalf("taken: %v %s", err, res.Raw)
		}
	})
}
