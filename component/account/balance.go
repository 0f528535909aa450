package account

import (
	"context"
	"errors"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// balance shows the user's balance, plan, next renewal and standing.
func (a *Accounts) balance(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	acct, err := a.o.Ledger.Account(ctx, r.From.Bare().String())
	if errors.Is(err, billing.ErrAccount) {
		return noAccount, nil
	}
	if err != nil {
		return nil, err
	}
	plan, renews := "pay as you go", "-"
	if acct.Plan != "" {
		plan = acct.Plan
		if !acct.PeriodEnd.IsZero() {
			renews = acct.PeriodEnd.Format(dateTime)
		}
		if acct.CancelAtEnd {
			renews = "cancelled: your number is released on " + renews
		}
	}
	fields := []adhoc.Field{
		{Var: "balance", Label: "Balance", Values: []string{acct.Balance.String()}},
		{Var: "plan", Label: "Plan", Values: []string{plan}},
		{Var: "renews", Label: "Next renewal", Values: []string{renews}},
		{Var: "state", Label: "Sending", Values: []string{standing(acct)}},
	}
	if !acct.Reserved.IsZero() {
		fields = append(fields, adhoc.Field{Var: "reserved", Label: "Held for sends in progress", Values: []string{acct.Reserved.String()}})
	}
	return &adhoc.Step{Done: true, Form: &adhoc.Form{Type: adhoc.TypeResult, Title: "Balance", Fields: fields}}, nil
}

// standing says whether the account may send, and if not why.
func standing(acct billing.Account) string {
	switch {
	case acct.State == billing.Stopped && acct.Why == billing.Suspended:
		return "suspended by the operator"
	case acct.State == billing.Stopped:
		return "paused: the plan's renewal is unpaid; top up to continue"
	case acct.State == billing.Grace:
		return "allowed until " + acct.GraceUntil.Format(dateTime) + " (the renewal is unpaid)"
	}
	return "allowed"
}
