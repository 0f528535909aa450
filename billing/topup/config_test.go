package topup

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// TestConfig: defaults, currencies as Stripe writes them, and errors that
// name the key without repeating a secret.
func TestConfig(t *testing.T) {
	c := &Config{SecretKey: "sk_test_x", WebhookSecret: "whsec_x"}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCurrency("USD", "https://gw.example.org"); err != nil {
		t.Fatal(err)
	}
	if c.APIURL != APIURL || c.Tolerance.String() != "5m0s" || c.PerHour != 10 || c.SuccessURL != "https://gw.example.org/stripe/paid" ||
		c.CancelURL != "https://gw.example.org/stripe/cancelled" || len(c.amounts) != 3 || c.amounts[1] != (billing.Money{Amount: 1000, Currency: "USD"}) {
		t.Errorf("defaults: %+v", c)
	}
	for _, tc := range []struct {
		name, currency string
		amounts        []string
		key            string
	}{
		{"yen", "JPY", []string{"500", "1000"}, ""},
		{"yen decimals", "JPY", []string{"5.00"}, "amounts[0]"},
		{"three decimals", "KWD", []string{"1.250"}, ""},
		{"three decimals, last digit", "KWD", []string{"1.255"}, "amounts[0]"},
		{"krona", "ISK", []string{"1000"}, ""},
		{"krona beyond Stripe's maximum", "ISK", []string{"1000000"}, "amounts[0]"},
		{"beyond Stripe's maximum", "USD", []string{"1000000.00"}, "amounts[0]"},
		{"not taken by Stripe", "IQD", []string{"1.000"}, "amounts"},
		{"negative", "USD", []string{"-5"}, "amounts[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{SecretKey: "sk_test_x", WebhookSecret: "whsec_x", Amounts: tc.amounts}
			if err := c.Check(); err != nil {
				t.Fatal(err)
			}
			err := c.SetCurrency(tc.currency, "https://gw.example.org")
			var ke *config.KeyError
			switch {
			case tc.key == "" && err != nil:
				t.Fatal(err)
			case tc.key != "" && (!errors.As(err, &ke) || ke.Key != tc.key):
				t.Fatalf("error %v, want one naming %s", err, tc.key)
			}
		})
	}
	for _, c := range []*Config{
		{SecretKey: "pk_live_publishable", WebhookSecret: "whsec_x"},
		{SecretKey: "sk_live_secret", WebhookSecret: "secretwithoutprefix"},
	} {
		err := c.Check()
		if err == nil || strings.Contains(err.Error(), "publishable") || strings.Contains(err.Error(), "secretwithoutprefix") {
			t.Errorf("error %v: want one that does not repeat the secret", err)
		}
	}
}

// TestStripeUnits: the ledger's minor units as Stripe writes them, and back.
func TestStripeUnits(t *testing.T) {
	for _, tc := range []struct {
		m    billing.Money
		unit int64
		cur  string
	}{
		{billing.Money{Amount: 1000, Currency: "USD"}, 1000, "usd"},
		{billing.Money{Amount: 500, Currency: "JPY"}, 500, "jpy"},
		{billing.Money{Amount: 1250, Currency: "KWD"}, 1250, "kwd"},
		{billing.Money{Amount: 1000, Currency: "ISK"}, 100000, "isk"},
	} {
		unit, cur := toStripe(tc.m)
		if unit != tc.unit || cur != tc.cur {
			t.Errorf("toStripe(%s) = %d %s", tc.m, unit, cur)
		}
		if back, ok := fromStripe(unit, cur); !ok || back != tc.m {
			t.Errorf("fromStripe(%d, %s) = %v %v", unit, cur, back, ok)
		}
	}
	if _, ok := fromStripe(150, "isk"); ok {
		t.Error("1.50 ISK taken: the ledger has no minor units of the króna")
	}
}
