package topup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/switchboard-gw/switchboard/billing"
)

// WebhookPath, PaidPath and CancelledPath are where the gateway serves the
// webhook and the pages Checkout returns the payer to.
const (
	WebhookPath   = "/stripe/webhook"
	PaidPath      = "/stripe/paid"
	CancelledPath = "/stripe/cancelled"
)

// maxBody bounds a webhook request; a Checkout Session event is a few KiB.
const maxBody = 256 << 10

// payment is a paid Checkout Session as a signed event reports it.
type payment struct {
	Event   string
	Session string
	Account string
	Amount  billing.Money // amount_total and currency, as Stripe reports them
}

// Handler is the webhook endpoint, POST {public_url}/stripe/webhook. It
// answers 400 to anything not signed with the webhook secret within the
// tolerance (nothing is credited), 200 once a paid session is credited
// durably or when there is nothing to credit, and 500 when the ledger
// cannot be reached, so that Stripe delivers the event again.
func (s *Stripe) Handler() http.Handler { return http.HandlerFunc(s.serveWebhook) }

func (s *Stripe) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.log.Warn("topup: webhook body unreadable", "err", err)
		http.Error(w, "body unreadable", http.StatusBadRequest)
		return
	}
	p, skip, err := s.verify(body, r.Header.Get("Stripe-Signature"))
	switch {
	case err != nil:
		s.log.Warn("topup: webhook refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "bad signature or event", http.StatusBadRequest)
		return
	case skip != "":
		s.log.Debug("topup: webhook event ignored", "why", skip, "event", p.Event)
		w.WriteHeader(http.StatusOK)
		return
	}
	c, code := s.credit(r.Context(), p)
	w.WriteHeader(code)
	if c != nil && s.onCred != nil {
		// Stripe has its answer; the notice must not hold the credit up.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		s.onCred(r.Context(), *c)
	}
}

// verify checks the signature and reads a paid Checkout Session of this
// gateway from the event. err is for requests to refuse (forged,
// tampered, replayed outside the tolerance, not an event); skip says why a
// genuine event credits nothing.
func (s *Stripe) verify(body []byte, header string) (p payment, skip string, err error) {
	ev, err := webhook.ConstructEventWithOptions(body, header, s.cfg.WebhookSecret, webhook.ConstructEventOptions{
		Tolerance: s.cfg.Tolerance,
		// The fields read here are the same in every API version, and an
		// endpoint created with another version than stripe-go's must not
		// have its payments refused.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return payment{}, "", fmt.Errorf("topup: %w", err)
	}
	p.Event = ev.ID
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted, stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
	default:
		return p, "event type " + string(ev.Type), nil
	}
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return p, "", errors.New("topup: event without an object")
	}
	var cs stripe.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
		return p, "", fmt.Errorf("topup: event object: %w", err)
	}
	p.Session, p.Account = cs.ID, cs.ClientReferenceID
	switch {
	case cs.Metadata["purpose"] != purpose:
		return p, "not a top-up of this gateway", nil
	case cs.Mode != stripe.CheckoutSessionModePayment:
		return p, "mode " + string(cs.Mode), nil
	case cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid:
		// completed but unpaid: an async payment method; its
		// async_payment_succeeded event credits it.
		return p, "payment status " + string(cs.PaymentStatus), nil
	case cs.ID == "" || p.Account == "":
		s.log.Error("topup: paid session without an id or account: credit by hand or refund", "event", ev.ID, "session", cs.ID)
		return p, "no session id or account", nil
	}
	// The amount is Stripe's, never the metadata's.
	amt, ok := fromStripe(cs.AmountTotal, string(cs.Currency))
	if !ok || amt.Amount == 0 {
		s.log.Error("topup: paid session with an amount the ledger cannot take: credit by hand or refund",
			"event", ev.ID, "session", cs.ID, "amount_total", cs.AmountTotal, "currency", string(cs.Currency))
		return p, "amount", nil
	}
	p.Amount = amt
	return p, "", nil
}

// credit posts p, once per session however often Stripe delivers its
// events, and returns the status for Stripe and, for a new credit, what
// to tell the user.
func (s *Stripe) credit(ctx context.Context, p payment) (*Credited, int) {
	log := s.log.With("account", p.Account, "session", p.Session, "event", p.Event, "amount", p.Amount.String())
	acct, err := s.ledger.Account(ctx, p.Account)
	switch {
	case errors.Is(err, billing.ErrAccount):
		log.Error("topup: paid session for an account the ledger does not have: credit by hand or refund")
		return nil, http.StatusOK
	case err != nil:
		log.Error("topup: ledger unavailable; Stripe will retry", "err", err)
		return nil, http.StatusInternalServerError
	case acct.Balance.Currency != p.Amount.Currency:
		log.Error("topup: paid in another currency than the account's; not credited: refund it", "account_currency", acct.Balance.Currency)
		return nil, http.StatusOK
	}
	// The session is the posting's id: its completed and
	// async_payment_succeeded events, and any redelivery, credit once.
	d, err := s.ledger.Credit(ctx, billing.Adjustment{
		Account: p.Account, ID: p.Session, Kind: billing.Payment, Amount: p.Amount, Note: "stripe " + p.Event,
	})
	switch {
	case errors.Is(err, billing.ErrEvent) || errors.Is(err, billing.ErrMismatch):
		log.Error("topup: ledger refused the payment: credit by hand or refund", "err", err)
		return nil, http.StatusOK
	case err != nil:
		log.Error("topup: cannot credit; Stripe will retry", "err", err)
		return nil, http.StatusInternalServerError
	case !d.Allowed:
		log.Error("topup: ledger refused the payment: credit by hand or refund", "reason", d.Reason)
		return nil, http.StatusOK
	case d.Replay:
		log.Info("topup: payment already credited")
		return nil, http.StatusOK
	}
	log.Info("topup: payment credited", "balance", d.Balance.String())
	return &Credited{Account: p.Account, Amount: d.Amount, Balance: d.Balance, Session: p.Session, Event: p.Event, Decision: d}, http.StatusOK
}
