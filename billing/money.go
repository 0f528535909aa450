package billing

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxAmount bounds every amount and balance, in minor units (10^13: a
// hundred billion dollars). The ledger's scripts do their arithmetic in
// Redis's Lua, whose numbers are doubles: below 2^53 they are exact, and
// this bound keeps every product of a price and a quantity well below it.
const MaxAmount = 10_000_000_000_000

// Money errors.
var (
	ErrCurrency = errors.New("billing: unsupported currency")
	ErrAmount   = errors.New("billing: not an amount")
	ErrMismatch = errors.New("billing: currencies differ")
)

// Money is an amount in the minor units of its currency (cents for USD,
// yen for JPY). Nothing in billing uses floating point: amounts are
// parsed from and written as decimal strings digit by digit.
type Money struct {
	Amount   int64  // minor units; negative for a debt or a charge
	Currency string // ISO 4217 code, upper case
}

// Exponent is the number of minor-unit digits of an ISO 4217 currency (2
// for USD, 0 for JPY, 3 for KWD), and whether billing supports it.
func Exponent(currency string) (int, bool) {
	switch currency {
	case "JPY", "KRW", "ISK", "CLP", "VND", "UGX", "XAF", "XOF":
		return 0, true
	case "BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD":
		return 3, true
	case "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK",
		"PLN", "CZK", "HUF", "RON", "MXN", "BRL", "INR", "ZAR", "SGD", "HKD",
		"ILS", "TRY", "PHP", "THB", "MYR", "IDR", "CNY", "TWD", "AED", "SAR":
		return 2, true
	}
	return 0, false
}

// ParseMoney reads a decimal amount of currency: "4.99", "-0.50", "100"
// (JPY: "100"; KWD: "1.250"). It takes an optional leading minus, digits,
// and at most as many decimals as the currency has (fewer are padded:
// "4.5" is 450 cents); nothing else: no "+", spaces, exponents, thousands
// separators or currency signs. The amount must be within MaxAmount.
func ParseMoney(s, currency string) (Money, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return Money{}, fmt.Errorf("%w: %q", ErrCurrency, currency)
	}
	bad := func(why string) (Money, error) {
		return Money{}, fmt.Errorf("%w: %q: %s", ErrAmount, clip(s), why)
	}
	if len(s) > 32 {
		return bad("too long")
	}
	neg := false
	rest := s
	if strings.HasPrefix(rest, "-") {
		neg, rest = true, rest[1:]
	}
	whole, frac, dot := strings.Cut(rest, ".")
	if whole == "" || !digits(whole) {
		return bad("not a decimal number such as 4.99")
	}
	if dot && (frac == "" || !digits(frac)) {
		return bad("not a decimal number such as 4.99")
	}
	if len(frac) > exp {
		return bad(fmt.Sprintf("%s has %d decimals", currency, exp))
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > MaxAmount {
		return bad("too large")
	}
	if neg {
		n = -n
	}
	return Money{Amount: n, Currency: currency}, nil
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip keeps error messages short on hostile input.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Decimal writes the amount the way ParseMoney reads it: "4.99", "-0.05",
// "100" (JPY).
func (m Money) Decimal() string {
	exp, ok := Exponent(m.Currency)
	if !ok {
		exp = 0
	}
	n := m.Amount
	sign := ""
	// Negate through uint64 so that the smallest int64 has a magnitude.
	u := uint64(n)
	if n < 0 {
		sign, u = "-", -u
	}
	s := strconv.FormatUint(u, 10)
	if exp == 0 {
		return sign + s
	}
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// String is the amount and its currency: "4.99 USD".
func (m Money) String() string {
	if m.Currency == "" {
		return m.Decimal()
	}
	return m.Decimal() + " " + m.Currency
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// Add returns m+o; both must be in one currency and the sum within
// MaxAmount.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s and %s", ErrMismatch, m.Currency, o.Currency)
	}
	if !inRange(m.Amount) || !inRange(o.Amount) || !inRange(m.Amount+o.Amount) {
		return Money{}, fmt.Errorf("%w: sum out of range", ErrAmount)
	}
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}, nil
}

func inRange(n int64) bool { return n >= -MaxAmount && n <= MaxAmount }
