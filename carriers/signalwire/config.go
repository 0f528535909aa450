package signalwire

import (
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Defaults of the section.
const (
	defaultTimeout       = 15 * time.Second
	defaultPerNumberRate = 1.0 // sends per second: a US long code's rate
)

// Config is the [carriers.signalwire] section.
type Config struct {
	// SpaceURL is the space's address, https://{space}.signalwire.com.
	SpaceURL  string `toml:"space_url"`
	ProjectID string `toml:"project_id"`
	APIToken  string `toml:"api_token"`
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration `toml:"timeout"`
	// PerNumberRate is the messages per second the gateway sends from one
	// number; default 1 (a US long code).
	PerNumberRate float64 `toml:"per_number_rate"`
}

var _ carriers.Section = (*Config)(nil)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	if strings.TrimRight(c.SpaceURL, "/") == "" {
		return config.Invalid("space_url", "missing (https://{space}.signalwire.com)")
	}
	if err := api.CheckBase("space_url", &c.SpaceURL, ""); err != nil {
		return err
	}
	if !api.IsUUID(c.ProjectID) {
		return config.Invalid("project_id", "must be the project's UUID")
	}
	if c.APIToken == "" {
		return config.Invalid("api_token", "missing")
	}
	return api.CheckSending(&c.Timeout, defaultTimeout, &c.PerNumberRate, defaultPerNumberRate)
}

// Active implements carriers.Section: the section's presence turns
// SignalWire on.
func (c *Config) Active() bool { return true }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{
		SpaceURL:      c.SpaceURL,
		ProjectID:     c.ProjectID,
		APIToken:      c.APIToken,
		PublicURL:     env.PublicURL,
		Timeout:       c.Timeout,
		PerNumberRate: c.PerNumberRate,
		Logger:        env.Logger,
	})
}
