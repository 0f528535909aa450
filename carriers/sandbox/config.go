package sandbox

import "github.com/switchboard-gw/switchboard/carriers"

// Config is the [carriers.sandbox] section.
type Config struct {
	// Enabled turns the sandbox carrier and its page on: for demos and
	// tests, never next to real traffic.
	Enabled bool `toml:"enabled"`
	// UnsafeBesideRealTraffic lets the sandbox run beside a real carrier
	// or a SIP trunk, which `switchboard check` refuses otherwise: whoever
	// has the page's address can text and call the sandbox's users as any
	// number. The name is loud on purpose.
	UnsafeBesideRealTraffic bool `toml:"unsafe_beside_real_traffic"`
}

var _ carriers.Section = (*Config)(nil)

// Check has nothing to check on its own: whether the sandbox may run
// beside real traffic is a rule across sections (internal/app).
func (c *Config) Check() error { return nil }

// Active implements carriers.Section.
func (c *Config) Active() bool { return c.Enabled }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{Numbers: env.Numbers, PublicURL: env.PublicURL, Logger: env.Logger}), nil
}
