package signalwire

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

func TestConfigCheck(t *testing.T) {
	ok := func() Config {
		return Config{SpaceURL: "https://example.signalwire.com/", ProjectID: testProject, APIToken: testToken}
	}
	tests := []struct {
		name string
		edit func(*Config)
		key  string // "" when valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no space", func(c *Config) { c.SpaceURL = "" }, "space_url"},
		{"space with a path", func(c *Config) { c.SpaceURL = "https://example.signalwire.com/api/laml" }, "space_url"},
		{"no project", func(c *Config) { c.ProjectID = "" }, "project_id"},
		{"twilio sid as project", func(c *Config) { c.ProjectID = "AC0123456789abcdef0123456789abcdef" }, "project_id"},
		{"no token", func(c *Config) { c.APIToken = "" }, "api_token"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "timeout"},
		{"negative rate", func(c *Config) { c.PerNumberRate = -1 }, "per_number_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.edit(&c)
			err := c.Check()
			if tt.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.SpaceURL != "https://example.signalwire.com" || c.Timeout != defaultTimeout || c.PerNumberRate != defaultPerNumberRate {
					t.Errorf("defaults: %+v", c)
				}
				return
			}
			var inv *config.KeyError
			if !errors.As(err, &inv) || inv.Key != tt.key {
				t.Errorf("Check: %v; want key %s", err, tt.key)
			}
		})
	}
}
