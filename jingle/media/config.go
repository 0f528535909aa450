package media

import (
	"net/netip"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [media] section: where a call's audio flows.
type Config struct {
	// UDPPorts bounds the RTP and ICE ports, e.g. "20000-20999"; empty:
	// any port the system gives.
	UDPPorts string `toml:"udp_ports"`
	// PublicIP is advertised to peers instead of local addresses (NAT).
	PublicIP string `toml:"public_ip"`
	// ConnectTimeout bounds ICE and DTLS set-up of a call's WebRTC leg,
	// counted from the answer; default 20s.
	ConnectTimeout time.Duration `toml:"connect_timeout"`
}

// Check fills in the default and validates the section.
func (c *Config) Check() error {
	if _, err := ParsePortRange(c.UDPPorts); err != nil {
		return config.Invalid("udp_ports", "%q is not a range such as 20000-20999: %v", c.UDPPorts, err)
	}
	if c.PublicIP != "" {
		if _, err := netip.ParseAddr(c.PublicIP); err != nil {
			return config.Invalid("public_ip", "%q is not an IP address", c.PublicIP)
		}
	}
	if err := config.Duration("connect_timeout", &c.ConnectTimeout, defaultConnectTimeout); err != nil {
		return err
	}
	return nil
}

// Ports is the checked port range.
func (c *Config) Ports() PortRange {
	r, _ := ParsePortRange(c.UDPPorts)
	return r
}

// Public is the checked public address; the zero Addr when unset.
func (c *Config) Public() netip.Addr {
	a, _ := netip.ParseAddr(c.PublicIP)
	return a
}
