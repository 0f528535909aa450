package topup

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [stripe] section: top-ups through Stripe Checkout. The
// section's presence turns them on; it needs [billing] enabled.
type Config struct {
	// SecretKey is the Stripe API key (sk_live_…, sk_test_…, or a
	// restricted rk_… key allowed to write Checkout Sessions).
	SecretKey string `toml:"secret_key"`
	// WebhookSecret is the signing secret of the webhook endpoint
	// ({public_url}/stripe/webhook): whsec_….
	WebhookSecret string `toml:"webhook_secret"`
	// APIURL is Stripe's API; default https://api.stripe.com (tests point
	// it at stripe-mock).
	APIURL string `toml:"api_url"`
	// Amounts are the top-ups offered, in the ledger's currency; default
	// ["5.00", "10.00", "25.00"]. No other amount can be asked for.
	Amounts []string `toml:"amounts"`
	// SuccessURL and CancelURL are where Checkout sends the payer back;
	// default {public_url}/stripe/paid and {public_url}/stripe/cancelled,
	// which the gateway serves.
	SuccessURL string `toml:"success_url"`
	CancelURL  string `toml:"cancel_url"`
	// Tolerance is how old a webhook's signature may be; default "5m",
	// Stripe's own. An older one is a replay and refused.
	Tolerance time.Duration `toml:"tolerance"`
	// PerHour is how many Checkout Sessions one account may open an hour;
	// default 10.
	PerHour int `toml:"per_hour"`
	// Product is the line item's name on the payment page; default
	// "Prepaid credit".
	Product string `toml:"product"`

	amounts []billing.Money
}

// APIURL is Stripe's own.
const APIURL = "https://api.stripe.com"

// maxStripeAmount is the largest amount Stripe Checkout takes in minor
// units (99,999,999: 999,999.99 of a two-decimal currency).
const maxStripeAmount = 99_999_999

// Check fills in defaults and validates the keys that need no other
// section. The amounts are read in the ledger's currency by SetCurrency.
func (c *Config) Check() error {
	switch {
	case c.SecretKey == "":
		return config.Invalid("secret_key", "missing: the Stripe API key (sk_live_…, sk_test_… or a restricted rk_… key)")
	case !strings.HasPrefix(c.SecretKey, "sk_") && !strings.HasPrefix(c.SecretKey, "rk_"):
		// The key itself is never repeated in an error.
		return config.Invalid("secret_key", "not a Stripe secret key (they start with sk_ or rk_)")
	case c.WebhookSecret == "":
		return config.Invalid("webhook_secret", "missing: the signing secret of the webhook endpoint (whsec_…)")
	case !strings.HasPrefix(c.WebhookSecret, "whsec_"):
		return config.Invalid("webhook_secret", "not a webhook signing secret (they start with whsec_)")
	}
	if c.APIURL == "" {
		c.APIURL = APIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if !httpURL(c.APIURL) {
		return config.Invalid("api_url", "%q is not an http(s) URL", c.APIURL)
	}
	for _, u := range []struct{ key, val string }{{"success_url", c.SuccessURL}, {"cancel_url", c.CancelURL}} {
		if u.val != "" && !httpURL(u.val) {
			return config.Invalid(u.key, "%q is not an http(s) URL", u.val)
		}
	}
	if len(c.Amounts) == 0 {
		c.Amounts = []string{"5.00", "10.00", "25.00"}
	}
	if len(c.Amounts) > 20 {
		return config.Invalid("amounts", "%d amounts: at most 20", len(c.Amounts))
	}
	if err := config.Duration("tolerance", &c.Tolerance, 5*time.Minute); err != nil {
		return err
	}
	if c.Tolerance < time.Second || c.Tolerance > time.Hour {
		return config.Invalid("tolerance", "%s is not between 1s and 1h", c.Tolerance)
	}
	if c.PerHour == 0 {
		c.PerHour = 10
	}
	if c.PerHour < 0 || c.PerHour > 1000 {
		return config.Invalid("per_hour", "%d is not between 1 and 1000", c.PerHour)
	}
	if c.Product == "" {
		c.Product = "Prepaid credit"
	}
	if len(c.Product) > 200 {
		return config.Invalid("product", "longer than 200 bytes")
	}
	return nil
}

// SetCurrency reads the amounts in currency (the ledger's) and fills in
// the return pages under publicURL. The gateway calls it from its own
// Check, which knows both; its errors name keys of this section.
func (c *Config) SetCurrency(currency, publicURL string) error {
	if c.SuccessURL == "" {
		c.SuccessURL = publicURL + PaidPath
	}
	if c.CancelURL == "" {
		c.CancelURL = publicURL + CancelledPath
	}
	if _, ok := stripeUnit(currency); !ok {
		return config.Invalid("amounts", "Stripe does not take %s in this gateway", currency)
	}
	c.amounts = c.amounts[:0]
	for i, s := range c.Amounts {
		m, err := billing.ParseMoney(s, currency)
		if err == nil && (m.Amount <= 0 || !stripeAmount(m)) {
			err = fmt.Errorf("out of range")
		}
		if err != nil {
			return config.Invalid(fmt.Sprintf("amounts[%d]", i), "%q is not a positive amount of %s that Stripe takes, such as 10.00", s, currency)
		}
		for _, o := range c.amounts {
			if o == m {
				return config.Invalid(fmt.Sprintf("amounts[%d]", i), "%q is listed twice", s)
			}
		}
		c.amounts = append(c.amounts, m)
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
