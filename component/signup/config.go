package signup

import (
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [signup] section. Without Enabled the sign-up command and
// XEP-0077 registration are not offered (numbers are assigned by hand).
type Config struct {
	Enabled bool `toml:"enabled"`
	// InviteOnly asks for an invite code before anything else.
	InviteOnly bool `toml:"invite_only"`
	// ReserveTTL is how long a picked number is held for the user while
	// they pay; default "15m", from one minute to a day.
	ReserveTTL time.Duration `toml:"reserve_ttl"`
	// Plan is the billing plan a new account gets; default [billing] plan.
	// It must be one of [[billing.plans]].
	Plan string `toml:"plan"`
	// SearchLimit is how many numbers a search lists; default 10, at most
	// 50.
	SearchLimit int `toml:"search_limit"`
	// Country searched, ISO 3166-1 alpha-2; default "US".
	Country string `toml:"country"`
	// Carrier buys the numbers: the name of a configured carrier that
	// sells them; default the only one.
	Carrier string `toml:"carrier"`
}

// Bounds of the settings.
const (
	DefaultReserveTTL  = 15 * time.Minute
	DefaultSearchLimit = 10
)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	if err := config.Duration("reserve_ttl", &c.ReserveTTL, DefaultReserveTTL); err != nil {
		return err
	}
	if c.ReserveTTL < time.Minute || c.ReserveTTL > 24*time.Hour {
		return config.Invalid("reserve_ttl", "%v is not between 1m and 24h", c.ReserveTTL)
	}
	switch {
	case c.SearchLimit == 0:
		c.SearchLimit = DefaultSearchLimit
	case c.SearchLimit < 0 || c.SearchLimit > carriers.MaxNumberLimit:
		return config.Invalid("search_limit", "%d is not between 1 and %d", c.SearchLimit, carriers.MaxNumberLimit)
	}
	if c.Country == "" {
		c.Country = "US"
	}
	q, err := carriers.NumberQuery{Country: c.Country}.Normal()
	if err != nil {
		return config.Invalid("country", "%q is not a two-letter country code", c.Country)
	}
	c.Country = q.Country
	return nil
}
