package account

import (
	"context"
	"errors"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

const (
	stageAmount = "amount"
	fieldAmount = "amount"
)

// topUp offers the provider's amounts and answers the one chosen with a
// link to its payment page (XEP-0066). Nothing is credited here: the
// provider credits the ledger when paid, and the user is told then.
func (a *Accounts) topUp(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	switch r.Stage {
	case "":
		acct, err := a.o.Ledger.Account(ctx, owner)
		if errors.Is(err, billing.ErrAccount) {
			return noAccount, nil
		}
		if err != nil {
			return nil, err
		}
		amounts := a.o.Payments.Amounts()
		if len(amounts) == 0 {
			return done(adhoc.Info, "Top-ups are not offered here; ask the operator."), nil
		}
		fd := adhoc.Field{Var: fieldAmount, Type: adhoc.ListSingle, Label: "Amount", Required: true, Values: []string{amounts[0].Decimal()}}
		for _, m := range amounts {
			fd.Options = append(fd.Options, adhoc.Option{Label: m.String(), Value: m.Decimal()})
		}
		return &adhoc.Step{Stage: stageAmount, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Top up",
			Instructions: "Your balance is " + acct.Balance.String() + ". Choose how much to add.", Fields: []adhoc.Field{fd}}}, nil
	case stageAmount:
		m, err := billing.ParseMoney(r.Values.Get(fieldAmount), a.o.Ledger.Currency())
		if err != nil {
			return nil, adhoc.Invalid(fieldAmount, "choose one of the amounts offered")
		}
		u, err := a.o.Payments.TopUp(ctx, owner, m)
		switch {
		case errors.Is(err, topup.ErrLimit):
			return nil, adhoc.Invalid(fieldAmount, "too many top-ups started this hour; use one of the links already given, or try later")
		case errors.Is(err, topup.ErrAmount), errors.Is(err, topup.ErrCurrency):
			return nil, adhoc.Invalid(fieldAmount, "choose one of the amounts offered")
		case errors.Is(err, billing.ErrAccount):
			return noAccount, nil
		case err != nil:
			return nil, err
		}
		return &adhoc.Step{Done: true,
			Notes: []adhoc.Note{{Type: adhoc.Info, Text: "Open the link to pay " + m.String() + ". Your balance is updated when the payment arrives, and the gateway tells you so here."}},
			Links: []adhoc.Link{{URL: u, Desc: "Pay " + m.String()}},
		}, nil
	}
	return nil, errors.New("account: top-up: unknown stage " + r.Stage)
}
