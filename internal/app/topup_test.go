package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestStripeTopUp: with [billing] and [stripe], a top-up opens a Checkout
// Session (at stripe-mock); Stripe's signed event at /stripe/webhook
// credits the user once, who is told the new balance from the gateway's
// JID. A forged event credits nothing, and no secret reaches the log.
func TestStripeTopUp(t *testing.T) {
	const (
		secretKey     = "sk_test_apptopupkey0123456789"
		webhookSecret = "whsec_apptopupsecret0123456789"
	)
	mock := testenv.StartStripeMock(t)
	logs := &syncbuf.Buffer{}
	e := startEnv(t, envOptions{logTo: logs, env: []string{
		"SWITCHBOARD_BILLING_ENABLED=true",
		"SWITCHBOARD_STRIPE_SECRET_KEY=" + secretKey,
		"SWITCHBOARD_STRIPE_WEBHOOK_SECRET=" + webhookSecret,
		"SWITCHBOARD_STRIPE_API_URL=" + mock.URL,
	}})
	alice := e.user(t, "alice", "", "")
	account := "alice@" + e.prosody.Domain
	ctx := ctxT(t)
	if _, err := e.gw.ledger.Open(context.Background(), account, ""); err != nil {
		t.Fatal(err)
	}

	ten, err := billing.ParseMoney("10.00", "USD")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := e.gw.TopUps().TopUp(ctx, account, ten); err != nil || !strings.HasPrefix(u, "https://") {
		t.Fatalf("TopUp = %q, %v", u, err)
	}

	body, err := json.Marshal(map[string]any{
		"id": "evt_app_1", "object": "event", "api_version": stripe.APIVersion, "type": "checkout.session.completed",
		"data": map[string]any{"object": map[string]any{
			"id": "cs_test_app_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
			"amount_total": 1000, "currency": "usd", "client_reference_id": account,
			"metadata": map[string]any{"purpose": "switchboard-topup", "account": account, "amount": "10.00"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	post := func(secret string) int {
		t.Helper()
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+topup.WebhookPath, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", sig.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("whsec_forged"); code != http.StatusBadRequest {
		t.Fatalf("forged event: status %d", code)
	}
	if code := post(webhookSecret); code != http.StatusOK {
		t.Fatalf("signed event: status %d", code)
	}
	notice, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "message" && strings.Contains(s.Raw, `from="`+e.prosody.ComponentDomain+`"`) && strings.Contains(s.Raw, "top-up")
	})
	if err != nil {
		t.Fatalf("no top-up notice: %v", err)
	}
	if !strings.Contains(notice.Raw, "balance is now 10.00 USD") {
		t.Errorf("the notice should give the balance: %s", notice.Raw)
	}
	if code := post(webhookSecret); code != http.StatusOK {
		t.Fatalf("redelivered event: status %d", code)
	}
	acct, err := e.gw.ledger.Account(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Balance.String() != "10.00 USD" {
		t.Errorf("balance %s after one top-up delivered twice (and one forged)", acct.Balance)
	}

	resp, err := http.Get(e.url + topup.PaidPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("return page: status %d", resp.StatusCode)
	}
	for _, s := range []string{secretKey, webhookSecret} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("a secret was logged")
		}
	}
}
