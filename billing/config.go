package billing

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [billing] section. With Enabled false nothing is checked
// or charged (a self-hosted gateway).
type Config struct {
	Enabled bool `toml:"enabled"`
	// Currency of every account and price: an ISO 4217 code; default USD.
	Currency string `toml:"currency"`
	// LowBalance are the balances below which the user is told, once per
	// crossing: ["5.00", "1.00"]. Each user may add one of their own.
	LowBalance []string `toml:"low_balance"`
	// Plan is the plan new accounts get; "" is pay as you go (no fee, no
	// allowances).
	Plan string `toml:"plan"`
	// Grace is how long an account whose renewal could not be paid may
	// still send; default "72h". A first renewal (sign-up) has none.
	Grace time.Duration `toml:"grace"`
	// HoldTTL is how long a reservation lives without Commit, Release or
	// Extend (an instance that died mid-send); default "15m". Calls extend
	// theirs at each step, so this must exceed a call's step.
	HoldTTL time.Duration `toml:"hold_ttl"`
	// CallStep is how many seconds of a call are reserved at a time: at
	// the start, then again before each step runs out; default "60s". A
	// shorter step asks the ledger more often and leaves less unpaid when
	// the balance runs out; it must be shorter than HoldTTL.
	CallStep time.Duration `toml:"call_step"`
	// Cancel is when a user's cancelled number is released:
	// CancelImmediate (default) or CancelPeriodEnd, when the period the
	// user has paid for ends.
	Cancel string       `toml:"cancel"`
	Rates  []RateConfig `toml:"rates"`
	Plans  []PlanConfig `toml:"plans"`

	tariff *Tariff
	plans  map[string]Plan
	low    []int64
}

// Cancel policies.
const (
	CancelImmediate = "immediate"  // release the number at once
	CancelPeriodEnd = "period_end" // keep it until the paid period ends
)

// RateConfig is one [[billing.rates]] entry: prices toward numbers
// starting with Prefix. Amounts are decimal strings in the section's
// currency ("0.0100" is refused for USD: whole cents only). An outbound
// price left empty means the destination is not offered; an inbound one,
// free.
type RateConfig struct {
	// Prefix is "+" and up to 15 digits ("+1", "+4420"), or "*" for every
	// destination no other prefix matches. The longest match wins.
	Prefix string `toml:"prefix"`
	SMS    string `toml:"sms"`  // per segment
	MMS    string `toml:"mms"`  // per message
	Call   string `toml:"call"` // per minute
	// Increment is the call billing increment first/next in seconds;
	// default "60/60".
	Increment string `toml:"increment"`
	SMSIn     string `toml:"sms_in"`  // per inbound segment
	MMSIn     string `toml:"mms_in"`  // per inbound message
	CallIn    string `toml:"call_in"` // per inbound minute
	// Included: plan allowances cover this destination; otherwise it is
	// always charged at these prices.
	Included bool `toml:"included"`
}

// PlanConfig is one [[billing.plans]] entry.
type PlanConfig struct {
	Name    string `toml:"name"`
	Fee     string `toml:"fee"`     // a month, for the account
	Rental  string `toml:"rental"`  // a month, for each number
	SMS     int64  `toml:"sms"`     // included outbound segments a month
	MMS     int64  `toml:"mms"`     // included outbound picture messages a month
	Minutes int64  `toml:"minutes"` // included outbound call minutes a month
}

// Check fills in defaults, validates the section and builds its rate
// table and plans.
func (c *Config) Check() error {
	if c.Currency == "" {
		c.Currency = "USD"
	}
	if _, ok := Exponent(c.Currency); !ok {
		return config.Invalid("currency", "%q is not a supported ISO 4217 currency code", c.Currency)
	}
	if err := config.Duration("grace", &c.Grace, 72*time.Hour); err != nil {
		return err
	}
	if err := config.Duration("hold_ttl", &c.HoldTTL, 15*time.Minute); err != nil {
		return err
	}
	if c.HoldTTL < 10*time.Second {
		return config.Invalid("hold_ttl", "%s is too short: a send would lose its reservation before the carrier answers (at least 10s)", c.HoldTTL)
	}
	// A short hold_ttl (tests) brings the default step under it.
	if err := config.Duration("call_step", &c.CallStep, min(time.Minute, (c.HoldTTL/2).Truncate(time.Second))); err != nil {
		return err
	}
	if c.CallStep < time.Second || c.CallStep%time.Second != 0 || c.CallStep >= c.HoldTTL {
		return config.Invalid("call_step", "%s is not whole seconds from 1s up to less than hold_ttl (%s)", c.CallStep, c.HoldTTL)
	}
	switch c.Cancel {
	case "":
		c.Cancel = CancelImmediate
	case CancelImmediate, CancelPeriodEnd:
	default:
		return config.Invalid("cancel", "%q is not %q or %q", clip(c.Cancel), CancelImmediate, CancelPeriodEnd)
	}
	c.low = c.low[:0]
	for i, s := range c.LowBalance {
		m, err := ParseMoney(s, c.Currency)
		if err != nil || m.Amount < 0 {
			return config.Invalid(fmt.Sprintf("low_balance[%d]", i), "%q is not an amount of %s such as 5.00", s, c.Currency)
		}
		c.low = append(c.low, m.Amount)
	}
	slices.Sort(c.low)
	c.low = slices.Compact(c.low)
	t, err := c.checkRates()
	if err != nil {
		return err
	}
	c.tariff = t
	c.plans = map[string]Plan{}
	for i, pc := range c.Plans {
		p, err := pc.check(c.Currency)
		if ke := (*config.KeyError)(nil); errors.As(err, &ke) {
			return config.Invalid(fmt.Sprintf("plans[%d].%s", i, ke.Key), "%s", ke.Msg)
		} else if err != nil {
			return err
		}
		if _, dup := c.plans[p.Name]; dup {
			return config.Invalid(fmt.Sprintf("plans[%d].name", i), "%q is defined twice", p.Name)
		}
		c.plans[p.Name] = p
	}
	if _, ok := c.plans[c.Plan]; c.Plan != "" && !ok {
		return config.Invalid("plan", "%q is not one of the plans", c.Plan)
	}
	return nil
}

