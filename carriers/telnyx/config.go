package telnyx

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Defaults of the adapter, for the section and for Settings alike.
const (
	defaultAPIURL        = "https://api.telnyx.com"
	defaultTimeout       = 15 * time.Second
	defaultTolerance     = 5 * time.Minute // Telnyx's own SDKs allow 300 s
	defaultPerNumberRate = 1.0             // sends per second: a US long code's rate
)

// Config is the [carriers.telnyx] section.
type Config struct {
	// APIKey is the V2 API key (Bearer token) of the Telnyx account.
	APIKey string `toml:"api_key"`
	// MessagingProfileID is the messaging profile the numbers belong to;
	// every send names it.
	MessagingProfileID string `toml:"messaging_profile_id"`
	// PublicKey is the account's Ed25519 public key for webhook
	// signatures, base64 as the Telnyx portal shows it.
	PublicKey string `toml:"public_key"`
	// APIURL replaces https://api.telnyx.com (scheme, host and port), for
	// tests.
	APIURL string `toml:"api_url"`
	// Tolerance is how far a webhook's telnyx-timestamp may be from now;
	// default 5m. Older (replayed) or newer webhooks are refused.
	Tolerance time.Duration `toml:"tolerance"`
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration `toml:"timeout"`
	// PerNumberRate is the messages per second the gateway sends from one
	// number; default 1 (a US long code).
	PerNumberRate float64 `toml:"per_number_rate"`
}

var _ carriers.Section = (*Config)(nil)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	if c.APIKey == "" {
		return config.Invalid("api_key", "missing")
	}
	if !api.IsUUID(c.MessagingProfileID) {
		return config.Invalid("messaging_profile_id", "must be the profile's id, a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
	}
	if _, err := publicKey(c.PublicKey); err != nil {
		return config.Invalid("public_key", "must be the base64 Ed25519 public key from the Telnyx portal (32 bytes)")
	}
	if err := api.CheckBase("api_url", &c.APIURL, defaultAPIURL); err != nil {
		return err
	}
	if err := config.Duration("tolerance", &c.Tolerance, defaultTolerance); err != nil {
		return err
	}
	return api.CheckSending(&c.Timeout, defaultTimeout, &c.PerNumberRate, defaultPerNumberRate)
}

// Active implements carriers.Section: the section's presence turns Telnyx on.
func (c *Config) Active() bool { return true }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	key, err := publicKey(c.PublicKey)
	if err != nil {
		return nil, err
	}
	return New(Settings{
		APIKey:             c.APIKey,
		MessagingProfileID: c.MessagingProfileID,
		PublicKey:          key,
		APIURL:             c.APIURL,
		PublicURL:          env.PublicURL,
		Tolerance:          c.Tolerance,
		Timeout:            c.Timeout,
		PerNumberRate:      c.PerNumberRate,
		Logger:             env.Logger,
	})
}

// publicKey decodes the portal's base64 public key.
func publicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errBadPublicKey
	}
	return ed25519.PublicKey(b), nil
}
