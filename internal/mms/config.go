package mms

import (
	"log/slog"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Defaults of the [mms] section besides DefaultRetention, DefaultMaxBytes
// and DefaultFetchTimeout.
const (
	DefaultDir = "/var/lib/switchboard/media"
	// maxMaxBytes bounds max_bytes: a file is held in memory while it is
	// fetched and stored.
	maxMaxBytes  = 64 << 20
	minRetention = time.Minute
)

// Store kinds of the store key.
const (
	StoreDir   = "dir"
	StoreRedis = "redis"
)

// Config is the [mms] section: where media the gateway hosts is kept, and
// how it fetches media from elsewhere.
type Config struct {
	// Store is "dir" (default: files in Dir, one instance) or "redis"
	// (the [redis] server, for several instances).
	Store string `toml:"store"`
	Dir   string `toml:"dir"` // absolute; default /var/lib/switchboard/media
	// Retention is how long hosted files stay reachable; default 72h.
	Retention time.Duration `toml:"retention"`
	// MaxBytes caps one fetched file; default 5 MB (5242880).
	MaxBytes     int64         `toml:"max_bytes"`
	FetchTimeout time.Duration `toml:"fetch_timeout"` // bound on one fetch; default 30s
	// FetchAllow lists IP addresses and CIDR blocks fetches may reach
	// although they are loopback, private, link-local...
	FetchAllow []string `toml:"fetch_allow"`

	allow []netip.Prefix // FetchAllow, parsed by Check
}

// Check fills in the defaults and validates the section.
func (c *Config) Check() error {
	switch c.Store {
	case "":
		c.Store = StoreDir
	case StoreDir, StoreRedis:
	default:
		return config.Invalid("store", "%q is not dir or redis", c.Store)
	}
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if !filepath.IsAbs(c.Dir) {
		return config.Invalid("dir", "%q is not an absolute path", c.Dir)
	}
	c.Dir = filepath.Clean(c.Dir)
	if err := config.Duration("retention", &c.Retention, DefaultRetention); err != nil {
		return err
	}
	if c.Retention < minRetention {
		return config.Invalid("retention", "%v is shorter than a minute: users' clients could not fetch the files", c.Retention)
	}
	switch {
	case c.MaxBytes < 0 || c.MaxBytes > maxMaxBytes:
		return config.Invalid("max_bytes", "%d is not between 1 and %d (0 takes the default, %d)", c.MaxBytes, maxMaxBytes, DefaultMaxBytes)
	case c.MaxBytes == 0:
		c.MaxBytes = DefaultMaxBytes
	}
	if err := config.Duration("fetch_timeout", &c.FetchTimeout, DefaultFetchTimeout); err != nil {
		return err
	}
	c.allow = nil
	for _, s := range c.FetchAllow {
		p, err := parsePrefix(s)
		if err != nil {
			return config.Invalid("fetch_allow", "%q is not an IP address or CIDR block", s)
		}
		c.allow = append(c.allow, p)
	}
	return nil
}

// parsePrefix reads a CIDR block or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a.WithZone(""), a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

// FetchSettings are the fetcher settings of the checked section.
func (c *Config) FetchSettings() FetchSettings {
	return FetchSettings{MaxBytes: c.MaxBytes, Timeout: c.FetchTimeout, Allow: c.allow}
}

// Open builds the store the checked section names: a Dir, or Redis through
// rdb (the gateway's client; keys start with prefix).
func (c *Config) Open(rdb redis.UniversalClient, prefix string, log *slog.Logger) (Store, error) {
	if c.Store == StoreRedis {
		return NewRedis(rdb, prefix), nil
	}
	return NewDir(DirSettings{Path: c.Dir, Logger: log})
}
