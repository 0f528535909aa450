package topup

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWebhook: a paid session is credited with the amount Stripe reports,
// once, however often and by whichever event it is delivered; nothing that
// is not signed with the webhook secret within the tolerance credits
// anything.
func TestWebhook(t *testing.T) {
	f := newFixture(t, "", nil)
	now := time.Now()
	paid := event(t, "evt_paid", "checkout.session.completed", session("cs_test_paid"))

	if code := f.post(t, paid, signed(paid, webhookSecret, now)); code != http.StatusOK {
		t.Fatalf("a paid session: status %d", code)
	}
	if got := f.balance(t, alice); got != usd(t, "10.00") {
		t.Fatalf("balance %s after a 10.00 top-up", got)
	}
	told := f.told()
	if len(told) != 1 || told[0].Account != alice || told[0].Amount != usd(t, "10.00") || told[0].Session != "cs_test_paid" || told[0].Event != "evt_paid" {
		t.Fatalf("OnCredit got %+v", told)
	}
	if want := "Your top-up of 10.00 USD has arrived. Your balance is now 10.00 USD."; told[0].Text() != want {
		t.Errorf("Text = %q, want %q", told[0].Text(), want)
	}

	// Redelivered (Stripe retries), and re-signed later: once.
	for i := range 3 {
		if code := f.post(t, paid, signed(paid, webhookSecret, now.Add(time.Duration(i)*time.Second))); code != http.StatusOK {
			t.Fatalf("redelivery: status %d", code)
		}
	}
	// Another event about the same session: once too.
	f.deliver(t, "evt_async", "cs_test_paid", "10.00")
	if n := len(f.told()); n != 1 {
		t.Errorf("the user was told %d times", n)
	}

	// A second session is a second top-up.
	f.deliver(t, "evt_again", "cs_test_again", "20.00")
}

// deliver posts a signed async_payment_succeeded event about session,
// which must be answered 200 and leave alice's balance at want.
func (f *fixture) deliver(t *testing.T, id, sessionID, want string) {
	t.Helper()
	b := event(t, id, "checkout.session.async_payment_succeeded", session(sessionID))
	if code := f.post(t, b, signed(b, webhookSecret, time.Now())); code != http.StatusOK {
		t.Fatalf("event %s: status %d", id, code)
	}
	if got := f.balance(t, alice); got != usd(t, want) {
		t.Fatalf("balance %s after event %s, want %s", got, id, want)
	}
}

// TestWebhookRefused: forged, tampered, replayed and unsigned deliveries
// are refused with 400 and credit nothing.
func TestWebhookRefused(t *testing.T) {
	f := newFixture(t, "", nil)
	now := time.Now()
	body := event(t, "evt_forged", "checkout.session.completed", session("cs_test_forged"))
	tampered := bytes.Replace(body, []byte(`"amount_total":1000`), []byte(`"amount_total":900000`), 1)
	if bytes.Equal(tampered, body) {
		t.Fatal("the tampered body is the body")
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		header string
	}{
		{"unsigned", body, ""},
		{"forged: another secret", body, signed(body, "whsec_someoneelse", now)},
		{"forged: the API key as secret", body, signed(body, secretKey, now)},
		{"tampered body", tampered, signed(body, webhookSecret, now)},
		{"replayed outside the tolerance", body, signed(body, webhookSecret, now.Add(-6*time.Minute))},
		{"garbage header", body, "t=abc,v1=zz"},
		{"signature without time", body, "v1=" + strings.Repeat("0", 64)},
		{"signed garbage", []byte("{not json"), signed([]byte("{not json"), webhookSecret, now)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := f.post(t, tc.body, tc.header); code != http.StatusBadRequest {
				t.Errorf("status %d, want 400", code)
			}
		})
	}
	if got := f.balance(t, alice); got.Amount != 0 {
		t.Fatalf("balance %s: a refused delivery credited", got)
	}
	if len(f.told()) != 0 {
		t.Error("a refused delivery told the user")
	}
	// Not a POST.
	w := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, WebhookPath, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", w.Code)
	}
}

