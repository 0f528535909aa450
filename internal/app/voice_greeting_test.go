package app

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// toneLevel is the amplitude of the hz component of 8 kHz samples
// (Goertzel).
func toneLevel(s []int16, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2 float64
	for _, x := range s {
		s1, s2 = float64(x)+k*s1-s2, s1
	}
	return 2 * math.Sqrt(s1*s1+s2*s2-k*s1*s2) / float64(max(len(s), 1))
}

// TestVoicemailOwnGreeting: a caller who reaches the voicemail of a user
// with a greeting of their own (the settings command) hears that greeting
// — here a 1.7 kHz tone, told apart from the gateway's 1 kHz beep in the
// RTP tshark sees reach SIPp.
func TestVoicemailOwnGreeting(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=3s", "SWITCHBOARD_CALLS_VOICEMAIL=true")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	bob.Close()
	own := make([]int16, 8000) // 1 s
	for i := range own {
		own[i] = int16(8000 * math.Sin(2*math.Pi*1700*float64(i)/8000))
	}
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
	own1700, beep := toneLevel(pcm, 1700), toneLevel(pcm, 1000)
	if own1700 < 2000 || beep > own1700/10 {
		t.Errorf("the caller heard 1.7 kHz at %.0f and 1 kHz at %.0f: not the user's greeting", own1700, beep)
	}
}
