package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [numbers] section.
type Config struct {
	// DefaultRegion is the ISO 3166 region of numbers written without +.
	DefaultRegion string `toml:"default_region"`
}

// Check validates the region against the numbering plan's own list.
func (c *Config) Check() error {
	r := c.DefaultRegion
	if r == "" {
		return nil
	}
	if len(r) != 2 || strings.ToUpper(r) != r || phonenumbers.GetCountryCodeForRegion(r) == 0 {
		return config.Invalid("default_region", "%q is not a region code such as US or GB", r)
	}
	return nil
}
