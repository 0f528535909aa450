package app

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestSpoofedCallerID: the spoofed caller ID of issue 8. A source that is
// not the trunk (127.0.0.2) but holds the inbound digest credentials may
// call, and claims to be +14155550123 in P-Asserted-Identity: the user is
// rung from anonymous, the missed call notice names no number, and the
// record says anonymous.
func TestSpoofedCallerID(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=1s",
		"SWITCHBOARD_SIP_INBOUND_USERNAME=carrier", "SWITCHBOARD_SIP_INBOUND_PASSWORD=s3cret")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	ctx := ctxTimeoutT(t, 60*time.Second)
	sipp := siptest.Start(t, siptest.Options{Scenario: "uac_auth.xml", Remote: e.cfg.SIP.Listen, Service: "+12015550100",
		LocalIP: "127.0.0.2", Replace: map[string]string{"USER": "carrier", "PASS": "s3cret", "CODE": "480"}})
	prop, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "message" && s.Has("urn:xmpp:jingle-message:0", "propose")
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := e.numberJID("anonymous"); !strings.HasPrefix(prop.From, want) {
		t.Errorf("rung from %s, want %s", prop.From, want)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (authenticates, expects 480): %v", err)
	}
	m, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "message" && strings.HasPrefix(s.Body(), "Missed call")
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Raw, "4155550123") || strings.Contains(m.Raw, "415-555-0123") || !strings.Contains(m.Body(), "unknown caller") {
		t.Errorf("missed call notice believes the spoofed number: %s", m.Raw)
	}
	if cdr := e.lastCDR(t, ctx); cdr.From != "anonymous" {
		t.Errorf("call record from %q, want anonymous", cdr.From)
	}
}
