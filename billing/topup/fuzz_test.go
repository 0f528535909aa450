package topup

import (
	"log/slog"
	"testing"
	"time"
)

// FuzzWebhook feeds the webhook's reader bodies signed with the right
// secret, so that they get past the signature to the parsing: it never
// panics, and what it would credit is a positive amount for a session and
// an account.
func FuzzWebhook(f *testing.F) {
	f.Add(event(f, "evt_1", "checkout.session.completed", session("cs_1")))
	f.Add(event(f, "evt_2", "checkout.session.async_payment_succeeded", session("cs_2")))
	f.Add([]byte(`{"id":"evt","type":"checkout.session.completed","data":{"object":{"metadata":{"purpose":"switchboard-topup"},"mode":"payment","payment_status":"paid","amount_total":-1}}}`))
	f.Add([]byte(`{"type":"checkout.session.completed","data":{"object":"cs_1"}}`))
	f.Add([]byte(`null`))
	cfg := &Config{SecretKey: secretKey, WebhookSecret: webhookSecret}
	if err := cfg.Check(); err != nil {
		f.Fatal(err)
	}
	s := &Stripe{cfg: cfg, log: slog.New(slog.DiscardHandler)}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, skip, err := s.verify(body, signed(body, webhookSecret, time.Now()))
		if err != nil || skip != "" {
			return
		}
		if p.Amount.Amount <= 0 || p.Session == "" || p.Account == "" {
			t.Fatalf("would credit %+v", p)
		}
		if _, _, err := s.verify(body, signed(body, "whsec_other", time.Now())); err == nil {
			t.Fatal("accepted with another secret")
		}
	})
}
