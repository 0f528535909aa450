package billing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// State is an account's standing.
type State string

// States.
const (
	Active State = "active"
	// Grace: a renewal is unpaid, sending goes on until GraceUntil.
	Grace State = "grace"
	// Closed to sending: see Account.Why.
	Stopped State = "suspended"
)

// Account is an account's state as the ledger keeps it.
type Account struct {
	ID       string
	State    State
	Why      Reason // Suspended or Unpaid when State is Stopped
	Note     string // the operator's reason for a suspension
	Balance  Money
	Reserved Money
	Plan     string
	// PeriodEnd is when the plan renews next; zero before the first
	// renewal is paid.
	PeriodEnd  time.Time
	GraceUntil time.Time // when an unpaid renewal stops sending
	Numbers    int64     // numbers the plan's rental is charged for
	// Allowances left this period by usage kind: SMS segments, MMS
	// messages, Call seconds.
	Allowances map[Kind]int64
	LowBalance Money // the user's own low-balance threshold; zero: none
	// CancelAtEnd: the user cancelled; the numbers go at PeriodEnd
	// (Renew says Closing then) instead of being renewed.
	CancelAtEnd bool
}

// Available is the balance less reservations in flight.
func (a Account) Available() Money {
	return Money{Amount: a.Balance.Amount - a.Reserved.Amount, Currency: a.Balance.Currency}
}

// Open creates account on plan ("" for pay as you go) unless it exists,
// and returns it. An account with a plan cannot send until its first
// renewal is paid: Open tries it at once (the account may have no funds
// yet; Renew again after a top-up, which Credit does by itself).
func (l *Ledger) Open(ctx context.Context, account, plan string) (Account, error) {
	if err := checkAccount(account); err != nil {
		return Account{}, err
	}
	if _, ok := l.cfg.plans[plan]; plan != "" && !ok {
		return Account{}, fmt.Errorf("%w: no plan %q", ErrEvent, plan)
	}
	if _, err := l.run(ctx, openScript, account, plan); err != nil {
		return Account{}, err
	}
	if err := l.rdb.SAdd(ctx, l.accountsKey(), account).Err(); err != nil {
		return Account{}, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	if plan != "" {
		if _, err := l.Renew(ctx, account); err != nil {
			return Account{}, err
		}
	}
	return l.Account(ctx, account)
}

// Account returns account's state, or ErrAccount.
func (l *Ledger) Account(ctx context.Context, account string) (Account, error) {
	if err := checkAccount(account); err != nil {
		return Account{}, err
	}
	res, err := l.run(ctx, infoScript, account)
	if err != nil {
		return Account{}, err
	}
	v, _ := res.([]any)
	if len(v)%2 != 0 || len(v) == 0 {
		return Account{}, fmt.Errorf("%w: %q", ErrAccount, account)
	}
	f := map[string]string{}
	for i := 0; i+1 < len(v); i += 2 {
		k, _ := v[i].(string)
		s, _ := v[i+1].(string)
		f[k] = s
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	cur := f["cur"]
	a := Account{
		ID:          account,
		State:       Active,
		Balance:     Money{num("bal"), cur},
		Reserved:    Money{num("res"), cur},
		Plan:        f["plan"],
		Numbers:     num("nums"),
		Allowances:  map[Kind]int64{},
		LowBalance:  Money{num("lowuser"), cur},
		Note:        f["susp"],
		CancelAtEnd: f["cancel"] != "",
	}
	if p := num("pend"); p > 0 {
		a.PeriodEnd = time.UnixMilli(p).UTC()
	}
	for _, k := range []Kind{SMS, MMS, Call} {
		if n := num("al:" + string(k)); n > 0 {
			a.Allowances[k] = n
		}
	}
	_, suspended := f["susp"]
	if g, unpaid := f["grace"]; unpaid {
		ms, _ := strconv.ParseInt(g, 10, 64)
		a.GraceUntil = time.UnixMilli(ms).UTC()
		a.State, a.Why = Grace, Unpaid
		if !l.now().Before(a.GraceUntil) {
			a.State = Stopped
		}
	}
	if suspended {
		a.State, a.Why = Stopped, Suspended
	}
	return a, nil
}

// Suspend stops account from sending and calling, with the operator's
// reason; Resume lifts it. Both are idempotent.
func (l *Ledger) Suspend(ctx context.Context, account, reason string) error {
	if reason == "" {
		reason = "suspended"
	}
	return l.set(ctx, account, "susp", reason)
}

// Resume lifts a suspension, and retries a renewal that fell due
// meanwhile.
func (l *Ledger) Resume(ctx context.Context, account string) error {
	if err := l.set(ctx, account, "susp", ""); err != nil {
		return err
	}
	_, err := l.Renew(ctx, account)
	return err
}

// SetLowBalance sets the user's own low-balance threshold, beside the
// configured ones; zero removes it.
func (l *Ledger) SetLowBalance(ctx context.Context, account string, m Money) error {
	if m.Currency != l.cfg.Currency || m.Amount < 0 || m.Amount > MaxAmount {
		return fmt.Errorf("%w: threshold %s", ErrEvent, m)
	}
	v := ""
	if m.Amount > 0 {
		v = itoa(m.Amount)
	}
	return l.set(ctx, account, "lowuser", v)
}

// SetNumbers sets how many numbers the plan's rental is charged for, from
// the next renewal on.
func (l *Ledger) SetNumbers(ctx context.Context, account string, n int64) error {
	if n < 0 || n > 10000 {
		return fmt.Errorf("%w: %d numbers", ErrEvent, n)
	}
	return l.set(ctx, account, "nums", itoa(n))
}

// SetPlan moves account to plan ("" for pay as you go). A period already
// paid runs to its end and the new plan is charged from the next renewal
// on; an account that had no plan is charged its first period at once
// (the Renewal says whether it could be paid).
func (l *Ledger) SetPlan(ctx context.Context, account, plan string) (Renewal, error) {
	if _, ok := l.cfg.plans[plan]; plan != "" && !ok {
		return Renewal{}, fmt.Errorf("%w: no plan %q", ErrEvent, plan)
	}
	if plan == "" {
		// Pay as you go has no renewal to wait for.
		if err := l.set(ctx, account, "grace", ""); err != nil {
			return Renewal{}, err
		}
	}
	if err := l.set(ctx, account, "plan", plan); err != nil {
		return Renewal{}, err
	}
	return l.Renew(ctx, account)
}

func (l *Ledger) set(ctx context.Context, account, field, value string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	d, err := l.decide(ctx, setScript, account, "", field, value)
	if err != nil {
		return err
	}
	if d.Reason == NoAccount {
		return fmt.Errorf("%w: %q", ErrAccount, account)
	}
	return nil
}

// Accounts lists every account opened, for exports and sweeps.
func (l *Ledger) Accounts(ctx context.Context) ([]string, error) {
	ids, err := l.rdb.SMembers(ctx, l.accountsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return ids, nil
}

// Due lists up to n accounts whose plan renews at or before now: the
// caller's scheduler calls Renew on each. Accounts whose renewal is unpaid
// stay listed until it is paid.
func (l *Ledger) Due(ctx context.Context, n int64) ([]string, error) {
	ids, err := l.rdb.ZRangeByScore(ctx, l.dueKey(), &redis.ZRangeBy{
		Min: "-inf", Max: itoa(l.now().UnixMilli()), Count: n,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return ids, nil
}
