package trunk

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
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
	Logger         *slog.Logger  `toml:"-"`               // default slog.Default()
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
