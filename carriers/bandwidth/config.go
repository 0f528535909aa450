package bandwidth

import (
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Defaults of the adapter, for the section and for Settings alike.
const (
	defaultAPIURL        = "https://messaging.bandwidth.com"
	defaultTimeout       = 15 * time.Second
	defaultPerNumberRate = 1.0 // sends per second: a US long code's rate
)

// Config is the [carriers.bandwidth] section.
type Config struct {
	AccountID string `toml:"account_id"`
	// Username and Password are the API user's credentials.
	Username      string `toml:"username"`
	Password      string `toml:"password"`
	ApplicationID string `toml:"application_id"`
	// APIURL replaces https://messaging.bandwidth.com (scheme, host and
	// port), for tests.
	APIURL string `toml:"api_url"`
	// CallbackUsername and CallbackPassword are the HTTP Basic credentials
	// set on the Bandwidth application; callbacks without them are refused.
	CallbackUsername string `toml:"callback_username"`
	CallbackPassword string `toml:"callback_password"`
	// PerNumberRate is the messages per second the gateway sends from one
	// number; default 1 (a US long code).
	PerNumberRate float64 `toml:"per_number_rate"`
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration `toml:"timeout"`
}

var _ carriers.Section = (*Config)(nil)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	required := []struct{ key, val string }{
		{"account_id", c.AccountID},
		{"username", c.Username},
		{"password", c.Password},
		{"application_id", c.ApplicationID},
		{"callback_username", c.CallbackUsername},
		{"callback_password", c.CallbackPassword},
	}
	for _, r := range required {
		if r.val == "" {
			return config.Invalid(r.key, "missing")
		}
	}
	if strings.ContainsAny(c.AccountID, "/?#%") {
		return config.Invalid("account_id", "must be the account number")
	}
	if strings.Contains(c.CallbackUsername, ":") {
		return config.Invalid("callback_username", "must not contain ':' (HTTP Basic)")
	}
	if err := api.CheckBase("api_url", &c.APIURL, defaultAPIURL); err != nil {
		return err
	}
	return api.CheckSending(&c.Timeout, defaultTimeout, &c.PerNumberRate, defaultPerNumberRate)
}

// Active implements carriers.Section: the section's presence turns
// Bandwidth on.
func (c *Config) Active() bool { return true }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{
		AccountID:        c.AccountID,
		Username:         c.Username,
		Password:         c.Password,
		ApplicationID:    c.ApplicationID,
		APIURL:           c.APIURL,
		CallbackUsername: c.CallbackUsername,
		CallbackPassword: c.CallbackPassword,
		Timeout:          c.Timeout,
		PerNumberRate:    c.PerNumberRate,
		Logger:           env.Logger,
	})
}
