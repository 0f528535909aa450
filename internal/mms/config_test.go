package mms

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

func TestConfigDefaults(t *testing.T) {
	var c Config
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	want := Config{Store: "dir", Dir: "/var/lib/switchboard/media", Retention: 72 * time.Hour, MaxBytes: 5 << 20, FetchTimeout: 30 * time.Second}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults %+v", c)
	}
	if s := c.FetchSettings(); s.MaxBytes != 5<<20 || s.Timeout != 30*time.Second || s.Allow != nil {
		t.Errorf("fetch settings %+v", s)
	}
}

func TestConfigCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    Config
		key  string // "" when valid
	}{
		{"redis", Config{Store: "redis"}, ""},
		{"store", Config{Store: "s3"}, "store"},
		{"relative dir", Config{Dir: "media"}, "dir"},
		{"dir", Config{Dir: "/srv/media/"}, ""},
		{"retention", Config{Retention: -time.Hour}, "retention"},
		{"retention too short", Config{Retention: 30 * time.Second}, "retention"},
		{"retention a day", Config{Retention: 24 * time.Hour}, ""},
		{"max bytes", Config{MaxBytes: -1}, "max_bytes"},
		{"max bytes too many", Config{MaxBytes: 65 << 20}, "max_bytes"},
		{"max bytes 1 MB", Config{MaxBytes: 1 << 20}, ""},
		{"fetch timeout", Config{FetchTimeout: -time.Second}, "fetch_timeout"},
		{"fetch allow", Config{FetchAllow: []string{"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"}}, ""},
		{"fetch allow name", Config{FetchAllow: []string{"uploads.internal"}}, "fetch_allow"},
		{"fetch allow bad cidr", Config{FetchAllow: []string{"10.0.0.0/33"}}, "fetch_allow"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Check()
			var ke *config.KeyError
			if tt.key == "" && err != nil || tt.key != "" && (!errors.As(err, &ke) || ke.Key != tt.key) {
				t.Errorf("Check = %v, want key %q", err, tt.key)
			}
		})
	}
	c := Config{Dir: "/srv/media/", FetchAllow: []string{"10.0.0.1/8", "192.168.1.7", "::1"}}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128")}
	if c.Dir != "/srv/media" || !reflect.DeepEqual(c.FetchSettings().Allow, want) {
		t.Errorf("checked %q %v", c.Dir, c.FetchSettings().Allow)
	}
}
