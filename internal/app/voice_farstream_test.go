package app

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/fspeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
	"github.com/switchboard-gw/switchboard/jingle"
)

// TestFarstreamCallsPhone: a caller with Gajim's media stack (farstream
// and libnice: plain RTP over ICE, RTCP on component 2, no DTLS) calls a
// phone with a bare session-initiate through Prosody. The gateway answers
// with its plain RTP leg, both ICE components come up, SIPp (the trunk)
// echoes the caller's audio, and farstream decodes it: the audio crossed
// the bridge both ways.
func TestFarstreamCallsPhone(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
	e.prosody.Register(t, "alice", "pw-alice")
	e.assign(t, "alice", callerNumber)
	r := fspeer.Run(t, fspeer.Call{JID: "alice@" + e.prosody.Domain, Password: "pw-alice", Server: e.prosody.C2SAddr,
		To: e.numberFull("+15551234567"), Seconds: 4})
	if r.Error != "" || !r.Accepted {
		t.Fatalf("farstream call: %+v", r)
	}
	if r.States["1"] != "ready" || r.States["2"] != "ready" {
		t.Errorf("ICE components %v, want 1 and 2 ready", r.States)
	}
	t.Logf("farstream: %+v", r)
	if r.Received < 20 {
		t.Errorf("farstream decoded %d RTP buffers of the echo, want at least 20", r.Received)
	}
	ctx := ctxTimeoutT(t, 30*time.Second)
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Reason != "success" || cdr.Answer.IsZero() || cdr.JID != "alice@localhost" {
		t.Errorf("call record: %+v", cdr)
	}
}

// TestPhoneCallsFarstream: a phone (SIPp playing 6 s of A-law) calls a
// user whose only client has Gajim's media stack and disco#info (Jingle
// RTP over ICE-UDP, neither XEP-0353 nor DTLS). The gateway learns the
// client from its presence, asks its features and rings it with a plain
// RTP session-initiate; the client accepts and farstream decodes the
// phone's audio.
func TestPhoneCallsFarstream(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	e.prosody.Register(t, "alice", "pw-alice")
	e.assign(t, "alice", "+12015550100")
	peer := fspeer.Start(t, fspeer.Call{JID: "alice@" + e.prosody.Domain, Password: "pw-alice", Server: e.prosody.C2SAddr,
		Answer: e.numberJID("+15557654321"), Seconds: 15}) // the phone hangs up first
	peer.Ready(30 * time.Second)
	time.Sleep(500 * time.Millisecond) // the presence that follows the subscription reaches the gateway
	sipp := e.callGateway(t, "uac_call_long.xml", "+12015550100", nil)
	r := peer.Wait()
	if r.Error != "" || !r.Accepted {
		t.Fatalf("farstream answer: %+v", r)
	}
	if r.States["1"] != "ready" || r.States["2"] != "ready" {
		t.Errorf("ICE components %v, want 1 and 2 ready", r.States)
	}
	if r.Received < 50 {
		t.Errorf("farstream decoded %d RTP buffers of the phone's audio, want at least 50", r.Received)
	}
	t.Logf("farstream: %+v", r)
	ctx := ctxTimeoutT(t, 60*time.Second)
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Direction != "inbound" || cdr.Answer.IsZero() || cdr.JID != "alice@localhost" {
		t.Errorf("call record: %+v", cdr)
	}
}

// TestPhoneCallsFarstreamBesideJMI: alice has Gajim's media stack and a
// XEP-0353 client online at once. A phone call rings both: the XEP-0353
// client gets <propose/>, farstream a plain RTP session-initiate. Farstream
// answers, audio flows, and the XEP-0353 client is told to stop ringing
// (<retract/>).
func TestPhoneCallsFarstreamBesideJMI(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	e.prosody.Register(t, "alice", "pw-alice")
	e.assign(t, "alice", "+12015550100")
	peer := fspeer.Start(t, fspeer.Call{JID: "alice@" + e.prosody.Domain, Password: "pw-alice", Server: e.prosody.C2SAddr,
		Answer: e.numberJID("+15557654321"), Seconds: 15})
	peer.Ready(30 * time.Second)
	// The XEP-0353 client comes online after the subscription, so that its
	// presence reaches the gateway too.
	jmi := e.prosody.Client(t, "alice", "pw-alice")
	jmi.AnswerDisco(jingle.Features...)
	time.Sleep(500 * time.Millisecond)
	ctx := ctxTimeoutT(t, 90*time.Second)
	sipp := e.callGateway(t, "uac_call_long.xml", "+12015550100", nil)
	if _, err := jmi.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Has(jingle.NSJMI, "propose") }); err != nil {
		t.Fatal(err)
	}
	r := peer.Wait()
	if r.Error != "" || !r.Accepted || r.Received < 50 {
		t.Fatalf("farstream answer: %+v", r)
	}
	if _, err := jmi.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Has(jingle.NSJMI, "retract") }); err != nil {
		t.Fatalf("the XEP-0353 client was not told to stop ringing: %v", err)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Direction != "inbound" || cdr.Answer.IsZero() {
		t.Errorf("call record: %+v", cdr)
	}
}
