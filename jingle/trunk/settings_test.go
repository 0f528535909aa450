package trunk

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  Settings
		want string // substring of the error; "" for success
	}{
		{"ok", Settings{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070"}, ""},
		{"bad listen", Settings{Listen: "nonsense", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"bad listen port", Settings{Listen: "127.0.0.1:99999", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"unspecified listen", Settings{Listen: "0.0.0.0:5060", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"bad trunk", Settings{Listen: "127.0.0.1:5060", Trunk: "http://x"}, "trunk"},
		{"empty trunk", Settings{Listen: "127.0.0.1:5060"}, "trunk"},
		{"register without user", Settings{Listen: "127.0.0.1:5060", Trunk: "sip:h", Register: true}, "register: needs username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := New(tc.set, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tr.set.RegisterExpiry != 600*time.Second || tr.set.UserAgent != "Switchboard" || tr.set.Domain != "127.0.0.1" {
					t.Errorf("defaults = %+v", tr.set)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrSettings) {
				t.Fatalf("New = %v; want ErrSettings naming %q", err, tc.want)
			}
		})
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	_, err := New(Settings{Listen: "bad", Trunk: "sip:h", Password: "hunter2"}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("New = %v", err)
	}
	_, err = New(Settings{Listen: "127.0.0.1:5060", Trunk: "sip:h", InboundPassword: "hunter3"}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter3") {
		t.Fatalf("New = %v", err)
	}
}

// TestTrusted: sip.trusted takes IP addresses and CIDR blocks, v4 and v6
// (IPv4-mapped forms as IPv4, as sources are read); anything else is a
// configuration error naming the key.
func TestTrusted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		list  []string
		want  string // the parsed blocks, space-separated; "" with err
		err   bool
		in    []string // sources that must be trusted
		notIn []string // and that must not
	}{
		{name: "address", list: []string{"203.0.113.7"}, want: "203.0.113.7/32", in: []string{"203.0.113.7"}, notIn: []string{"203.0.113.8"}},
		{name: "cidr, masked", list: []string{"203.0.113.77/24"}, want: "203.0.113.0/24", in: []string{"203.0.113.1", "203.0.113.255"}, notIn: []string{"203.0.114.1"}},
		{name: "v6", list: []string{"2001:db8::1", "2001:db8:1::/48"}, want: "2001:db8::1/128 2001:db8:1::/48", in: []string{"2001:db8::1", "2001:db8:1:2::3"}, notIn: []string{"2001:db8::2", "203.0.113.7"}},
		{name: "mapped v4", list: []string{"::ffff:192.0.2.1", "::ffff:198.51.100.0/120"}, want: "192.0.2.1/32 198.51.100.0/24", in: []string{"192.0.2.1", "::ffff:192.0.2.1", "198.51.100.9"}},
		{name: "spaces", list: []string{" 192.0.2.1 "}, want: "192.0.2.1/32"},
		{name: "empty list", list: nil, want: ""},
		{name: "name", list: []string{"trunk.example.net"}, err: true},
		{name: "empty entry", list: []string{""}, err: true},
		{name: "prefix too long", list: []string{"192.0.2.0/33"}, err: true},
		{name: "v6 prefix too long", list: []string{"2001:db8::/129"}, err: true},
		{name: "bad v6", list: []string{"2001:db8::1::2"}, err: true},
		{name: "zone", list: []string{"fe80::1%eth0"}, err: true},
		{name: "port", list: []string{"192.0.2.1:5060"}, err: true},
		{name: "one bad among good", list: []string{"192.0.2.1", "nope"}, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := Settings{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070", Trusted: tc.list}
			err := set.Check()
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "trusted") {
					t.Fatalf("Check = %v, want an error naming trusted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := parseTrusted(tc.list)
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if strings.Join(s, " ") != tc.want {
				t.Errorf("parsed %v, want %s", s, tc.want)
			}
			tr := &Trunk{trusted: got}
			for _, a := range tc.in {
				if !tr.trusts(netip.MustParseAddr(a).Unmap()) {
					t.Errorf("%s not trusted", a)
				}
			}
			for _, a := range tc.notIn {
				if tr.trusts(netip.MustParseAddr(a)) {
					t.Errorf("%s trusted", a)
				}
			}
		})
	}
}

// TestDefaultTrusted: without sip.trusted the trunk host is trusted: an IP
// literal is itself, a name its resolved addresses.
func TestDefaultTrusted(t *testing.T) {
	for _, tc := range []struct{ trunk, want string }{
		{"sip:203.0.113.7:5060", "203.0.113.7/32"},
		{"sip:[2001:db8::7]:5060", "2001:db8::7/128"},
		{"sip:localhost:5060", "127.0.0.1/32"},
	} {
		tr, err := New(Settings{Listen: "127.0.0.1:5060", Trunk: tc.trunk}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tr.resolveTrusted(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if !slices.Contains(s, tc.want) {
			t.Errorf("%s: trusted %v, want %s among them", tc.trunk, s, tc.want)
		}
	}
}

func TestInboundCredentialsTogether(t *testing.T) {
	for _, set := range []Settings{{InboundUsername: "u"}, {InboundPassword: "p"}} {
		set.Listen, set.Trunk = "127.0.0.1:5060", "sip:127.0.0.1:5070"
		if err := set.Check(); err == nil || !strings.Contains(err.Error(), "inbound_password") {
			t.Errorf("Check(%+v) = %v", set, err)
		}
	}
}
