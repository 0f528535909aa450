package trunk

import (
	"net/netip"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// TestAuthenticate: inbound digest credentials are accepted once, for our
// realm and a nonce we made; a replay, a wrong password or user, another
// realm or a foreign nonce are refused.
func TestAuthenticate(t *testing.T) {
	set := Settings{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070", InboundUsername: "carrier", InboundPassword: "s3cret"}
	tr, err := New(set, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := New(set, nil) // another key: its nonces are not ours
	if err != nil {
		t.Fatal(err)
	}
	invite := func(chal *digest.Challenge, user, pass string) *sip.Request {
		var u sip.Uri
		if err := sip.ParseUri("sip:+15550001111@127.0.0.1:5060", &u); err != nil {
			t.Fatal(err)
		}
		req := sip.NewRequest(sip.INVITE, u)
		if chal != nil {
			cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: u.String(), Username: user, Password: pass})
			if err != nil {
				t.Fatal(err)
			}
			req.AppendHeader(sip.NewHeader("Authorization", cred.String()))
		}
		return req
	}
	if got := tr.authenticate(invite(nil, "", "")); got != authNone {
		t.Errorf("no credentials: %v, want a challenge", got)
	}
	good := invite(tr.challenge(), "carrier", "s3cret")
	if got := tr.authenticate(good); got != authValid {
		t.Errorf("right credentials: %v", got)
	}
	if got := tr.authenticate(good); got != authBad {
		t.Errorf("replayed credentials: %v, want refused", got)
	}
	foreignRealm := tr.challenge()
	foreignRealm.Realm = "elsewhere"
	for name, req := range map[string]*sip.Request{
		"wrong password": invite(tr.challenge(), "carrier", "guess"),
		"wrong user":     invite(tr.challenge(), "admin", "s3cret"),
		"other realm":    invite(foreignRealm, "carrier", "s3cret"),
		"foreign nonce":  invite(other.challenge(), "carrier", "s3cret"),
		"made-up nonce":  invite(&digest.Challenge{Realm: "127.0.0.1", Nonce: "AAAA", QOP: []string{"auth"}}, "carrier", "s3cret"),
	} {
		if got := tr.authenticate(req); got != authBad {
			t.Errorf("%s: %v, want refused", name, got)
		}
	}
	garbage := invite(nil, "", "")
	garbage.AppendHeader(sip.NewHeader("Authorization", "Basic Y2Fycmllcjpz"))
	if got := tr.authenticate(garbage); got != authBad {
		t.Errorf("basic auth: %v, want refused", got)
	}
}

// TestRateLog: the first event per source and kind is logged, repeats are
// counted until the interval ends; a source that keeps going gets one
// count per interval and no new first line; a quiet one starts over.
func TestRateLog(t *testing.T) {
	var r rateLog
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	if !r.first(a, "x") || r.first(a, "x") || r.first(a, "x") || !r.first(b, "x") || !r.first(a, "y") {
		t.Fatal("first lines wrong")
	}
	if got := r.flush(); len(got) != 1 || got[rateKey{a, "x"}] != 2 {
		t.Fatalf("flush = %v, want a/x repeated twice", got)
	}
	if r.first(a, "x") {
		t.Error("a steady source logged a new first line")
	}
	if !r.first(b, "x") {
		t.Error("a quiet source was not forgotten")
	}
	for i := range maxRateSources + 10 {
		r.first(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "x")
	}
	if r.first(netip.MustParseAddr("10.9.9.9"), "x") {
		t.Error("sources beyond the bound are not pooled")
	}
	if len(r.seen) > maxRateSources+1 {
		t.Errorf("%d sources kept, bound %d", len(r.seen), maxRateSources)
	}
}
