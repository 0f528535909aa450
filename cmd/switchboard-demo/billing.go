package main

import (
	"context"
	"fmt"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// demoBilling is a small prepaid service: a 1.00 monthly plan with 100
// texts, and prices beyond it. Users top up on the sandbox's payment page.
func demoBilling() billing.Config {
	return billing.Config{
		Enabled:    true,
		Currency:   "USD",
		LowBalance: []string{"1.00"},
		Plan:       "demo",
		Plans:      []billing.PlanConfig{{Name: "demo", Fee: "1.00", SMS: 100, MMS: 20, Minutes: 30}},
		Rates: []billing.RateConfig{
			{Prefix: "+1", SMS: "0.01", MMS: "0.02", Call: "0.01", Included: true},
			{Prefix: "*", SMS: "0.05", MMS: "0.10", Call: "0.10"},
		},
	}
}

// welcomeCredit opens the demo user's account (on the demo plan) with
// credit enough to text and call at once.
func welcomeCredit(ctx context.Context, cfg *app.Config, st *store.Store, user string) error {
	if err := app.OpenAccount(ctx, cfg, st, user); err != nil {
		return err
	}
	l, err := app.Ledger(cfg, st)
	if err != nil {
		return err
	}
	credit, err := billing.ParseMoney("5.00", cfg.Billing.Currency)
	if err != nil {
		return err
	}
	_, err = l.Credit(ctx, billing.Adjustment{Account: user, ID: "demo-welcome", Kind: billing.Bonus, Amount: credit, Note: "demo welcome credit"})
	if err != nil {
		return fmt.Errorf("demo: welcome credit: %w", err)
	}
	return nil
}
