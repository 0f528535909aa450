package mms

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrForbiddenAddress: a URL led to an address the gateway does not fetch
// from (loopback, private, link-local, ...), or to a host name that only
// pretends not to be an address.
var ErrForbiddenAddress = errors.New("mms: address not allowed")

// forbidden lists ranges no fetch may reach, beyond those netip.Addr's
// predicates name (loopback, private, link-local, multicast, unspecified).
var forbidden = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // and broadcast
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

// embedded lists IPv6 ranges that carry an IPv4 address the network
// reaches in its stead: that address is checked as well.
var embedded = []struct {
	prefix netip.Prefix
	at     int // byte offset of the IPv4 address
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12}, // NAT64
	{netip.MustParsePrefix("2002::/16"), 2},     // 6to4
}

// AddrPolicy decides which addresses a Fetcher may connect to.
type AddrPolicy struct {
	// Allow lists ranges allowed even though the rules forbid them: an
	// upload server on the operator's private network, or tests.
	Allow []netip.Prefix
}

// Check returns nil for an address a fetch may reach, else an error
// wrapping ErrForbiddenAddress that says why.
func (p AddrPolicy) Check(a netip.Addr) error {
	a = a.WithZone("")
	for _, pre := range p.Allow {
		if pre.Contains(a) || pre.Contains(a.Unmap()) {
			return nil
		}
	}
	if why := forbiddenWhy(a); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, a, why)
	}
	return nil
}

// forbiddenWhy names the rule that forbids a, or "".
func forbiddenWhy(a netip.Addr) string {
	if !a.IsValid() {
		return "not an address"
	}
	a = a.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local" // 169.254.169.254, fe80::
	case a.IsMulticast():
		return "multicast"
	case a.IsUnspecified():
		return "unspecified"
	}
	for _, f := range forbidden {
		if f.prefix.Contains(a) {
			return f.why
		}
	}
	for _, e := range embedded {
		if e.prefix.Contains(a) {
			b := a.As16()
			v4 := netip.AddrFrom4([4]byte(b[e.at : e.at+4]))
			if why := forbiddenWhy(v4); why != "" {
				return why + " (" + v4.String() + " within " + e.prefix.String() + ")"
			}
		}
	}
	return ""
}

// checkHost refuses host names that resolvers may read as addresses
// (2130706433, 0177.0.0.1, 0x7f.1, 127.1): an address must be written the
// one canonical way, which the dialer then checks. No top-level domain is
// numeric, so such a name is never a real host.
func checkHost(host string) error {
	host = strings.TrimSuffix(host, ".")
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" || strings.Trim(strings.ToLower(last), "0123456789abcdefx") == "" && strings.ContainsAny(last, "0123456789") {
		return fmt.Errorf("%w: %q is an address in a non-canonical form", ErrForbiddenAddress, host)
	}
	return nil
}
