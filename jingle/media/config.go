package media

import (
	"net/netip"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [media] section: where a call's audio flows.
type Config struct {
	// UDPPorts bounds the clients' ICE ports, e.g. "20000-20999", and the
	// trunk's plain RTP ports when TrunkPorts is empty; empty: any port the
	// system gives.
	UDPPorts string `toml:"udp_ports"`
	// TrunkPorts bounds the plain RTP (and RTCP) ports towards the SIP
	// trunk, so that a firewall can open them to the carrier only; empty:
	// the UDPPorts range. It may overlap UDPPorts (both work), but then
	// the firewall cannot tell the two apart.
	TrunkPorts string `toml:"trunk_ports"`
	// PublicIP is advertised to peers instead of local addresses (NAT).
	PublicIP string `toml:"public_ip"`
	// ConnectTimeout bounds ICE and DTLS set-up of a call's WebRTC leg,
	// counted from the answer; default 20s.
	ConnectTimeout time.Duration `toml:"connect_timeout"`
	// PlainRTP lets clients whose offer has no DTLS fingerprint (Gajim)
	// call with unencrypted RTP over ICE; nil: true (see AllowPlain).
	PlainRTP *bool `toml:"plain_rtp"`
}

// AllowPlain reports whether plain RTP legs are allowed: plain_rtp, true
// when unset. The call's other leg, to the trunk, is plain RTP anyway;
// the plain leg is never offered to a client that can do DTLS, and ICE
// ties its media to the address the signed-in client proved with its
// password, so refusing it by default would only keep Gajim from calling.
func (c *Config) AllowPlain() bool { return c.PlainRTP == nil || *c.PlainRTP }

// Check fills in the default and validates the section.
func (c *Config) Check() error {
	if _, err := ParsePortRange(c.UDPPorts); err != nil {
		return config.Invalid("udp_ports", "%q is not a range such as 20000-20999: %v", c.UDPPorts, err)
	}
	if _, err := ParsePortRange(c.TrunkPorts); err != nil {
		return config.Invalid("trunk_ports", "%q is not a range such as 21000-21999: %v", c.TrunkPorts, err)
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

// Ports is the checked udp_ports range: the clients' ICE ports.
func (c *Config) Ports() PortRange {
	r, _ := ParsePortRange(c.UDPPorts)
	return r
}

// TrunkRange is the checked range for plain RTP towards the trunk:
// trunk_ports, or udp_ports when that is unset.
func (c *Config) TrunkRange() PortRange {
	if r, _ := ParsePortRange(c.TrunkPorts); !r.IsZero() {
		return r
	}
	return c.Ports()
}

// Public is the checked public address; the zero Addr when unset.
func (c *Config) Public() netip.Addr {
	a, _ := netip.ParseAddr(c.PublicIP)
	return a
}
