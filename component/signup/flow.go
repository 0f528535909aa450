package signup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Why a sign-up cannot go on. Each is told to the user as it reads.
var (
	ErrHasNumber = errors.New("signup: this JID holds a number already")
	ErrHeld      = errors.New("signup: another sign-up is holding that number")
	ErrGone      = errors.New("signup: that number was just taken")
	ErrFunds     = errors.New("signup: the balance does not cover the first period")
	ErrBusy      = errors.New("signup: another sign-up of this JID is under way")
	ErrCarrier   = errors.New("signup: the carrier could not sell the number")
	ErrSearches  = errors.New("signup: too many number searches; try again later")
)

// searchesPerHour bounds the carrier searches one JID causes: anyone may
// run sign-up, and each search is a call to the carrier's API.
const searchesPerHour = 60

// runHold is how long one completion may hold its JID's run: longer than
// a carrier's purchase takes, short enough that a crash frees it soon.
const runHold = 2 * time.Minute

func numHold(number string) string { return "num:" + number }

// registered tells whether owner holds a number.
func (s *Signup) registered(ctx context.Context, owner string) (bool, error) {
	bs, err := s.o.Store.Numbers(ctx, owner)
	return len(bs) > 0, err
}

// search lists numbers for q, within the configured country and limit,
// leaving out those another sign-up holds (owner's own are kept).
func (s *Signup) search(ctx context.Context, owner string, q carriers.NumberQuery) ([]carriers.AvailableNumber, error) {
	if q.Country == "" {
		q.Country = s.o.Config.Country
	}
	q.Limit = s.o.Config.SearchLimit
	if n, err := s.o.Store.Count(ctx, "search:"+owner, time.Hour); err != nil {
		return nil, err
	} else if n > searchesPerHour {
		return nil, ErrSearches
	}
	found, err := s.o.Numbers.SearchNumbers(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCarrier, err)
	}
	names := make([]string, len(found))
	for i, n := range found {
		names[i] = numHold(n.Number)
	}
	holders, err := s.o.Store.Holders(ctx, names)
	if err != nil {
		return nil, err
	}
	free := found[:0]
	for i, n := range found {
		if holders[i] == "" || holders[i] == owner {
			free = append(free, n)
		}
	}
	return free, nil
}

// reserve holds number for owner for the configured time, and lets the
// number owner held before go: one number a JID, however many sign-up
// sessions it runs, so that nobody can hold a carrier's stock.
func (s *Signup) reserve(ctx context.Context, owner, number string) error {
	h, err := s.o.Store.Hold(ctx, numHold(number), owner, s.o.Config.ReserveTTL)
	if err != nil {
		return err
	}
	if h != owner {
		return ErrHeld
	}
	prev, err := s.o.Store.Exchange(ctx, "pick:"+owner, number, s.o.Config.ReserveTTL)
	if err != nil {
		s.log.Warn("signup: cannot note a reserved number", "err", err)
	}
	if prev != "" && prev != number {
		if err := s.o.Store.Unhold(ctx, numHold(prev), owner); err != nil {
			s.log.Warn("signup: cannot let a reserved number go; it lapses by itself", "err", err)
		}
	}
	return nil
}

// quote is what the first period costs owner now and what they have,
// opening a pay-as-you-go account (which charges nothing) for top-ups to
// land in. Without billing both are zero.
func (s *Signup) quote(ctx context.Context, owner string) (due, avail billing.Money, err error) {
	if s.o.Ledger == nil {
		return billing.Money{}, billing.Money{}, nil
	}
	a, err := s.account(ctx, owner)
	if err != nil {
		return due, avail, err
	}
	due = billing.Money{Amount: s.o.Plan.Due(1), Currency: s.o.Ledger.Currency()}
	if s.o.Plan.Name != "" && a.Plan == s.o.Plan.Name && s.o.Now().Before(a.PeriodEnd) {
		// A period already paid (an account coming back) runs on.
		due.Amount = 0
	}
	return due, a.Available(), nil
}

// account is owner's ledger account, opened without a plan if new.
func (s *Signup) account(ctx context.Context, owner string) (billing.Account, error) {
	a, err := s.o.Ledger.Account(ctx, owner)
	if errors.Is(err, billing.ErrAccount) {
		return s.o.Ledger.Open(ctx, owner, "")
	}
	return a, err
}

// boughtAnyway asks the carrier, after a purchase that failed other than
// by a refusal (a timeout, a 5xx: the carrier may have acted before its
// answer was lost), whether the account holds number now. Found, the
// sign-up goes on with it, as if the answer had come; otherwise buyErr
// stands. Without a way to ask, the operator is told to look.
func (s *Signup) boughtAnyway(ctx context.Context, log *slog.Logger, number string, buyErr error) (carriers.OwnedNumber, error) {
	f, ok := s.o.Numbers.(carriers.NumberFinder)
	if !ok {
		log.Error("signup: a purchase failed and the carrier cannot be asked whether it went through; check the account for the number", "number", phone.Redact(number), "err", buyErr)
		return carriers.OwnedNumber{}, buyErr
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runHold/4)
	defer cancel()
	owned, found, err := f.FindNumber(fctx, number)
	switch {
	case err != nil:
		log.Error("signup: a purchase failed and the carrier could not say whether it went through; check the account for the number", "number", phone.Redact(number), "err", buyErr, "find_err", err)
		return carriers.OwnedNumber{}, buyErr
	case !found:
		log.Info("signup: a purchase failed and the carrier does not hold the number", "err", buyErr)
		return carriers.OwnedNumber{}, buyErr
	}
	log.Warn("signup: a purchase answered with an error had bought the number; going on with it", "carrier_id", owned.ID, "err", buyErr)
	return owned, nil
}

