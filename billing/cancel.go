package billing

import (
	"context"
	"fmt"
)

// CancelAtEnd marks account (on) to close at the end of the period it
// has paid for, instead of renewing: Renew then charges nothing and says
// Closing, and the caller releases the numbers and calls Closed. An
// account without a plan, or whose period is already over, is Closing at
// its next Renew. on false takes the mark back.
func (l *Ledger) CancelAtEnd(ctx context.Context, account string, on bool) error {
	v := ""
	if on {
		v = "1"
	}
	if err := l.set(ctx, account, "cancel", v); err != nil {
		return err
	}
	if !on {
		_, err := l.Renew(ctx, account) // files it back at its period end
		return err
	}
	a, err := l.Account(ctx, account)
	if err != nil {
		return err
	}
	at := a.PeriodEnd
	if a.Plan == "" || at.IsZero() || at.Before(l.now()) {
		at = l.now()
	}
	return l.fileAt(ctx, account, at)
}

// Closed ends a cancelled account's plan once its numbers are released:
// no plan, no numbers, no mark, out of the renewal index. The balance
// stays (a refund is the operator's business). It is idempotent.
func (l *Ledger) Closed(ctx context.Context, account string) error {
	for _, f := range [][2]string{{"grace", ""}, {"plan", ""}, {"nums", "0"}, {"cancel", ""}} {
		if err := l.set(ctx, account, f[0], f[1]); err != nil {
			return err
		}
	}
	if err := l.rdb.ZRem(ctx, l.dueKey(), account).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return nil
}
