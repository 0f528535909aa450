package billing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// Renewal is what Renew did.
type Renewal struct {
	// Periods is how many periods were charged (0: none was due, or the
	// balance did not cover the first); Charged what they cost.
	Periods int
	Charged Money
	// Unpaid: a period is due and the balance does not cover Due. The
	// account's State says whether it is in its grace period or stopped.
	Unpaid bool
	Due    Money
	// Notice: this renewal is the one that found the period unpaid; tell
	// the user Text() now (later sweeps find it unpaid again and say
	// nothing). An account's first period, unpaid from Open on, gives none.
	Notice  bool
	Account Account // after the renewal
	// Low, LowCrossed: the renewal took the balance below a threshold.
	Low        Money
	LowCrossed bool
	// Closing: the account asked to cancel at the end of its period
	// (CancelAtEnd) and the period is over. Nothing was charged; the
	// caller releases the numbers and then calls Closed. Until it does,
	// the account stays due and comes back an hour later.
	Closing bool
}

// Text is a sentence for the user when the renewal went unpaid, or ""
// otherwise.
func (r Renewal) Text() string {
	if !r.Unpaid {
		return ""
	}
	a := r.Account
	if a.State == Grace {
		return fmt.Sprintf("Your plan's renewal (%s) could not be paid from your balance (%s available). Top up before %s to keep sending.",
			r.Due, a.Available(), a.GraceUntil.Format("2 Jan 2006 15:04 MST"))
	}
	return fmt.Sprintf("Your plan's renewal (%s) is unpaid, so sending is paused. Top up to continue.", r.Due)
}

// maxPeriods bounds how many missed periods one Renew catches up on.
const maxPeriods = 24

// Renew charges account's plan for every period that has begun by now:
// its fee plus rental for each number, as one posting per period whose id
// is the period's start, so a renewal is charged once however many
// instances try it. Each paid period resets the allowances. A period the
// balance does not cover starts the grace period (none for an account's
// first), after which sending stops until a top-up, a Credit, pays it.
func (l *Ledger) Renew(ctx context.Context, account string) (Renewal, error) {
	r := Renewal{Charged: Money{0, l.cfg.Currency}}
	for range maxPeriods {
		a, err := l.Account(ctx, account)
		if err != nil {
			return r, err
		}
		r.Account = a
		if a.CancelAtEnd && (a.Plan == "" || a.PeriodEnd.IsZero() || !l.now().Before(a.PeriodEnd)) {
			r.Closing = true
			return r, l.fileAt(ctx, a.ID, l.now().Add(unpaidRetry))
		}
		if a.Plan == "" {
			return r, l.fileDue(ctx, a, false)
		}
		plan, ok := l.cfg.plans[a.Plan]
		if !ok {
			return r, fmt.Errorf("%w: account %q is on plan %q, which the configuration no longer has", ErrEvent, account, a.Plan)
		}
		now := l.now()
		if !a.PeriodEnd.IsZero() && now.Before(a.PeriodEnd) {
			return r, l.fileDue(ctx, a, false)
		}
		start, from := a.PeriodEnd, int64(0)
		if start.IsZero() {
			start = now // the first period starts when it is paid
		} else {
			from = start.UnixMilli()
		}
		next := nextPeriod(start)
		due := plan.Due(a.Numbers)
		id := "renew:" + itoa(from)
		note := fmt.Sprintf("plan %s until %s", plan.Name, next.Format(time.DateOnly))
		args := []any{plan.Name, itoa(from), itoa(next.UnixMilli()), due, "fee:" + id, id, note, l.cfg.Grace.Milliseconds()}
		kinds := make([]Kind, 0, len(plan.Allowances))
		for k := range plan.Allowances {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		args = append(args, len(kinds))
		for _, k := range kinds {
			args = append(args, string(k), plan.Allowances[k])
		}
		d, err := l.decide(ctx, renewScript, account, Fee, args...)
		if err != nil {
			return r, err
		}
		switch {
		case d.Reason == AlreadyDone:
			continue
		case d.Reason == NoAccount:
			return r, fmt.Errorf("%w: %q", ErrAccount, account)
		case !d.Allowed:
			r.Unpaid, r.Due, r.Notice = true, d.Amount, !d.Replay
			if r.Account, err = l.Account(ctx, account); err != nil {
				return r, err
			}
			return r, l.fileDue(ctx, r.Account, true)
		}
		r.Periods++
		r.Charged.Amount += d.Amount.Amount
		if d.LowCrossed {
			r.Low, r.LowCrossed = d.Low, true
		}
	}
	a, err := l.Account(ctx, account)
	r.Account = a
	if err != nil {
		return r, err
	}
	return r, l.fileDue(ctx, a, false)
}

// fileDue files a in the renewal index at its period end (now, for an
// account never paid; in an hour, for an unpaid one: a top-up renews at
// once through Credit, so sweeps need not retry it every time), or takes
// it out when it has no plan. The index only guides the scheduler: Renew
// itself decides.
func (l *Ledger) fileDue(ctx context.Context, a Account, unpaid bool) error {
	at := a.PeriodEnd
	switch {
	case a.Plan == "":
		if err := l.rdb.ZRem(ctx, l.dueKey(), a.ID).Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrRedis, err)
		}
		return nil
	case unpaid:
		at = l.now().Add(unpaidRetry)
	case at.IsZero():
		at = l.now()
	}
	return l.fileAt(ctx, a.ID, at)
}

// fileAt files account in the renewal index at at.
func (l *Ledger) fileAt(ctx context.Context, account string, at time.Time) error {
	if err := l.rdb.ZAdd(ctx, l.dueKey(), redis.Z{Score: float64(at.UnixMilli()), Member: account}).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return nil
}

// unpaidRetry is how often the schedule retries an unpaid renewal.
const unpaidRetry = time.Hour

// RenewDue renews up to n accounts Due lists: the caller's schedule runs
// it every minute or so and tells the user of each Renewal with Notice
// (or LowCrossed). It stops at the first error.
func (l *Ledger) RenewDue(ctx context.Context, n int64) ([]Renewal, error) {
	ids, err := l.Due(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]Renewal, 0, len(ids))
	for _, id := range ids {
		r, err := l.Renew(ctx, id)
		if err != nil {
			return out, fmt.Errorf("billing: renew %q: %w", id, err)
		}
		out = append(out, r)
	}
	return out, nil
}
