package app

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// TestConnectTimeoutCountsFromAnswer: with a 1 s connect timeout, calls
// that ring 2.5 s before they are answered still connect, both ways: the
// timeout counts from the answer, not from the offer (the user's offer
// waits for the phone to answer when the user calls).
func TestConnectTimeoutCountsFromAnswer(t *testing.T) {
	t.Run("user calls a phone that answers late", func(t *testing.T) {
		sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer_late.xml", RTPEcho: true, Replace: map[string]string{"RING_MS": "2500"}})
		e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr, "SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=1s")})
		alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{Tone: 440})
		ctx := ctxTimeoutT(t, 60*time.Second)

		alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": false})
		if _, err := alice.Expect(ctx, "session-accept", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Expect(ctx, "connected", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.WaitTone(ctx, 0.5); err != nil {
			t.Fatalf("the tone did not come back through the bridge: %v", err)
		}
		alice.Do(map[string]any{"cmd": "hangup"})
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario: %v", err)
		}
		if cdr := e.lastCDR(t, ctx); cdr.Reason != "success" {
			t.Errorf("call record: %+v", cdr)
		}
	})
	t.Run("phone calls a user who answers late", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=1s")})
		bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{Tone: 440})
		ctx := ctxTimeoutT(t, 60*time.Second)

		sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
		if _, err := bob.Expect(ctx, "propose", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond) // ringing
		bob.Do(map[string]any{"cmd": "answer"})
		if _, err := bob.Expect(ctx, "connected", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Expect(ctx, "audio", func(ev jinglepeer.Event) bool { return ev.Float("frames") >= 25 }); err != nil {
			t.Fatalf("no audio from the phone: %v", err)
		}
		if end, err := bob.Expect(ctx, "terminated", nil); err != nil || end.Str("reason") != "success" {
			t.Fatalf("ended with %v %v", end, err)
		}
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario: %v", err)
		}
	})
}
