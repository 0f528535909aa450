package twilio

import (
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Defaults of the adapter, for the section and for Settings alike.
const (
	defaultAPIURL        = "https://api.twilio.com"
	defaultTimeout       = 15 * time.Second
	defaultPerNumberRate = 1.0 // sends per second: a US long code's rate
)

// Config is the [carriers.twilio] section.
type Config struct {
	AccountSID string `toml:"account_sid"`
	AuthToken  string `toml:"auth_token"`
	// APIURL replaces https://api.twilio.com (scheme, host and port), for
	// Twilio-compatible APIs and tests.
	APIURL string `toml:"api_url"`
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration `toml:"timeout"`
	// PerNumberRate is the messages per second the gateway sends from one
	// number; default 1 (a US long code). Twilio queues what comes faster,
	// but a number over its carriers' rate gets messages filtered.
	PerNumberRate float64 `toml:"per_number_rate"`
	// TrunkSID is an Elastic SIP Trunk (TK…) that numbers bought through
	// sign-up are put on, so that their calls reach the gateway's [sip]
	// trunk; empty leaves their voice routing alone.
	TrunkSID string `toml:"trunk_sid"`
}

var _ carriers.Section = (*Config)(nil)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	if !strings.HasPrefix(c.AccountSID, "AC") || len(c.AccountSID) != 34 {
		return config.Invalid("account_sid", "must be AC followed by 32 characters")
	}
	if c.AuthToken == "" {
		return config.Invalid("auth_token", "missing")
	}
	if c.TrunkSID != "" && !isSID(c.TrunkSID, "TK") {
		return config.Invalid("trunk_sid", "must be TK followed by 32 hexadecimal digits")
	}
	if err := api.CheckBase("api_url", &c.APIURL, defaultAPIURL); err != nil {
		return err
	}
	return api.CheckSending(&c.Timeout, defaultTimeout, &c.PerNumberRate, defaultPerNumberRate)
}

// Active implements carriers.Section: the section's presence turns Twilio on.
func (c *Config) Active() bool { return true }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{
		AccountSID:    c.AccountSID,
		AuthToken:     c.AuthToken,
		APIURL:        c.APIURL,
		PublicURL:     env.PublicURL,
		Timeout:       c.Timeout,
		PerNumberRate: c.PerNumberRate,
		TrunkSID:      c.TrunkSID,
		Logger:        env.Logger,
	})
}
