package topup

import (
	"strings"

	"github.com/switchboard-gw/switchboard/billing"
)

// stripeUnit is how many of Stripe's units of currency make one of the
// ledger's minor units, and whether Stripe takes the currency here.
// Stripe's amounts are minor units too, but not always ISO 4217's: it
// writes the Icelandic króna (ISO: no decimals) with two, and it does not
// take the Iraqi or Libyan dinar.
func stripeUnit(currency string) (int64, bool) {
	switch currency {
	case "ISK":
		return 100, true
	case "IQD", "LYD":
		return 0, false
	}
	_, ok := billing.Exponent(currency)
	return 1, ok
}

// stripeAmount reports whether Stripe Checkout takes m: within its
// maximum, and for the three-decimal currencies a multiple of ten (Stripe
// refuses a last digit other than 0).
func stripeAmount(m billing.Money) bool {
	unit, ok := stripeUnit(m.Currency)
	if !ok || m.Amount <= 0 || m.Amount > maxStripeAmount/unit {
		return false
	}
	if exp, _ := billing.Exponent(m.Currency); exp == 3 && m.Amount%10 != 0 {
		return false
	}
	return true
}

// toStripe is m as Stripe writes it: the amount in its units and the
// currency in lower case.
func toStripe(m billing.Money) (int64, string) {
	unit, _ := stripeUnit(m.Currency)
	return m.Amount * unit, strings.ToLower(m.Currency)
}

// fromStripe reads an amount and currency as Stripe reports them. ok is
// false for a currency the ledger does not know, or an amount that is not
// a whole number of the ledger's minor units.
func fromStripe(amount int64, currency string) (billing.Money, bool) {
	cur := strings.ToUpper(currency)
	unit, ok := stripeUnit(cur)
	if !ok || amount < 0 || amount%unit != 0 || amount/unit > billing.MaxAmount {
		return billing.Money{}, false
	}
	return billing.Money{Amount: amount / unit, Currency: cur}, true
}
