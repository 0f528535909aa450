package account

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// usage lists the user's last postings: when, what for, how much, and the
// balance after. Postings hold only the rate table's prefix of a number
// ("text to +44"), never a whole one.
func (a *Accounts) usage(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	if _, err := a.o.Ledger.Account(ctx, owner); errors.Is(err, billing.ErrAccount) {
		return noAccount, nil
	} else if err != nil {
		return nil, err
	}
	ps, err := a.o.Ledger.Usage(ctx, owner, int64(a.o.UsageLines))
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return done(adhoc.Info, "Nothing charged or credited yet."), nil
	}
	f := &adhoc.Form{Type: adhoc.TypeResult, Title: "Usage: the last " + strconv.Itoa(len(ps)),
		Reported: []adhoc.Field{
			{Var: "date", Label: "Date"}, {Var: "what", Label: "What"},
			{Var: "amount", Label: "Amount"}, {Var: "balance", Label: "Balance"},
		}}
	for _, p := range ps {
		f.Items = append(f.Items, map[string]string{
			"date": p.Time.UTC().Format(time.DateTime), "what": p.Description(),
			"amount": p.Amount.Decimal(), "balance": p.Balance.Decimal(),
		})
	}
	return &adhoc.Step{Done: true, Form: f}, nil
}
