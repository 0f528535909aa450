package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/store"
)

const (
	stageConfirm = "confirm"
	fieldConfirm = "confirm"
)

// cancel releases the user's numbers after a yes, by the operator's
// policy: at once, or (CancelPeriodEnd, for an account whose plan has a
// paid period running) at the period's end, when the renewal schedule
// calls Close instead of renewing.
func (a *Accounts) cancel(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner, bs, none, err := a.numbers(ctx, r)
	if none != nil || err != nil {
		return none, err
	}
	list := numberList(bs)
	end, err := a.periodEnd(ctx, owner)
	if err != nil {
		return nil, err
	}
	switch r.Stage {
	case "":
		if end != "" {
			if acct, err := a.o.Ledger.Account(ctx, owner); err == nil && acct.CancelAtEnd {
				return done(adhoc.Info, "You already cancelled: "+list+" will be released on "+end+"."), nil
			}
		}
		what := "This releases " + list + " now: texts and calls to it no longer reach you, and it may go to someone else."
		if end != "" {
			what = "Your plan is paid until " + end + ": " + list + " stays yours until then, and is released instead of renewed. It may then go to someone else."
		}
		return &adhoc.Step{Stage: stageConfirm, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Cancel my number",
			Instructions: what,
			Fields:       []adhoc.Field{{Var: fieldConfirm, Type: adhoc.Boolean, Label: "Cancel " + list + "?", Required: true, Values: []string{adhoc.Bool(false)}}},
		}}, nil
	case stageConfirm:
		if !r.Values.Bool(fieldConfirm) {
			return done(adhoc.Info, "Nothing changed: "+list+" stays yours."), nil
		}
		if end != "" {
			if err := a.o.Ledger.CancelAtEnd(ctx, owner, true); err != nil {
				return nil, err
			}
			a.log.Info("account: cancelled at the period end", "account", owner)
			return done(adhoc.Info, "Cancelled: "+list+" stays yours until "+end+", then is released."), nil
		}
		released, err := a.Close(ctx, owner)
		if err != nil {
			return nil, err
		}
		if len(released) == 0 {
			return done(adhoc.Info, "You have no phone number on this gateway."), nil
		}
		return done(adhoc.Info, "Cancelled: "+strings.Join(released, ", ")+" is released."), nil
	}
	return nil, errors.New("account: cancel: unknown stage " + r.Stage)
}

// periodEnd is when owner's paid period ends, when the policy keeps the
// numbers until then; "" when they go now.
func (a *Accounts) periodEnd(ctx context.Context, owner string) (string, error) {
	if a.o.Ledger == nil || a.o.Cancel != billing.CancelPeriodEnd {
		return "", nil
	}
	acct, err := a.o.Ledger.Account(ctx, owner)
	if errors.Is(err, billing.ErrAccount) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// An unpaid renewal has no paid period left to wait for. (A period
	// just over, not yet renewed, is released by the next sweep.)
	if acct.Plan == "" || acct.PeriodEnd.IsZero() || acct.State != billing.Active {
		return "", nil
	}
	return acct.PeriodEnd.Format(dateTime), nil
}

// greetingDropper forgets a user's own voicemail greeting; *store.Store
// implements it.
type greetingDropper interface {
	DropGreeting(ctx context.Context, jid string) error
}

// Close releases every number of user (a bare JID): unbinds it, gives it
// back to its carrier where the carrier's id is known, forgets the user's
// voicemail greeting, and ends the ledger account's plan (its balance
// stays). It returns the numbers
// released. It is what cancel does at once, and what the renewal
// schedule calls for an account whose cancelled period has ended
// (billing.Renewal.Closing); it is idempotent.
func (a *Accounts) Close(ctx context.Context, user string) ([]string, error) {
	bs, err := a.o.Store.Numbers(ctx, user)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, b := range bs {
		if _, err := a.o.Store.Release(ctx, b.Number); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return out, err
		}
		out = append(out, b.Number)
		a.releaseAtCarrier(ctx, b)
	}
	// The greeting is the user's own voice: it goes with their numbers.
	if g, ok := a.o.Store.(greetingDropper); ok {
		if err := g.DropGreeting(ctx, user); err != nil {
			return out, fmt.Errorf("account: close: %w", err)
		}
	}
	if a.o.Ledger != nil {
		if err := a.o.Ledger.Closed(ctx, user); err != nil && !errors.Is(err, billing.ErrAccount) {
			return out, fmt.Errorf("account: close: %w", err)
		}
	}
	a.log.Info("account: numbers released", "account", user, "numbers", len(out))
	return out, nil
}

// releaseAtCarrier gives b's number back to its carrier, or tells the
// operator (through the log) to do it by hand. The number is already
// unbound: a failure here costs the operator rental, never the user.
func (a *Accounts) releaseAtCarrier(ctx context.Context, b store.Binding) {
	num := a.o.Redact(b.Number)
	rel := a.o.Releasers[b.Carrier]
	id := b.CarrierID
	switch {
	case rel == nil:
		a.log.Warn("account: number unbound; its carrier cannot release numbers, release it there by hand if needed", "number", num, "carrier", b.Carrier)
	case id == "":
		a.log.Warn("account: number unbound; it was not bought through sign-up, release it at the carrier by hand if needed", "number", num, "carrier", b.Carrier)
	default:
		if err := rel.ReleaseNumber(ctx, id); err != nil {
			a.log.Error("account: the carrier did not release a number; release it there by hand", "number", num, "carrier", b.Carrier, "err", err)
			return
		}
		a.log.Info("account: number released at the carrier", "number", num, "carrier", b.Carrier)
	}
}
