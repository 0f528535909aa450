package app

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/fspeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
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
