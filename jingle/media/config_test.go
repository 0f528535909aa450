package media

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// TestConfigTrunkRange: trunk_ports follows ParsePortRange's rule and
// falls back to udp_ports when unset.
func TestConfigTrunkRange(t *testing.T) {
	for _, tt := range []struct {
		name, udp, trunk string
		key              string // the key Check names; "" when valid
		ice, plain       PortRange
	}{
		{name: "neither: OS-chosen"},
		{name: "udp_ports only: the trunk shares it", udp: "20000-20999",
			ice: PortRange{20000, 20999}, plain: PortRange{20000, 20999}},
		{name: "separate ranges", udp: "20000-20999", trunk: "21000-21999",
			ice: PortRange{20000, 20999}, plain: PortRange{21000, 21999}},
		{name: "trunk_ports only", trunk: " 21000-21003 ", plain: PortRange{21000, 21003}},
		{name: "overlap is allowed", udp: "20000-20999", trunk: "20000-20999",
			ice: PortRange{20000, 20999}, plain: PortRange{20000, 20999}},
		{name: "one port", trunk: "21000", key: "trunk_ports"},
		{name: "too few", trunk: "21000-21002", key: "trunk_ports"},
		{name: "privileged", trunk: "1000-1999", key: "trunk_ports"},
		{name: "reversed", trunk: "21999-21000", key: "trunk_ports"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{UDPPorts: tt.udp, TrunkPorts: tt.trunk}
			err := c.Check()
			if tt.key != "" {
				if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.key) {
					t.Fatalf("Check() = %v, want an error naming %s", err, tt.key)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Ports() != tt.ice || c.TrunkRange() != tt.plain {
				t.Errorf("Ports() = %v, TrunkRange() = %v; want %v, %v", c.Ports(), c.TrunkRange(), tt.ice, tt.plain)
			}
		})
	}
}

// TestConfigAllowPlain: plain_rtp defaults to true and can be turned off.
func TestConfigAllowPlain(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		name string
		set  *bool
		want bool
	}{
		{"unset", nil, true},
		{"true", &yes, true},
		{"false", &no, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{PlainRTP: tt.set}
			if err := c.Check(); err != nil {
				t.Fatal(err)
			}
			if got := c.AllowPlain(); got != tt.want {
				t.Fatalf("AllowPlain() = %v, want %v", got, tt.want)
			}
		})
	}
}
