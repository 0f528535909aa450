package trunk

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/emiago/sipgo/sip"
)

func TestUserOf(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sip:+15551234567@trunk.example;user=phone", "+15551234567"},
		{"<sip:+15551234567@127.0.0.1:5060>;tag=abc", "+15551234567"},
		{`"Alice Smith" <sip:alice@example.com>;tag=1`, "alice"},
		{"sips:bob@example.com", "bob"},
		{"SIP:+1555@h", "+1555"},
		{"tel:+15551234567;phone-context=example.com", "+15551234567"},
		{"<tel:+15551234567>", "+15551234567"},
		{"<sip:+15551111111@a>, <tel:+15552222222>", "+15551111111"},
		{"sip:+15551111111@a, tel:+15552222222", "+15551111111"},
		{"sip:%2B15551234567@h", "+15551234567"},
		{"sip:user:secret@h", "user"},
		{"sip:+1555;isub=12@h", "+1555"},
		{"sip:127.0.0.1:5060", ""},
		{"sip:@h", ""},
		{"http://x@y", ""},
		{"", ""},
		{"<", ""},
		{"sip:a b@h", ""},
		{"sip:a%00b@h", ""},
		{"anonymous", ""},
		{"sip:" + strings.Repeat("9", 200) + "@h", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := userOf(tc.in); got != tc.want {
				t.Errorf("userOf(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzUserOf(f *testing.F) {
	for _, s := range []string{
		"sip:+15551234567@h", `"A" <sip:a@h>;tag=x`, "tel:+1;x=y", "<sip:%zz@h>", "sip:a:b@h;c", ",<>", "sips:@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := userOf(s)
		if len(u) > maxUserLen {
			t.Fatalf("userOf(%q) = %q: longer than %d", s, u, maxUserLen)
		}
		for _, r := range u {
			if !unicode.IsPrint(r) || unicode.IsSpace(r) {
				t.Fatalf("userOf(%q) = %q: unprintable", s, u)
			}
		}
		// What we extract from a well-formed URI we build must round-trip.
		if u != "" && !strings.ContainsAny(u, "@;:,<>%\"") {
			if got := userOf("<sip:" + u + "@example.com>"); got != u {
				t.Fatalf("round trip of %q = %q", u, got)
			}
		}
	})
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"600", 600 * time.Second, true},
		{" 2 ", 2 * time.Second, true},
		{"0", 0, true},
		{"4294967295", 24 * time.Hour, true},
		{"-1", 0, false},
		{"", 0, false},
		{"1e3", 0, false},
		{"99999999999", 0, false},
	} {
		got, ok := parseSeconds(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzGrantedExpiry(f *testing.F) {
	f.Add("<sip:gw@127.0.0.1:5060>;expires=2", "3")
	f.Add("<sip:other@10.0.0.1>;expires=x", "abc")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, contact, expires string) {
		res := sip.NewResponse(200, "OK")
		var ct sip.ContactHeader
		if _, err := sip.ParseAddressValue(contact, &ct.Address, &ct.Params); err == nil {
			res.AppendHeader(&ct)
		}
		res.AppendHeader(sip.NewHeader("Expires", expires))
		d := grantedExpiry(res, sip.Uri{Host: "127.0.0.1", Port: 5060}, time.Minute)
		if d < 0 || d > 24*time.Hour {
			t.Fatalf("grantedExpiry = %v", d)
		}
	})
}
