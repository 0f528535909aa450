package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"
	"github.com/switchboard-gw/switchboard/component/account"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// newSandboxPay serves pretend payments (topup.Sandbox) for a gateway
// running the sandbox carrier with billing but without [stripe]: make
// demo tops up through it. A payment is told to its user from the
// gateway's JID, as a Stripe one is.
func (g *Gateway) newSandboxPay(mux *http.ServeMux, st *store.Store) error {
	if g.cfg.Stripe != nil || g.sb == nil || g.ledger == nil {
		return nil
	}
	p, err := topup.NewSandbox(g.ledger, st.Client(), st.Prefix(), g.cfg.HTTP.PublicURL, g.ledger.Currency(), nil, topup.Options{
		Logger:   g.log,
		OnCredit: g.tellTopUp,
	})
	if err != nil {
		return fmt.Errorf("app: sandbox payments: %w", err)
	}
	g.sandboxPay = p
	mux.Handle(topup.SandboxPath, p.Handler())
	return nil
}

// Payments is how users top up: Stripe with [stripe], sandbox payments
// beside the sandbox carrier, else nil (no top-up command).
func (g *Gateway) Payments() account.Payments {
	switch {
	case g.topups != nil:
		return g.topups
	case g.sandboxPay != nil:
		return g.sandboxPay
	}
	return nil
}

// newAccounts registers the account and admin commands (package
// component/account) on g.cmds.
func (g *Gateway) newAccounts(domain jid.JID) error {
	o := account.Options{
		Store:     g.store,
		Notify:    g.comp,
		Payments:  g.Payments(),
		Releasers: map[string]account.Releaser{},
		Cancel:    g.cfg.Billing.Cancel,
		Domain:    domain.Domainpart(),
		Logger:    g.log,
	}
	if g.ledger != nil {
		o.Ledger = g.ledger
	}
	for name, ns := range g.numberStores {
		o.Releasers[name] = ns
	}
	g.accounts = account.New(o)
	return g.accounts.Register(g.cmds)
}

// closeCancelled releases the numbers of an account whose cancelled
// period has ended (the renewal found it Closing) and tells its user. On
// failure the ledger brings it back an hour later.
func (g *Gateway) closeCancelled(ctx context.Context, r billing.Renewal) {
	if g.accounts == nil {
		return
	}
	nums, err := g.accounts.Close(ctx, r.Account.ID)
	if err != nil {
		g.log.Error("app: cannot release a cancelled account's numbers; retried in an hour", "err", err)
		return
	}
	for _, n := range nums {
		if err := g.comp.Notify(ctx, r.Account.ID, "Your number "+n+" is released, as you asked when you cancelled."); err != nil {
			g.log.Warn("app: cannot tell a user their number is released", "err", err)
		}
	}
}

// ledgerSettings saves settings in the store and gives the user's
// low-balance threshold to the ledger, which tells them when their
// balance crosses it.
type ledgerSettings struct {
	*store.Store
	ledger *billing.Ledger
}

func (s ledgerSettings) SetSettings(ctx context.Context, user string, u store.UserSettings) error {
	if err := s.Store.SetSettings(ctx, user, u); err != nil {
		return err
	}
	return lowBalanceToLedger(ctx, s.ledger, user, u.LowBalance)
}

// lowBalanceToLedger sets user's threshold (minor units, "" for none) on
// their ledger account, if billing is on and they have one.
func lowBalanceToLedger(ctx context.Context, l *billing.Ledger, user, low string) error {
	if l == nil {
		return nil
	}
	var n int64
	if low != "" {
		var err error
		if n, err = strconv.ParseInt(low, 10, 64); err != nil {
			return fmt.Errorf("app: low-balance threshold %q: %w", low, err)
		}
	}
	err := l.SetLowBalance(ctx, user, billing.Money{Amount: n, Currency: l.Currency()})
	if errors.Is(err, billing.ErrAccount) {
		return nil // applied when the account opens (OpenAccount)
	}
	return err
}
