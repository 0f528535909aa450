package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
)

// cmdAccounts runs `accounts show|credit`: the operator's view of the
// prepaid ledger.
func cmdAccounts(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	cfg, pos, err := load("accounts "+sub, args)
	if err != nil {
		return err
	}
	switch {
	case sub == "show" && len(pos) == 1:
	case sub == "credit" && len(pos) >= 3:
	case sub == "show":
		return fmt.Errorf("%w: accounts show needs JID", errUsage)
	case sub == "credit":
		return fmt.Errorf("%w: accounts credit needs JID, AMOUNT and a REASON", errUsage)
	default:
		return fmt.Errorf("%w: unknown accounts command %q", errUsage, sub)
	}
	user, err := jid.Parse(pos[0])
	if err != nil || user.Localpart() == "" || user.Resourcepart() != "" {
		return fmt.Errorf("JID: not a bare user JID such as alice@example.org: %q", pos[0])
	}
	l, done, err := openLedger(cfg)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	account := user.String()
	if sub == "credit" {
		amount, err := billing.ParseMoney(pos[1], cfg.Billing.Currency)
		if err != nil {
			return fmt.Errorf("AMOUNT: %w", err)
		}
		if _, err := l.Account(ctx, account); err != nil {
			return fmt.Errorf("JID: %w", err)
		}
		d, err := l.Credit(ctx, billing.Adjustment{Account: account, ID: "cli-" + rand.Text(), Kind: billing.Admin,
			Amount: amount, Note: strings.Join(pos[2:], " ")})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s: balance %s\n", verb(amount), account, d.Balance)
		return nil
	}
	a, err := l.Account(ctx, account)
	if err != nil {
		return fmt.Errorf("JID: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %s, balance %s (%s held for messages and calls under way)\n", account, a.State, a.Balance, a.Reserved)
	usage, err := l.Usage(ctx, account, 20)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tAMOUNT\tBALANCE\tWHAT")
	for _, p := range usage {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Time.UTC().Format(time.RFC3339), p.Amount, p.Balance, p.Description())
	}
	return tw.Flush()
}

func verb(m billing.Money) string {
	if m.Amount < 0 {
		return "debited"
	}
	return "credited"
}
