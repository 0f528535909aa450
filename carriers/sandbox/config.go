package sandbox

import "github.com/switchboard-gw/switchboard/carriers"

// Config is the [carriers.sandbox] section.
type Config struct {
	// Enabled turns the sandbox carrier and its page on: for demos and
	// tests, never next to real traffic.
	Enabled bool `toml:"enabled"`
}

var _ carriers.Section = (*Config)(nil)

// Check has nothing to check: the sandbox has no settings of its own.
func (c *Config) Check() error { return nil }

// Active implements carriers.Section.
func (c *Config) Active() bool { return c.Enabled }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{Numbers: env.Numbers, Logger: env.Logger}), nil
}
