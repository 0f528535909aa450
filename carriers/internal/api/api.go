// Package api holds what the HTTP carrier adapters share about talking to
// their carrier's API: the base URL, which URLs are on it, the transport,
// error text and Retry-After.
package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Base parses an API base, scheme://host[:port] with no path, user info,
// query or fragment; ok is false for anything else.
func Base(s string) (u *url.URL, ok bool) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, false
	}
	return u, true
}

// On reports whether u is on the API at base: same scheme, host and port
// (an absent port is the scheme's default), and no user info. Credentials
// go only to such URLs.
func On(u, base *url.URL) bool {
	return u.User == nil && strings.EqualFold(u.Scheme, base.Scheme) &&
		strings.EqualFold(u.Hostname(), base.Hostname()) && port(u) == port(base)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// Transport is a clone of http.DefaultTransport that keeps connections to
// the API open between messages: the default keeps two per host, which
// turns a busy gateway's every send into a new TCP and TLS handshake.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return t
}

// Scrub keeps URLs (which may carry the account's id) out of user-facing
// text: a transport error's last part is enough.
func Scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// CheckBase is the rule for an adapter's API base setting: *s becomes def
// when empty, loses a trailing slash, and must be scheme://host[:port];
// the error names key.
func CheckBase(key string, s *string, def string) error {
	if *s == "" {
		*s = def
	}
	*s = strings.TrimRight(*s, "/")
	if *s == "" {
		return config.Invalid(key, "missing")
	}
	if _, ok := Base(*s); !ok {
		return config.Invalid(key, "%q is not scheme://host[:port]", *s)
	}
	return nil
}

// CheckSending is the rule for the settings every adapter has: timeout
// (a duration, default defTimeout) and per_number_rate (sends per second,
// default defRate).
func CheckSending(timeout *time.Duration, defTimeout time.Duration, rate *float64, defRate float64) error {
	if err := config.Duration("timeout", timeout, defTimeout); err != nil {
		return err
	}
	return config.Rate("per_number_rate", rate, defRate)
}
