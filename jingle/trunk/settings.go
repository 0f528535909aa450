package trunk

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Settings configure a Trunk. They are also the [sip] section of the
// configuration file, so the rules below are the ones `switchboard check`
// applies.
type Settings struct {
	Listen         string        `toml:"listen"`          // UDP ip:port to listen on for SIP, e.g. "127.0.0.1:5060"
	Trunk          string        `toml:"trunk"`           // SIP URI calls to phone numbers go to, e.g. "sip:127.0.0.1:5070"
	Username       string        `toml:"username"`        // digest auth user for REGISTER and INVITE challenges
	Password       string        `toml:"password"`        // never logged
	Register       bool          `toml:"register"`        // REGISTER to the trunk and keep the registration fresh
	RegisterExpiry time.Duration `toml:"register_expiry"` // asked-for registration lifetime; default 600s
	Domain         string        `toml:"domain"`          // host of our From URIs; default: Listen's host
	UserAgent      string        `toml:"user_agent"`      // default "Switchboard"
	// Trusted lists the IP addresses and CIDR blocks (v4 or v6) that may
	// start calls; their caller IDs are believed. Default: the trunk
	// host's addresses, resolved when Run starts.
	Trusted []string `toml:"trusted"`
	// InboundUsername and InboundPassword, when set, let a source outside
	// Trusted start calls with digest credentials. Its caller ID is not
	// believed (the call is anonymous).
	InboundUsername string       `toml:"inbound_username"`
	InboundPassword string       `toml:"inbound_password"` // never logged
	Logger          *slog.Logger `toml:"-"`                // default slog.Default()
	// FullNumbers logs whole phone numbers instead of shortened ones
	// ([log] full_numbers).
	FullNumbers bool `toml:"-"`
}

const (
	defaultRegisterExpiry = 600 * time.Second
	defaultUserAgent      = "Switchboard"
)

// ErrSettings is wrapped by every error New returns for bad settings.
var ErrSettings = errors.New("trunk: bad settings")

// Check fills in the defaults and validates s; its errors name the key.
func (s *Settings) Check() error {
	host, portStr, err := net.SplitHostPort(s.Listen)
	if err != nil {
		return config.Invalid("listen", "%q is not ip:port", s.Listen)
	}
	if port, err := strconv.Atoi(portStr); err != nil || port < 0 || port > 65535 {
		return config.Invalid("listen", "%q: bad port", s.Listen)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		// Via and Contact carry this address, and the SIP side's RTP binds
		// to it: it must be one the trunk can reach, not a wildcard.
		return config.Invalid("listen", "%q: the host must be the IP address the trunk sends to, not a name or a wildcard (media.public_ip sets what SDP advertises behind NAT)", s.Listen)
	}
	var u sip.Uri
	if err := sip.ParseUri(s.Trunk, &u); err != nil || (u.Scheme != "sip" && u.Scheme != "sips") || u.Host == "" {
		return config.Invalid("trunk", "%q is not a sip: URI such as sip:trunk.example.net:5060", s.Trunk)
	}
	if s.Register && (s.Username == "" || s.Password == "") {
		return config.Invalid("register", "needs username and password")
	}
	if _, err := parseTrusted(s.Trusted); err != nil {
		return err
	}
	if (s.InboundUsername == "") != (s.InboundPassword == "") {
		return config.Invalid("inbound_password", "inbound_username and inbound_password go together")
	}
	if err := config.Duration("register_expiry", &s.RegisterExpiry, defaultRegisterExpiry); err != nil {
		return err
	}
	if s.Domain == "" {
		s.Domain = host
	}
	if s.UserAgent == "" {
		s.UserAgent = defaultUserAgent
	}
	return nil
}

// parseTrusted reads the trusted list: IP addresses (a /32 or /128) and
// CIDR blocks. IPv4-mapped IPv6 forms are read as IPv4, as sources are.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, e := range list {
		e = strings.TrimSpace(e)
		if a, err := netip.ParseAddr(e); err == nil && a.Zone() == "" {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return nil, config.Invalid("trusted", "%q is not an IP address or a CIDR block such as 203.0.113.0/24", e)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// withDefaults checks s and fills in the defaults. It returns the parsed
// trunk URI.
func (s Settings) withDefaults() (Settings, sip.Uri, error) {
	if err := s.Check(); err != nil {
		return s, sip.Uri{}, fmt.Errorf("%w: %w", ErrSettings, err)
	}
	var u sip.Uri
	_ = sip.ParseUri(s.Trunk, &u) // checked above
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return s, u, nil
}