func (c *Config) checkRates() (*Tariff, error) {
	t := &Tariff{currency: c.Currency, rows: map[string]rateRow{}}
	for i, r := range c.Rates {
		key := func(k string) string { return fmt.Sprintf("rates[%d].%s", i, k) }
		if !validPrefix(r.Prefix) {
			return nil, config.Invalid(key("prefix"), "%q is not + and up to 15 digits, or *", clip(r.Prefix))
		}
		if _, dup := t.rows[r.Prefix]; dup {
			return nil, config.Invalid(key("prefix"), "%q is listed twice", r.Prefix)
		}
		row := rateRow{prices: map[Kind]int64{}, included: r.Included, inc: Increment{First: 60, Next: 60}}
		for _, f := range []struct {
			kind Kind
			name string
			val  string
		}{
			{SMS, "sms", r.SMS}, {MMS, "mms", r.MMS}, {Call, "call", r.Call},
			{SMSIn, "sms_in", r.SMSIn}, {MMSIn, "mms_in", r.MMSIn}, {CallIn, "call_in", r.CallIn},
		} {
			if f.val == "" {
				row.prices[f.kind] = -1
				continue
			}
			m, err := ParseMoney(f.val, c.Currency)
			if err != nil || m.Amount < 0 || m.Amount > maxUnit {
				return nil, config.Invalid(key(f.name), "%q is not a price in %s such as 0.01 (whole minor units, at most %s)",
					clip(f.val), c.Currency, Money{maxUnit, c.Currency})
			}
			row.prices[f.kind] = m.Amount
		}
		if r.Increment != "" {
			inc, err := ParseIncrement(r.Increment)
			if err != nil {
				return nil, config.Invalid(key("increment"), "%q is not first/next seconds such as 60/60 or 6/6", clip(r.Increment))
			}
			row.inc = inc
		}
		t.rows[r.Prefix] = row
	}
	return t, nil
}

func validPrefix(p string) bool {
	if p == "*" {
		return true
	}
	return len(p) >= 1 && len(p) <= 16 && p[0] == '+' && digits(p[1:])
}

func (pc PlanConfig) check(currency string) (Plan, error) {
	if pc.Name == "" || len(pc.Name) > 64 {
		return Plan{}, config.Invalid("name", "a plan needs a name of up to 64 characters")
	}
	p := Plan{Name: pc.Name, Allowances: map[Kind]int64{}}
	for _, f := range []struct {
		key string
		val string
		dst *int64
	}{{"fee", pc.Fee, &p.Fee}, {"rental", pc.Rental, &p.Rental}} {
		if f.val == "" {
			continue
		}
		m, err := ParseMoney(f.val, currency)
		if err != nil || m.Amount < 0 || m.Amount > MaxAmount/1000 {
			return Plan{}, config.Invalid(f.key, "%q is not an amount of %s such as 4.99", clip(f.val), currency)
		}
		*f.dst = m.Amount
	}
	for _, f := range []struct {
		key  string
		n    int64
		kind Kind
		unit int64
	}{{"sms", pc.SMS, SMS, 1}, {"mms", pc.MMS, MMS, 1}, {"minutes", pc.Minutes, Call, 60}} {
		if f.n < 0 || f.n > maxQuantity {
			return Plan{}, config.Invalid(f.key, "%d is not between 0 and %d", f.n, maxQuantity)
		}
		if f.n > 0 {
			p.Allowances[f.kind] = f.n * f.unit
		}
	}
	return p, nil
}

// Tariff is the checked rate table; nil before Check.
func (c *Config) Tariff() *Tariff { return c.tariff }

// PlanNamed returns the checked plan called name.
func (c *Config) PlanNamed(name string) (Plan, bool) {
	p, ok := c.plans[name]
	return p, ok
}

// thresholds are the low-balance thresholds in minor units, ascending.
func (c *Config) thresholds() []int64 { return c.low }
