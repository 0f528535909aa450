package app

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/wav"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// TestVoicemailOwnGreeting: a caller who reaches the voicemail of a user
// with a greeting of their own (the settings command) hears that greeting
// — here a 1.7 kHz tone, told apart from the gateway's 1 kHz beep in the
// RTP tshark sees reach SIPp.
func TestVoicemailOwnGreeting(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=3s", "SWITCHBOARD_CALLS_VOICEMAIL=true")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	bob.Close()
	own := wav.Tone(1700, 8000, time.Second, 8000)
	ctx := context.Background()
	if err := e.store.StageGreeting(ctx, "bob@localhost", own, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveGreeting(ctx, "bob@localhost"); err != nil {
		t.Fatal(err)
	}
	sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
	capture := siptest.CaptureRTP(t, sipp.MediaPort) // while it rings
	if err := sipp.Wait(ctxTimeoutT(t, 60*time.Second)); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	alaw := capture.Payload(8) // SIPp offers PCMA alone
	pcm := make([]int16, len(alaw))
	for i, b := range alaw {
		pcm[i] = media.DecodeALaw(b)
	}
	if len(pcm) < 8000/4 {
		t.Fatalf("the caller heard %d samples of PCMA", len(pcm))
	}
	own1700, beep := wav.Level(pcm, 8000, 1700), wav.Level(pcm, 8000, 1000)
	if own1700 < 2000 || beep > own1700/10 {
		t.Errorf("the caller heard 1.7 kHz at %.0f and 1 kHz at %.0f: not the user's greeting", own1700, beep)
	}
}
