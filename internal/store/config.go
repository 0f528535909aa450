package store

import (
	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// DefaultURL is where Redis is looked for when [redis] url is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Config is the [redis] section.
type Config struct {
	URL string `toml:"url"` // may carry a password
}

// Check fills in the default and validates the URL the way Open reads it.
func (c *Config) Check() error {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if _, err := redis.ParseURL(c.URL); err != nil {
		// The parser's text may quote the URL, password included.
		return config.Invalid("url", "not a redis://, rediss:// or unix:// URL")
	}
	return nil
}
