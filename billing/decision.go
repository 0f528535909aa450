package billing

import (
	"fmt"
	"time"
)

// Reason says why an event was refused.
type Reason string

// Reasons.
const (
	OK          Reason = ""
	NoFunds     Reason = "funds"      // the balance does not cover it
	Suspended   Reason = "suspended"  // an operator suspended the account
	Unpaid      Reason = "unpaid"     // a renewal went unpaid past its grace period
	NoRate      Reason = "no_rate"    // the rate table does not offer the destination
	NoAccount   Reason = "no_account" // the account does not exist
	NoHold      Reason = "no_hold"    // Extend found no reservation (it lapsed or was settled)
	OutOfRange  Reason = "range"      // a credit would take the balance beyond MaxAmount
	AlreadyDone Reason = "moved"      // Renew: another instance renewed first
)

// Decision is the ledger's answer to an event or a credit.
type Decision struct {
	Allowed bool
	Reason  Reason // why not, when not Allowed
	Kind    Kind
	// Amount is what was charged (Commit, Settle, Charge), reserved in all
	// (Reserve, Extend) or credited (Credit; negative for a debit). For a
	// refusal for funds, what it would have cost.
	Amount Money
	// Allowance is the quantity taken from the plan's allowances instead
	// of the balance (segments, messages, seconds).
	Allowance int64
	Balance   Money // after the posting; Replay: after the original posting
	Reserved  Money // held by reservations in flight; Available = Balance - Reserved
	// Low is the low-balance threshold this posting crossed downward, if
	// LowCrossed: the caller tells the user once. Going back above a
	// threshold re-arms it.
	Low        Money
	LowCrossed bool
	// Replay: the id had already been applied; this is the original result
	// and nothing was changed. A Reserve replayed with a non-zero Time
	// found the event already committed: it was sent before.
	Replay bool
	// Time of the posting (zero for reservations and refusals).
	Time time.Time
}

// Available is the balance less reservations in flight.
func (d Decision) Available() Money {
	return Money{Amount: d.Balance.Amount - d.Reserved.Amount, Currency: d.Balance.Currency}
}

// Text is a sentence for the user about a refusal ("" when allowed), or,
// for an allowed decision that crossed a threshold, the low-balance
// notice.
func (d Decision) Text() string {
	if d.Allowed {
		if d.LowCrossed {
			return fmt.Sprintf("Your balance is %s, below %s. Top up to keep texting and calling.", d.Balance, d.Low)
		}
		return ""
	}
	what := d.Kind.noun()
	switch d.Reason {
	case NoFunds:
		return fmt.Sprintf("Your balance (%s available) does not cover %s (%s). Top up to continue.", d.Available(), what, d.Amount)
	case Suspended:
		return "Your account is suspended. Contact the operator."
	case Unpaid:
		return "Your plan's renewal is unpaid, so sending is paused. Top up to continue."
	case NoRate:
		return fmt.Sprintf("Sorry, %s to that destination is not available.", what)
	case NoAccount:
		return "You have no account yet. Register first."
	case NoHold:
		return "Your reserved credit has lapsed."
	case OutOfRange:
		return "That amount is out of range."
	}
	return "Refused: " + string(d.Reason)
}

func (k Kind) noun() string {
	switch k {
	case SMS, SMSIn:
		return "this text"
	case MMS, MMSIn:
		return "this picture message"
	case Call, CallIn:
		return "this call"
	case Fee:
		return "your plan's renewal"
	}
	return "this"
}
