package trunk

import (
	"strings"
	"testing"
)

// FuzzParseTrusted: [sip] trusted entries either are refused with an error
// naming the key or become masked prefixes that contain their own address.
func FuzzParseTrusted(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "::ffff:192.0.2.1", "::ffff:192.0.2.0/120", "fe80::1%eth0", "10.0.0.0/33", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parseTrusted(strings.Split(s, ","))
		if err != nil {
			if !strings.Contains(err.Error(), "trusted") {
				t.Fatalf("parseTrusted(%q) error %q does not name the key", s, err)
			}
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || !p.Contains(p.Addr()) {
				t.Fatalf("parseTrusted(%q) gave %v", s, p)
			}
		}
	})
}
