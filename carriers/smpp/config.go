package smpp

import (
	"net"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// defaultPerNumberRate is a US long code's rate, as for the HTTP adapters.
const defaultPerNumberRate = 1.0

// Config is the [carriers.smpp] section.
type Config struct {
	// Addr is the SMSC's host:port.
	Addr string `toml:"addr"`
	// SystemID and Password are the bind's credentials; SystemType is
	// sent as the SMSC asks (often empty).
	SystemID   string `toml:"system_id"`
	Password   string `toml:"password"`
	SystemType string `toml:"system_type"`
	// SourceTON and SourceNPI qualify the sending number; default 1 and 1
	// (international, ISDN/E.164).
	SourceTON *int `toml:"source_ton"`
	SourceNPI *int `toml:"source_npi"`
	// RegisteredDelivery asks for delivery receipts; only then does the
	// gateway report messages as delivered.
	RegisteredDelivery bool `toml:"registered_delivery"`
	// EnquireLink is the keepalive interval; default 30s.
	EnquireLink time.Duration `toml:"enquire_link"`
	// ReconnectMin and ReconnectMax bound the backoff between binds;
	// default 1s doubling up to 1m.
	ReconnectMin time.Duration `toml:"reconnect_min"`
	ReconnectMax time.Duration `toml:"reconnect_max"`
	// Timeout bounds the bind and every answer awaited; default 10s.
	Timeout time.Duration `toml:"timeout"`
	// Window is how many submit_sm may await their answer at once;
	// default 10.
	Window int `toml:"window"`
	// PerNumberRate is the messages per second sent from one number;
	// default 1.
	PerNumberRate float64 `toml:"per_number_rate"`
}

var _ carriers.Section = (*Config)(nil)

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	if c.Addr == "" {
		return config.Invalid("addr", "missing (host:port of the SMSC)")
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return config.Invalid("addr", "%q is not host:port", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return config.Invalid("addr", "%q has no valid port", c.Addr)
	}
	switch {
	case c.SystemID == "":
		return config.Invalid("system_id", "missing")
	case len(c.SystemID) > 15:
		return config.Invalid("system_id", "longer than SMPP's 15 characters")
	case len(c.Password) > 8:
		return config.Invalid("password", "longer than SMPP's 8 characters")
	case len(c.SystemType) > 12:
		return config.Invalid("system_type", "longer than SMPP's 12 characters")
	}
	for _, f := range []struct {
		key string
		v   **int
	}{{"source_ton", &c.SourceTON}, {"source_npi", &c.SourceNPI}} {
		if *f.v == nil {
			one := 1
			*f.v = &one
		}
		if n := **f.v; n < 0 || n > 18 {
			return config.Invalid(f.key, "%d is not an SMPP 3.4 value (0-18)", n)
		}
	}
	for _, d := range []struct {
		key string
		v   *time.Duration
		def time.Duration
	}{
		{"enquire_link", &c.EnquireLink, defaultEnquireLink},
		{"reconnect_min", &c.ReconnectMin, defaultReconnectMin},
		{"reconnect_max", &c.ReconnectMax, defaultReconnectMax},
	} {
		if err := config.Duration(d.key, d.v, d.def); err != nil {
			return err
		}
	}
	if c.ReconnectMax < c.ReconnectMin {
		return config.Invalid("reconnect_max", "%v is below reconnect_min %v", c.ReconnectMax, c.ReconnectMin)
	}
	if c.Window == 0 {
		c.Window = defaultWindow
	}
	if c.Window < 1 || c.Window > 1000 {
		return config.Invalid("window", "%d is not between 1 and 1000", c.Window)
	}
	return api.CheckSending(&c.Timeout, defaultTimeout, &c.PerNumberRate, defaultPerNumberRate)
}

// Active implements carriers.Section: the section's presence turns SMPP on.
func (c *Config) Active() bool { return true }

// Open implements carriers.Section.
func (c *Config) Open(env carriers.Env) (carriers.Carrier, error) {
	return New(Settings{
		Addr:               c.Addr,
		SystemID:           c.SystemID,
		Password:           c.Password,
		SystemType:         c.SystemType,
		SourceTON:          byte(*c.SourceTON),
		SourceNPI:          byte(*c.SourceNPI),
		RegisteredDelivery: c.RegisteredDelivery,
		EnquireLink:        c.EnquireLink,
		Timeout:            c.Timeout,
		ReconnectMin:       c.ReconnectMin,
		ReconnectMax:       c.ReconnectMax,
		Window:             c.Window,
		PerNumberRate:      c.PerNumberRate,
		Logger:             env.Logger,
	})
}
