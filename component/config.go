package component

import (
	"errors"
	"net"

	"mellium.im/xmpp/jid"

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
	return nil
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
