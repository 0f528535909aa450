package billing

import "time"

// Plan is a checked [[billing.plans]] entry: what an account pays each
// month and what that includes.
type Plan struct {
	Name   string
	Fee    int64 // minor units a month
	Rental int64 // minor units a month for each of the account's numbers
	// Allowances included each month, by usage kind: SMS segments, MMS
	// messages, Call seconds. Unused allowance does not carry over.
	Allowances map[Kind]int64
}

// Due is what renewing the plan costs for numbers numbers.
func (p Plan) Due(numbers int64) int64 { return p.Fee + p.Rental*numbers }

// nextPeriod is the end of the period that starts at start: one calendar
// month later (Go's normalisation: 31 January + 1 month is 3 March).
func nextPeriod(start time.Time) time.Time { return start.UTC().AddDate(0, 1, 0) }
