package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Posting is one entry of an account's ledger. It keeps no message body
// and no full phone number: only the rate table prefix that priced it
// (Where: "+44", "+1416", "*"), which is all a statement needs.
type Posting struct {
	ID       string
	Time     time.Time
	Kind     Kind
	Amount   Money // signed: negative for a charge, positive for a credit
	Balance  Money // after the posting
	Quantity int64 // segments, messages or seconds billed (after increments)
	// Allowance is the part of Quantity the plan's allowances covered.
	Allowance int64
	Where     string // rate table prefix; "-" for credits and fees
	Note      string // an admin's reason, a renewal's plan and period
	Ref       string // the carrier's message or call id
}

// Description is a line for the user's usage list:
// "text to +44, 2 segments", "call to +1, 3:12 billed".
func (p Posting) Description() string {
	switch p.Kind {
	case SMS:
		return fmt.Sprintf("text to %s, %d segment%s", p.Where, p.Quantity, plural(p.Quantity))
	case SMSIn:
		return fmt.Sprintf("text from %s, %d segment%s", p.Where, p.Quantity, plural(p.Quantity))
	case MMS:
		return "picture message to " + p.Where
	case MMSIn:
		return "picture message from " + p.Where
	case Call:
		return fmt.Sprintf("call to %s, %d:%02d billed", p.Where, p.Quantity/60, p.Quantity%60)
	case CallIn:
		return fmt.Sprintf("call from %s, %d:%02d billed", p.Where, p.Quantity/60, p.Quantity%60)
	case Fee:
		return p.Note
	case Payment:
		return "top-up"
	case Bonus:
		return "bonus credit"
	case Admin:
		if p.Amount.Amount < 0 {
			return "debit: " + p.Note
		}
		return "credit: " + p.Note
	}
	return string(p.Kind)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Adjustment is money put on or taken off an account outside usage.
type Adjustment struct {
	Account string
	// ID makes it happen once: the payment provider's event id, the
	// admin action's id, the invite redemption's id.
	ID   string
	Kind Kind // Payment, Bonus or Admin
	// Amount is positive for a credit. Only Admin may debit (negative),
	// and may take the balance below zero.
	Amount Money
	Note   string // the admin's reason; shown in the usage list
}

// Credit posts adj. A payment or bonus must come from where the money
// did (the provider's event, never a user's form). When the account's
// renewal is unpaid, Credit renews it right away.
func (l *Ledger) Credit(ctx context.Context, adj Adjustment) (Decision, error) {
	if err := checkAccount(adj.Account); err != nil {
		return Decision{}, err
	}
	if err := checkID(adj.ID); err != nil {
		return Decision{}, err
	}
	switch {
	case adj.Kind != Payment && adj.Kind != Bonus && adj.Kind != Admin:
		return Decision{}, fmt.Errorf("%w: %q is not a credit kind", ErrEvent, adj.Kind)
	case adj.Amount.Currency != l.cfg.Currency:
		return Decision{}, fmt.Errorf("%w: %s, not %s", ErrMismatch, adj.Amount.Currency, l.cfg.Currency)
	case !inRange(adj.Amount.Amount) || adj.Amount.Amount == 0:
		return Decision{}, fmt.Errorf("%w: amount %s", ErrEvent, adj.Amount)
	case adj.Amount.Amount < 0 && adj.Kind != Admin:
		return Decision{}, fmt.Errorf("%w: a %s cannot be negative", ErrEvent, adj.Kind)
	case len(adj.Note) > 500:
		return Decision{}, fmt.Errorf("%w: note over 500 bytes", ErrEvent)
	}
	key := string(adj.Kind) + ":" + adj.ID
	d, err := l.decide(ctx, creditScript, adj.Account, adj.Kind, key, string(adj.Kind), adj.Amount.Amount, adj.Note, adj.ID)
	if err != nil || !d.Allowed || d.Replay || adj.Amount.Amount < 0 {
		return d, err
	}
	a, err := l.Account(ctx, adj.Account)
	if err != nil {
		return d, err
	}
	if a.Why == Unpaid {
		if _, err := l.Renew(ctx, adj.Account); err != nil {
			return d, err
		}
	}
	return d, nil
}

// Usage returns account's last n postings, newest first.
func (l *Ledger) Usage(ctx context.Context, account string, n int64) ([]Posting, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	msgs, err := l.rdb.XRevRangeN(ctx, l.keys(account)[4], "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return l.postings(msgs), nil
}

// Postings returns account's postings from from up to (not including) to,
// oldest first: for exports.
func (l *Ledger) Postings(ctx context.Context, account string, from, to time.Time) ([]Posting, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	// An end id of milliseconds alone takes in every entry of that
	// millisecond, so the range ends at the millisecond before to.
	if !from.Before(to) {
		return nil, nil
	}
	msgs, err := l.rdb.XRange(ctx, l.keys(account)[4], itoa(from.UnixMilli()), itoa(to.UnixMilli()-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return l.postings(msgs), nil
}

func (l *Ledger) postings(msgs []redis.XMessage) []Posting {
	out := make([]Posting, 0, len(msgs))
	cur := l.cfg.Currency
	for _, m := range msgs {
		s := func(k string) string { v, _ := m.Values[k].(string); return v }
		n := func(k string) int64 { v, _ := strconv.ParseInt(s(k), 10, 64); return v }
		msPart, _, _ := strings.Cut(m.ID, "-")
		ms, _ := strconv.ParseInt(msPart, 10, 64)
		out = append(out, Posting{
			ID:        s("id"),
			Time:      time.UnixMilli(ms).UTC(),
			Kind:      Kind(s("kind")),
			Amount:    Money{n("amt"), cur},
			Balance:   Money{n("bal"), cur},
			Quantity:  n("units"),
			Allowance: n("allow"),
			Where:     s("where"),
			Note:      s("note"),
			Ref:       s("ref"),
		})
	}
	return out
}