// TestWebhookAmounts: what is credited is what Stripe says was paid, in
// the account's currency, for a paid session of this gateway; anything
// else is acknowledged (Stripe need not retry) and credits nothing.
func TestWebhookAmounts(t *testing.T) {
	f := newFixture(t, "", nil)
	now := time.Now()
	deliver := func(t *testing.T, id, typ string, edit func(map[string]any)) int {
		t.Helper()
		s := session("cs_" + id)
		edit(s)
		b := event(t, "evt_"+id, typ, s)
		return f.post(t, b, signed(b, webhookSecret, now))
	}
	for _, tc := range []struct {
		name    string
		typ     string
		edit    func(map[string]any)
		credit  string // what alice's balance grows by
		logLine string // what the log must say
	}{
		{"metadata amount differs: amount_total wins", "checkout.session.completed", func(s map[string]any) {
			s["amount_total"] = 500
			s["metadata"].(map[string]any)["amount"] = "999.00"
		}, "5.00", "topup: payment credited"},
		{"another currency", "checkout.session.completed", func(s map[string]any) { s["currency"] = "eur" },
			"0", "another currency than the account's"},
		{"a currency the ledger does not know", "checkout.session.completed", func(s map[string]any) { s["currency"] = "xyz" },
			"0", "amount the ledger cannot take"},
		{"unpaid (async method pending)", "checkout.session.completed", func(s map[string]any) { s["payment_status"] = "unpaid" },
			"0", "payment status unpaid"},
		{"no payment required", "checkout.session.completed", func(s map[string]any) {
			s["payment_status"], s["amount_total"] = "no_payment_required", 0
		}, "0", "payment status no_payment_required"},
		{"async payment failed", "checkout.session.async_payment_failed", func(map[string]any) {},
			"0", "event type checkout.session.async_payment_failed"},
		{"unknown event type", "payment_intent.succeeded", func(map[string]any) {},
			"0", "event type payment_intent.succeeded"},
		{"another product's session", "checkout.session.completed", func(s map[string]any) { delete(s, "metadata") },
			"0", "not a top-up of this gateway"},
		{"subscription mode", "checkout.session.completed", func(s map[string]any) { s["mode"] = "subscription" },
			"0", "mode subscription"},
		{"unknown account", "checkout.session.completed", func(s map[string]any) { s["client_reference_id"] = "mallory@example.org" },
			"0", "account the ledger does not have"},
		{"no account", "checkout.session.completed", func(s map[string]any) { delete(s, "client_reference_id") },
			"0", "without an id or account"},
		{"negative amount", "checkout.session.completed", func(s map[string]any) { s["amount_total"] = -500 },
			"0", "amount the ledger cannot take"},
		{"huge amount", "checkout.session.completed", func(s map[string]any) { s["amount_total"] = int64(1) << 60 },
			"0", "amount the ledger cannot take"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.balance(t, alice)
			id := strings.NewReplacer(" ", "_", ":", "", "(", "", ")", "", "'", "").Replace(tc.name)
			if code := deliver(t, id, tc.typ, tc.edit); code != http.StatusOK {
				t.Fatalf("status %d, want 200", code)
			}
			if grew := f.balance(t, alice).Amount - before.Amount; grew != usd(t, tc.credit).Amount {
				t.Errorf("balance grew by %d cents, want %s", grew, tc.credit)
			}
			if !strings.Contains(f.logs.String(), tc.logLine) {
				t.Errorf("the log does not say %q:\n%s", tc.logLine, f.logs.String())
			}
		})
	}
}

// TestWebhookLedgerDown: while the ledger cannot be reached the webhook
// answers 500, so that Stripe delivers the event again; once it is back,
// the redelivery credits.
func TestWebhookLedgerDown(t *testing.T) {
	f := newFixture(t, "", nil)
	body := event(t, "evt_down", "checkout.session.completed", session("cs_test_down"))
	f.redis.Stop(t)
	if code := f.post(t, body, signed(body, webhookSecret, time.Now())); code != http.StatusInternalServerError {
		t.Fatalf("ledger down: status %d, want 500", code)
	}
	f.redis.Start(t)
	if code := f.post(t, body, signed(body, webhookSecret, time.Now())); code != http.StatusOK {
		t.Fatalf("redelivery: status %d", code)
	}
	if got := f.balance(t, alice); got != usd(t, "10.00") {
		t.Fatalf("balance %s after the redelivery", got)
	}
}
