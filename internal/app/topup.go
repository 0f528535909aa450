package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard-gw/switchboard/billing/topup"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// newTopUps builds Stripe top-ups when [stripe] is configured (Check made
// sure billing is on) and serves their webhook and return pages. A credited
// top-up is told to its user from the gateway's JID.
func (g *Gateway) newTopUps(mux *http.ServeMux, st *store.Store) error {
	if g.cfg.Stripe == nil || g.ledger == nil {
		return nil
	}
	t, err := topup.New(g.cfg.Stripe, g.ledger, st.Client(), st.Prefix(), topup.Options{
		Logger:   g.log,
		OnCredit: g.tellTopUp,
	})
	if err != nil {
		return fmt.Errorf("app: stripe: %w", err)
	}
	g.topups = t
	mux.Handle("POST "+topup.WebhookPath, t.Handler())
	mux.Handle("GET "+topup.PaidPath, textPage("Thank you: your payment was received. Your balance is updated in a moment, and the gateway tells you so in your chat."))
	mux.Handle("GET "+topup.CancelledPath, textPage("Payment cancelled: nothing was charged."))
	return nil
}

// tellTopUp tells a user, from the gateway's JID, that their top-up
// (Stripe's or the sandbox's) was credited.
func (g *Gateway) tellTopUp(ctx context.Context, c topup.Credited) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.comp.Notify(ctx, c.Account, "💳 "+c.Text()); err != nil {
		g.log.Warn("app: cannot tell a user of their top-up", "err", err)
	}
}

// TopUps starts top-ups through Stripe Checkout; nil without [stripe].
// The account commands call TopUp(ctx, bareJID, amount) and offer
// Amounts().
func (g *Gateway) TopUps() *topup.Stripe { return g.topups }

func textPage(text string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(text + "\n"))
	})
}
