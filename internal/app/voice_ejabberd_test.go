package app

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// TestCallsOnEjabberd: calls both ways work when the gateway is a
// component of ejabberd instead of Prosody (its routing of JMI messages to
// bare JIDs and of Jingle IQs differs in detail).
func TestCallsOnEjabberd(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	e := startEjabberdEnvWith(t, envOptions{env: voiceEnv(t, sipp.Addr)})
	e.user(t, "alice", callerNumber)
	e.user(t, "bob", "+12015550100")
	peer := func(name string, o jinglepeer.Options) *jinglepeer.Peer {
		o.JID, o.Password, o.Server = name+"@"+e.ej.Domain, "pw-"+name, e.ej.C2SAddr
		return jinglepeer.Start(t, o)
	}
	alice := peer("alice", jinglepeer.Options{Tone: 440})
	bob := peer("bob", jinglepeer.Options{AutoAnswer: true})
	ctx := ctxTimeoutT(t, 90*time.Second)

	alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
	for _, ev := range []string{"receipt", "proceed", "connected"} {
		if _, err := alice.Expect(ctx, ev, nil); err != nil {
			t.Fatalf("alice waiting for %s: %v", ev, err)
		}
	}
	if _, err := alice.WaitTone(ctx, 0.5); err != nil {
		t.Fatalf("the tone did not come back: %v", err)
	}
	alice.Do(map[string]any{"cmd": "hangup"})
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp trunk: %v", err)
	}

	caller := siptest.Start(t, siptest.Options{Scenario: "uac_call.xml", Remote: e.cfg.SIP.Listen, Service: "+12015550100", Pcaps: true})
	if _, err := bob.Expect(ctx, "audio", func(ev jinglepeer.Event) bool { return ev.Float("frames") >= 25 }); err != nil {
		t.Fatalf("no audio from the phone: %v", err)
	}
	if err := caller.Wait(ctx); err != nil {
		t.Fatalf("SIPp caller: %v", err)
	}
	if _, err := bob.Expect(ctx, "terminated", nil); err != nil {
		t.Fatal(err)
	}
}
