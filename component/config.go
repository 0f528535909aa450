package component

import (
	"errors"
	"net"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// errNotDomain: the gateway is a domain, not a user or a resource.
var errNotDomain = errors.New("component: not a bare domain JID")

// Config is the [component] section: the XEP-0114 connection to the XMPP
// server.
type Config struct {
	JID    string `toml:"jid"`    // the gateway's domain, e.g. sms.example.org
	Server string `toml:"server"` // host:port of the server's component listener
	Secret string `toml:"secret"`
	// GroupJIDs sends inbound group texts from one JID per group (the
	// other participants' numbers joined by commas, as Cheogram Android
	// writes them) rather than from the sender's number JID with XEP-0033
	// addresses only.
	GroupJIDs bool `toml:"group_jids"`
	// WarnSegments: a text that goes out as this many SMS parts or more
	// gets the user a note saying so; default 3, -1 never.
	WarnSegments int `toml:"warn_segments"`
	// ReactionQuotes keeps the first 40 characters of each message this
	// long, so users' reactions read on phones as Liked “…”; default 0:
	// no text kept.
	ReactionQuotes time.Duration `toml:"reaction_quotes"`
	// Admins are the bare JIDs that may run the admin commands (list
	// users, ...).
	Admins []string `toml:"admins"`
	// CommandExpiry is how long an idle ad-hoc command session (or one run
	// as chat text) lives; default 1h.
	CommandExpiry time.Duration `toml:"command_expiry"`
	// ReconnectMax is the longest wait between tries to connect, the delay
	// doubling from half a second; default 30s. A standby instance of the
	// same component takes over at its next try, so at most this long
	// after the active one is gone.
	ReconnectMax time.Duration `toml:"reconnect_max"`
}

// Check validates the section.
func (c *Config) Check() error {
	if c.JID == "" {
		return config.Invalid("jid", "missing (the gateway's domain, e.g. sms.example.org)")
	}
	if _, err := c.Domain(); err != nil {
		return config.Invalid("jid", "%q is not a bare domain JID", c.JID)
	}
	if c.Server == "" {
		return config.Invalid("server", "missing (host:port of the XMPP server's component port)")
	}
	if host, port, err := net.SplitHostPort(c.Server); err != nil || host == "" || port == "" {
		return config.Invalid("server", "%q is not host:port", c.Server)
	}
	if c.Secret == "" {
		return config.Invalid("secret", "missing")
	}
	if c.WarnSegments < -1 {
		return config.Invalid("warn_segments", "%d: give a number of parts, or -1 for never", c.WarnSegments)
	}
	if c.ReactionQuotes < 0 {
		return config.Invalid("reaction_quotes", "%v is negative", c.ReactionQuotes)
	}
	if _, err := c.AdminJIDs(); err != nil {
		return err
	}
	if err := config.Duration("reconnect_max", &c.ReconnectMax, defaultMaxBackoff); err != nil {
		return err
	}
	if c.ReconnectMax < defaultMinBackoff {
		return config.Invalid("reconnect_max", "%v is shorter than the first wait, %v", c.ReconnectMax, defaultMinBackoff)
	}
	return config.Duration("command_expiry", &c.CommandExpiry, adhoc.DefaultExpiry)
}

// AdminJIDs are the admins, parsed.
func (c *Config) AdminJIDs() ([]jid.JID, error) {
	out := make([]jid.JID, 0, len(c.Admins))
	for _, a := range c.Admins {
		j, err := jid.Parse(a)
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			return nil, config.Invalid("admins", "%q is not a bare JID such as admin@example.org", a)
		}
		out = append(out, j)
	}
	return out, nil
}

// Domain is the gateway's domain JID.
func (c *Config) Domain() (jid.JID, error) {
	j, err := jid.Parse(c.JID)
	if err != nil {
		return jid.JID{}, err
	}
	if j.Localpart() != "" || j.Resourcepart() != "" {
		return jid.JID{}, errNotDomain
	}
	return j, nil
}
