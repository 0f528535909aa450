package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// ErrBillingOff: an accounts command on a gateway whose [billing] is off.
var ErrBillingOff = errors.New("app: billing is off ([billing] enabled = false)")

// Ledger opens the prepaid ledger of cfg on st, for the operator's
// commands; ErrBillingOff without billing.
func Ledger(cfg *Config, st *store.Store) (*billing.Ledger, error) {
	if !cfg.Billing.Enabled {
		return nil, ErrBillingOff
	}
	l, err := billing.New(st.Client(), st.Prefix(), &cfg.Billing, time.Now)
	if err != nil {
		return nil, fmt.Errorf("app: billing: %w", err)
	}
	return l, nil
}

// OpenAccount gives user, who was just assigned a number, a ledger
// account on the default plan, and counts their numbers for its rental.
// It does nothing without billing.
func OpenAccount(ctx context.Context, cfg *Config, st *store.Store, user string) error {
	l, err := Ledger(cfg, st)
	if errors.Is(err, ErrBillingOff) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := l.Open(ctx, user, cfg.Billing.Plan); err != nil {
		return fmt.Errorf("app: open account: %w", err)
	}
	// A threshold the user set before the account opened.
	if u, err := st.Settings(ctx, user); err != nil {
		return err
	} else if err := lowBalanceToLedger(ctx, l, user, u.LowBalance); err != nil {
		return err
	}
	bs, err := st.List(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, b := range bs {
		if b.JID == user {
			n++
		}
	}
	return l.SetNumbers(ctx, user, int64(n))
}
