package app

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/browserpeer"
	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// browserUser registers name with a number and logs it in as a libwebrtc
// Jingle client (chromium running stanza over Prosody's WebSocket).
func (e *env) browserUser(t *testing.T, name, number string, opts browserpeer.Options) *browserpeer.Peer {
	t.Helper()
	e.prosody.Register(t, name, "pw-"+name)
	if number != "" {
		e.assign(t, name, number)
	}
	opts.JID, opts.Password = name+"@"+e.prosody.Domain, "pw-"+name
	opts.WebSocket = "ws://" + e.prosody.HTTPAddr + "/xmpp-websocket"
	return browserpeer.Start(t, opts)
}

// TestLibwebrtcCallsPhone: a libwebrtc client (the stack of Conversations
// and browsers) calls a phone. Its tone comes back through SIPp's echo, and
// the digits it sends with RTCDTMFSender reach the trunk as RFC 4733
// events with the trunk's payload type, as tshark sees them.
func TestLibwebrtcCallsPhone(t *testing.T) {
	// This trunk takes telephone-event (PT 101) with PCMA.
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
	capture := siptest.CaptureRTP(t, sipp.MediaPort)
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
	alice := e.browserUser(t, "alice", callerNumber, browserpeer.Options{Tone: 440})
	ctx := ctxTimeoutT(t, 90*time.Second)

	alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
	for _, ev := range []string{"receipt", "ringing", "proceed", "connected"} {
		if _, err := alice.Expect(ctx, ev, nil); err != nil {
			t.Fatalf("waiting for %s: %v", ev, err)
		}
	}
	if _, err := alice.WaitTone(ctx, 0.5); err != nil {
		t.Fatalf("the tone did not come back: %v", err)
	}
	alice.Do(map[string]any{"cmd": "dtmf", "tones": "123#"})
	if _, err := alice.Expect(ctx, "dtmf-sent", nil); err != nil {
		t.Fatalf("the client could not send digits: %v", err)
	}
	if err := capture.Wait(ctx, "digits 1 2 3 #", func(c *siptest.Capture) bool {
		return slices.Equal(c.Events(), []int{1, 2, 3, 11}) && c.Packets(101) > 0 && c.Packets(8) > 0
	}); err != nil {
		t.Fatal(err)
	}
	alice.Do(map[string]any{"cmd": "hangup"})
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
}

// TestPhoneCallsLibwebrtc: a phone calls a libwebrtc client, which
// answers and receives the phone's audio.
func TestPhoneCallsLibwebrtc(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	bob := e.browserUser(t, "bob", "+12015550100", browserpeer.Options{AutoAnswer: true})
	ctx := ctxTimeoutT(t, 90*time.Second)
	sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
	if _, err := bob.Expect(ctx, "connected", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Expect(ctx, "audio", func(ev jinglepeer.Event) bool { return ev.Float("packets") >= 25 }); err != nil {
		t.Fatalf("no audio from the phone: %v", err)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if _, err := bob.Expect(ctx, "terminated", nil); err != nil {
		t.Fatal(err)
	}
}