// complete buys number for owner and binds it, then charges the first
// period. Whatever fails after the purchase undoes it: the number is
// released at the carrier, the binding and the plan change undone, so
// that nobody holds a number without an account or pays for none.
func (s *Signup) complete(ctx context.Context, owner, number string) (carriers.OwnedNumber, error) {
	token := owner + "/" + randomToken()
	if h, err := s.o.Store.Hold(ctx, "run:"+owner, token, runHold); err != nil {
		return carriers.OwnedNumber{}, err
	} else if h != token {
		return carriers.OwnedNumber{}, ErrBusy
	}
	defer func() { _ = s.o.Store.Unhold(context.WithoutCancel(ctx), "run:"+owner, token) }()
	if has, err := s.registered(ctx, owner); err != nil {
		return carriers.OwnedNumber{}, err
	} else if has {
		return carriers.OwnedNumber{}, ErrHasNumber
	}
	if err := s.reserve(ctx, owner, number); err != nil {
		return carriers.OwnedNumber{}, err
	}
	if s.o.Ledger != nil {
		due, avail, err := s.quote(ctx, owner)
		if err != nil {
			return carriers.OwnedNumber{}, err
		}
		if avail.Amount < due.Amount {
			return carriers.OwnedNumber{}, ErrFunds
		}
	}
	log := s.log.With("account", owner, "carrier", s.o.Carrier)
	// Well within the run's hold, so that no second run starts while this
	// one may still buy.
	bctx, cancel := context.WithTimeout(ctx, runHold/2)
	owned, err := s.o.Numbers.BuyNumber(bctx, number)
	cancel()
	if err != nil && !errors.Is(err, carriers.ErrRejected) {
		owned, err = s.boughtAnyway(ctx, log, number, err)
	}
	switch {
	case errors.Is(err, carriers.ErrNumberGone):
		_ = s.o.Store.Unhold(ctx, numHold(number), owner)
		return carriers.OwnedNumber{}, ErrGone
	case err != nil:
		return carriers.OwnedNumber{}, fmt.Errorf("%w: %w", ErrCarrier, err)
	}
	if owned.Number == "" {
		owned.Number = number
	}
	// From here on a failure must give the number back.
	undo := func(why error) (carriers.OwnedNumber, error) {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.o.Numbers.ReleaseNumber(uctx, owned.ID); err != nil {
			log.Error("signup: a number bought for a failed sign-up could not be released; release it at the carrier by hand", "carrier_id", owned.ID, "err", err)
		} else {
			log.Warn("signup: sign-up failed after the purchase; number released", "carrier_id", owned.ID, "err", why)
		}
		return carriers.OwnedNumber{}, why
	}
	b := store.Binding{Number: owned.Number, JID: owner, Carrier: s.o.Carrier, Assigned: s.o.Now(), CarrierID: owned.ID}
	if err := s.o.Store.Assign(ctx, b); err != nil {
		return undo(fmt.Errorf("signup: assign: %w", err))
	}
	if s.o.Ledger != nil {
		if err := s.charge(ctx, owner); err != nil {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if _, rerr := s.o.Store.Release(uctx, owned.Number); rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
				log.Error("signup: cannot undo the binding of a failed sign-up", "err", rerr)
			}
			cancel()
			return undo(err)
		}
	}
	_ = s.o.Store.Unhold(ctx, numHold(number), owner)
	log.Info("signup: number bought and assigned", "carrier_id", owned.ID, "pending", owned.Pending)
	return owned, nil
}

// charge moves owner's account onto the plan, counting their numbers,
// which charges the first period (the ledger's renewal posting, id
// fee:renew:<period start>, applied once). A renewal the balance does not
// cover is undone and is ErrFunds.
func (s *Signup) charge(ctx context.Context, owner string) error {
	before, err := s.account(ctx, owner)
	if err != nil {
		return fmt.Errorf("signup: account: %w", err)
	}
	bs, err := s.o.Store.Numbers(ctx, owner)
	if err != nil {
		return err
	}
	if err := s.o.Ledger.SetNumbers(ctx, owner, int64(len(bs))); err != nil {
		return fmt.Errorf("signup: account: %w", err)
	}
	r, err := s.o.Ledger.SetPlan(ctx, owner, s.o.Plan.Name)
	if err == nil && !r.Unpaid {
		return nil
	}
	if err == nil {
		err = ErrFunds
	}
	// Put the account back as it was: no plan left unpaid, no number
	// counted that is not held.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if before.Plan != s.o.Plan.Name {
		if _, uerr := s.o.Ledger.SetPlan(uctx, owner, before.Plan); uerr != nil {
			s.log.Error("signup: cannot undo a plan change", "account", owner, "err", uerr)
		}
	}
	if uerr := s.o.Ledger.SetNumbers(uctx, owner, before.Numbers); uerr != nil {
		s.log.Error("signup: cannot undo a number count", "account", owner, "err", uerr)
	}
	return err
}

func randomToken() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
