package media

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string // substring; "" means success
	}{
		{"", PortRange{}, ""},
		{"   ", PortRange{}, ""},
		{"20000-20999", PortRange{20000, 20999}, ""},
		{" 10000 - 10003 ", PortRange{10000, 10003}, ""},
		{"1024-65535", PortRange{1024, 65535}, ""},
		{"10000-10002", PortRange{}, "fewer than 4 ports"},
		{"5060-5060", PortRange{}, "fewer than 4 ports"},
		{"1-65535", PortRange{}, "outside 1024-65535"},
		{"1023-2000", PortRange{}, "outside 1024-65535"},
		{"20000", PortRange{}, "not min-max"},
		{"a-b", PortRange{}, "minimum"},
		{"20000-x", PortRange{}, "maximum"},
		{"0-100", PortRange{}, "outside 1024-65535"},
		{"2000-65536", PortRange{}, "outside 1024-65535"},
		{"-5-10", PortRange{}, "minimum"},
		{"3000-2000", PortRange{}, "above maximum"},
		{"2000-2-3", PortRange{}, "maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParsePortRange(%q): %v", tt.in, err)
				}
				if got != tt.want {
					t.Fatalf("ParsePortRange(%q) = %+v, want %+v", tt.in, got, tt.want)
				}
				if back, err := ParsePortRange(got.String()); err != nil || back != got {
					t.Fatalf("String round trip: %q -> %+v, %v", got.String(), back, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParsePortRange(%q) = %+v, want error containing %q", tt.in, got, tt.wantErr)
			}
			if !errors.Is(err, ErrBadPortRange) {
				t.Errorf("error %v does not wrap ErrBadPortRange", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

// rtcpTaken reports whether port+1 is held (cannot be bound again).
func rtcpTaken(t *testing.T, ap netip.AddrPort) bool {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr(), ap.Port()+1)))
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func TestListenRTPEvenPortsInRange(t *testing.T) {
	tests := []struct {
		name  string
		ports PortRange
	}{
		{"os chosen", PortRange{}},
		{"range", PortRange{Min: 40000, Max: 40999}},
		{"odd bounds", PortRange{Min: 41001, Max: 41999}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conns []*RTPConn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			seen := map[uint16]bool{}
			for range 6 {
				c, err := ListenRTP(loopback, tt.ports)
				if err != nil {
					t.Fatalf("ListenRTP(%v): %v", tt.ports, err)
				}
				conns = append(conns, c)
				ap := c.LocalAddr()
				p := int(ap.Port())
				if p%2 != 0 {
					t.Errorf("port %d is odd", p)
				}
				if !tt.ports.IsZero() && (p < tt.ports.Min || p+1 > tt.ports.Max) {
					t.Errorf("port %d (and %d) outside %v", p, p+1, tt.ports)
				}
				if ap.Addr() != loopback {
					t.Errorf("bound to %v, want %v", ap.Addr(), loopback)
				}
				if seen[ap.Port()] {
					t.Errorf("port %d handed out twice", p)
				}
				seen[ap.Port()] = true
				if !rtcpTaken(t, ap) {
					t.Errorf("RTCP port %d is not held", p+1)
				}
			}
		})
	}
}

func TestListenRTPExhausted(t *testing.T) {
	first, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	p := int(first.LocalAddr().Port())

	tests := []struct {
		name  string
		ports PortRange
	}{
		{"only pair taken", PortRange{Min: p, Max: p + 1}},
		{"no even/odd pair", PortRange{Min: p + 1, Max: p + 2}},
		{"single port", PortRange{Min: p + 2, Max: p + 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ListenRTP(loopback, tt.ports)
			if err == nil {
				c.Close()
				t.Fatalf("ListenRTP(%v) succeeded on %v", tt.ports, c.LocalAddr())
			}
			if !errors.Is(err, ErrNoPorts) {
				t.Fatalf("error %v does not wrap ErrNoPorts", err)
			}
		})
	}

	// Freed ports can be had again.
	first.Close()
	again, err := ListenRTP(loopback, PortRange{Min: p, Max: p + 1})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

func TestListenRTPBadRange(t *testing.T) {
	_, err := ListenRTP(loopback, PortRange{Min: 10, Max: 5})
	if !errors.Is(err, ErrBadPortRange) {
		t.Fatalf("got %v, want ErrBadPortRange", err)
	}
}
