package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestPrepaidTexts: with billing on, each text is priced before it is
// queued and charged once sent. The user is told once when the balance
// falls below the threshold; with nothing left, the next text gets a
// readable error and never reaches the carrier. A received text is charged
// where the rates say so.
func TestPrepaidTexts(t *testing.T) {
	api := newScriptedTwilio(t, twCreated)
	e := &env{}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{extraTOML: api.toml("")})
	e.cfg.Billing = billing.Config{Enabled: true, LowBalance: []string{"0.05"},
		Rates: []billing.RateConfig{{Prefix: "+1", SMS: "0.02", SMSIn: "0.01"}}}
	if err := e.cfg.Billing.Check(); err != nil {
		t.Fatal(err)
	}
	e.launch(t, nil)
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	account := "alice@" + e.prosody.Domain
	phone := e.numberJID(phoneNum)

	// Before an account exists (the operator assigns numbers by hand
	// here; sign-up opens accounts), and with nothing to pay with: both
	// refused before the carrier, saying why.
	send := func(id, body string) {
		t.Helper()
		if err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+phone+`"><body>`+body+`</body></message>`); err != nil {
			t.Fatal(err)
		}
	}
	send("b00", "before the account")
	r, err := alice.Expect(ctx, errorFor("b00"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "policy-violation") || !strings.Contains(r.Raw, "no account") {
		t.Errorf("a send without an account should say so: %s", r.Raw)
	}
	if _, err := e.gw.ledger.Open(context.Background(), account, ""); err != nil {
		t.Fatal(err)
	}
	send("b0", "before any credit")
	if r, err = alice.Expect(ctx, errorFor("b0")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "policy-violation") || !strings.Contains(strings.ToLower(r.Raw), "balance") {
		t.Errorf("a send without credit should say why: %s", r.Raw)
	}

	// 0.07 pays for three texts at 0.02, with 0.01 left for the received one.
	credit, err := billing.ParseMoney("0.07", "USD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.gw.ledger.Credit(context.Background(), billing.Adjustment{Account: account, ID: "admin-1", Kind: billing.Admin, Amount: credit, Note: "test"}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"b1", "b2", "b3"} {
		send(id, "paid "+id)
		deadline := time.Now().Add(10 * time.Second)
		for api.calls() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("text %s did not reach the carrier", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Crossing 0.05 (0.07 -> 0.05 -> 0.03) is told once, from the gateway.
	notice, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "message" && strings.Contains(s.Raw, `from="`+e.prosody.ComponentDomain+`"`) && strings.Contains(s.Raw, "below")
	})
	if err != nil {
		t.Fatalf("no low-balance notice: %v", err)
	}
	if !strings.Contains(notice.Raw, "0.05") {
		t.Errorf("the notice should name the threshold: %s", notice.Raw)
	}

	send("b4", "one too many")
	if r, err = alice.Expect(ctx, errorFor("b4")); err != nil || !strings.Contains(strings.ToLower(r.Raw), "balance") {
		t.Fatalf("a send past the balance: %v %s", err, r.Raw)
	}
	time.Sleep(200 * time.Millisecond)
	if n := api.calls(); n != 3 {
		t.Errorf("the carrier saw %d sends; want 3 (the balance covered three)", n)
	}

	// A received text costs 0.01; it is delivered either way.
	if code, body := e.signed(t, "/twilio/sms", inboundForm("SM"+strings.Repeat("7", 32), phoneNum, aliceNum, "hello back")); code != http.StatusOK {
		t.Fatalf("inbound: %d %s", code, body)
	}
	if _, err := alice.Expect(ctx, isMessageFrom(phone)); err != nil {
		t.Fatal(err)
	}
	acct, err := e.gw.ledger.Account(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Balance.String() != "0.00 USD" {
		t.Errorf("balance %s; want 0.00 USD after three texts sent and one received", acct.Balance)
	}
	usage, err := e.gw.ledger.Usage(context.Background(), account, 10)
	if err != nil {
		t.Fatal(err)
	}
	var sent, received int
	for _, p := range usage {
		switch p.Kind {
		case billing.SMS:
			sent++
		case billing.SMSIn:
			received++
		}
	}
	if sent != 3 || received != 1 {
		t.Errorf("usage holds %d sent and %d received texts; want 3 and 1: %+v", sent, received, usage)
	}
}
