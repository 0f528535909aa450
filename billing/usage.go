package billing

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// rated checks ev and prices it; the arguments every usage script starts
// with (see luaRated). ok is false when the rate table does not offer the
// destination.
func (l *Ledger) rated(ev Event) (args []any, ok bool, err error) {
	if err := checkAccount(ev.Account); err != nil {
		return nil, false, err
	}
	if err := checkID(ev.ID); err != nil {
		return nil, false, err
	}
	if !ev.Kind.usage() {
		return nil, false, fmt.Errorf("%w: %q is not a usage kind", ErrEvent, ev.Kind)
	}
	if ev.Quantity < 0 || ev.Quantity > maxQuantity {
		return nil, false, fmt.Errorf("%w: quantity %d is not between 0 and %d", ErrEvent, ev.Quantity, maxQuantity)
	}
	p, ok := l.cfg.tariff.Price(ev.Kind, ev.Remote)
	if !ok {
		return nil, false, nil
	}
	incl := 0
	if p.Included {
		incl = 1
	}
	al := ev.Kind.allowance()
	if al == "" {
		al = "-"
	}
	return []any{string(ev.Kind) + ":" + ev.ID, string(ev.Kind), al, p.Billed(ev.Quantity), p.Unit, p.Per, incl, p.Where}, true, nil
}

// usage runs a usage script, refusing at once what the rate table does
// not offer.
func (l *Ledger) usage(ctx context.Context, s *redis.Script, ev Event, extra ...any) (Decision, error) {
	args, ok, err := l.rated(ev)
	if err != nil {
		return Decision{}, err
	}
	if !ok {
		return Decision{Kind: ev.Kind, Reason: NoRate, Amount: Money{0, l.cfg.Currency}}, nil
	}
	return l.decide(ctx, s, ev.Account, ev.Kind, append(args, extra...)...)
}

// Reserve holds the cost of ev (Quantity segments, messages, or the
// seconds a call is first allowed) before the carrier is asked: plan
// allowances first, then the balance. A refusal (Allowed false, with a
// Reason and Text for the user) means no carrier call. The hold lasts
// HoldTTL unless Commit, Release or Extend come first. Reserving an id
// again returns the hold (or, once committed, the posting) unchanged.
func (l *Ledger) Reserve(ctx context.Context, ev Event) (Decision, error) {
	return l.usage(ctx, reserveScript, ev, l.cfg.HoldTTL.Milliseconds())
}

// Extend grows a call's hold to cover ev.Quantity seconds in all (a
// total, not a step, so a retried Extend changes nothing) and renews its
// life. A refusal means the call must end now; what was reserved stays
// reserved until Settle.
func (l *Ledger) Extend(ctx context.Context, ev Event) (Decision, error) {
	return l.usage(ctx, extendScript, ev, l.cfg.HoldTTL.Milliseconds())
}

// Commit posts ev, whose hold it replaces, with ev.Quantity as the actual
// quantity (a call's duration in seconds, rated by its increments) and
// ref (the carrier's message or call id) kept beside it; the rest of the
// hold goes back. It is never refused: the service was rendered, so a
// lapsed hold or a longer call than reserved is charged all the same, even
// below zero. Committing an id again returns the original result.
func (l *Ledger) Commit(ctx context.Context, ev Event, ref string) (Decision, error) {
	return l.usage(ctx, settleScript, ev, ref, ev.ID)
}

// Settle is Commit, named for the end of a call.
func (l *Ledger) Settle(ctx context.Context, ev Event, ref string) (Decision, error) {
	return l.Commit(ctx, ev, ref)
}

// Release gives ev's hold back: the carrier refused the send, the call
// was not answered. Releasing what is not held does nothing.
func (l *Ledger) Release(ctx context.Context, ev Event) error {
	if err := checkAccount(ev.Account); err != nil {
		return err
	}
	if err := checkID(ev.ID); err != nil {
		return err
	}
	_, err := l.run(ctx, releaseScript, ev.Account, string(ev.Kind)+":"+ev.ID)
	return err
}

// Charge posts ev in one step, for events over when they are known (an
// inbound text): refused like Reserve when the account may not or cannot
// pay, and then nothing is posted. Charging an id again returns the
// original result.
func (l *Ledger) Charge(ctx context.Context, ev Event) (Decision, error) {
	return l.usage(ctx, chargeScript, ev, "", ev.ID)
}
