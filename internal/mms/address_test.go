package mms

import (
	"errors"
	"net/netip"
	"testing"
)

func TestAddrPolicy(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "::1",
		"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12:3456::1",
		"169.254.169.254", "169.254.0.1", "fe80::1", "fe80::1%eth0", "fd00:ec2::254",
		"0.0.0.0", "::", "0.1.2.3",
		"224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",
		"100.64.0.1", "100.127.255.255",
		"192.0.0.8", "198.18.0.1", "240.0.0.1", "255.255.255.255",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0", "::ffff:100.64.0.1",
		"::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
		"64:ff9b:1::1", "fec0::1", "100::1",
	}
	allowed := []string{
		"93.184.215.14", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.0.2.1",
		"2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::808:808", "2002:808:808::1",
	}
	var p AddrPolicy
	for _, s := range refused {
		if err := p.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s allowed", s)
		}
	}
	for _, s := range allowed {
		if err := p.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
	if err := p.Check(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
		t.Error("the zero address allowed")
	}
	p.Allow = []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("127.0.0.1/32")}
	for s, ok := range map[string]bool{"10.1.2.3": true, "::ffff:10.1.2.3": true, "10.2.0.1": false, "127.0.0.1": true, "127.0.0.2": false, "::1": false} {
		if err := p.Check(netip.MustParseAddr(s)); (err == nil) != ok {
			t.Errorf("with allow list, %s: %v", s, err)
		}
	}
}

func TestCheckHost(t *testing.T) {
	for host, ok := range map[string]bool{
		"example.org": true, "example.org.": true, "xn--p1ai": true, "cafe": true, "media.twiliocdn.com": true,
		"127.0.0.1": true, "::1": true, // real addresses: the dialer checks them
		"2130706433": false, "0177.0.0.1": false, "0x7f.0.0.1": false, "127.1": false, "0x7f000001": false,
		"017700000001": false, "1.2.3.4.5": false, "": false, "example.1": false, "example.0x1": false,
	} {
		if err := checkHost(host); (err == nil) != ok {
			t.Errorf("checkHost(%q) = %v", host, err)
		}
	}
}
