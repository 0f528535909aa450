package trunk

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Settings configure a Trunk; they mirror the [sip] section of the config.
type Settings struct {
	Listen         string        // UDP host:port to listen on for SIP, e.g. "127.0.0.1:5060"
	Trunk          string        // SIP URI calls to phone numbers go to, e.g. "sip:127.0.0.1:5070"
	Username       string        // digest auth user for REGISTER and INVITE challenges
	Password       string        // never logged
	Register       bool          // REGISTER to the trunk and keep the registration fresh
	RegisterExpiry time.Duration // asked-for registration lifetime; default 600s
	Domain         string        // host of our From URIs; default: Listen's host
	UserAgent      string        // default "Switchboard"
	Logger         *slog.Logger  // default slog.Default()
}

const (
	defaultRegisterExpiry = 600 * time.Second
	defaultUserAgent      = "Switchboard"
)

// ErrSettings is wrapped by every error New returns for bad settings.
var ErrSettings = errors.New("trunk: bad settings")

// withDefaults checks s and fills in the defaults. It returns the parsed
// trunk URI and the listen host and port.
func (s Settings) withDefaults() (Settings, sip.Uri, error) {
	host, portStr, err := net.SplitHostPort(s.Listen)
	if err != nil {
		return s, sip.Uri{}, fmt.Errorf("%w: sip listen %q: %v", ErrSettings, s.Listen, err)
	}
	if port, err := strconv.Atoi(portStr); err != nil || port < 0 || port > 65535 {
		return s, sip.Uri{}, fmt.Errorf("%w: sip listen %q: bad port", ErrSettings, s.Listen)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		// Via and Contact carry this host: it must be an address the trunk can reach.
		return s, sip.Uri{}, fmt.Errorf("%w: sip listen %q: host must be a concrete IP address", ErrSettings, s.Listen)
	}
	var u sip.Uri
	if err := sip.ParseUri(s.Trunk, &u); err != nil {
		return s, sip.Uri{}, fmt.Errorf("%w: sip trunk %q: %v", ErrSettings, s.Trunk, err)
	}
	if (u.Scheme != "sip" && u.Scheme != "sips") || u.Host == "" {
		return s, sip.Uri{}, fmt.Errorf("%w: sip trunk %q: want sip:host[:port]", ErrSettings, s.Trunk)
	}
	if s.Register && s.Username == "" {
		return s, sip.Uri{}, fmt.Errorf("%w: sip register needs sip username", ErrSettings)
	}
	if s.RegisterExpiry <= 0 {
		s.RegisterExpiry = defaultRegisterExpiry
	}
	if s.Domain == "" {
		s.Domain = host
	}
	if s.UserAgent == "" {
		s.UserAgent = defaultUserAgent
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return s, u, nil
}
