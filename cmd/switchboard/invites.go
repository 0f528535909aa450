package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/signup"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// cmdInvites runs `invites create|list`: sign-up's invite codes.
func cmdInvites(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	var count, uses, days int
	var bonus string
	cfg, pos, err := load("invites "+sub, args, func(fs *flag.FlagSet) {
		fs.IntVar(&count, "count", 1, "codes to create")
		fs.IntVar(&uses, "uses", 1, "sign-ups each code admits")
		fs.IntVar(&days, "days", 0, "days the codes are valid; 0: no expiry")
		fs.StringVar(&bonus, "bonus", "", "credit for each JID using a code ([billing])")
	})
	if err != nil {
		return err
	}
	if len(pos) > 0 || sub != "create" && sub != "list" {
		return fmt.Errorf("%w: invites create|list -c FILE", errUsage)
	}
	st, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if sub == "list" {
		invs, err := st.Invites(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tLEFT\tUSES\tBONUS\tEXPIRES\tCREATED")
		for _, inv := range invs {
			exp := "never"
			if !inv.Expires.IsZero() {
				exp = inv.Expires.UTC().Format(time.DateOnly)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", inv.Code, inv.Left, inv.Uses,
				billing.Money{Amount: inv.Bonus, Currency: inv.Currency}, exp, inv.Created.UTC().Format(time.DateOnly))
		}
		return tw.Flush()
	}
	var b billing.Money
	if bonus != "" {
		if !cfg.Billing.Enabled {
			return fmt.Errorf("--bonus: billing is off ([billing] enabled = false)")
		}
		if b, err = billing.ParseMoney(bonus, cfg.Billing.Currency); err != nil || b.Amount < 0 {
			return fmt.Errorf("--bonus: not an amount such as 5.00: %q", bonus)
		}
	}
	if days < 0 || days > 3650 {
		return fmt.Errorf("--days: %d is not from 0 to 3650", days)
	}
	var expires time.Time
	now := time.Now()
	if days > 0 {
		expires = now.Add(time.Duration(days) * 24 * time.Hour)
	}
	invs, err := signup.Issue(ctx, st, count, uses, b, expires, now)
	for _, inv := range invs {
		fmt.Fprintln(stdout, inv.Code)
	}
	return err
}
