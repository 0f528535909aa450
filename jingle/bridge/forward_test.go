package bridge_test

import (
	"testing"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// TestForward: a number with forwarding set sends its calls to the target
// (a number through the trunk, or a sip: URI) instead of ringing the
// owner; the caller's number stays the caller ID (a caller without one
// shows the forwarding number); the caller is answered with what the
// target chose; either hanging up ends both legs; the record says
// forwarded.
func TestForward(t *testing.T) {
	for _, tt := range []struct {
		name, caller, target, from string
	}{
		{"to a number", phoneNumber, "+15559876543", phoneNumber},
		{"to a SIP URI", phoneNumber, "sip:desk@pbx.example.net", phoneNumber},
		{"anonymous caller", "restricted", "+15559876543", bobNumber},
	} {
		for _, hangup := range []string{"target", "caller"} {
			t.Run(tt.name+"/"+hangup+" hangs up", func(t *testing.T) {
				e := newEnv(t, nil, store.Binding{Number: bobNumber, JID: bobBare, Forward: tt.target})
				in := bridgetest.NewIncoming(tt.caller, bobNumber, bridgetest.PhoneSDP("sendrecv"))
				ic := &inCall{in: in, done: e.ring(in)}
				dl := e.d.Next(t)
				if dl.From != tt.from || dl.To != tt.target {
					t.Errorf("dialled %s -> %s, want %s -> %s", dl.From, dl.To, tt.from, tt.target)
				}
				in.WaitRinging(t)
				target := dl.Answer(bridgetest.PhoneSDP("sendrecv"))
				caller, ans := in.WaitAnswer(t)
				sm, err := bridge.ParsePlainSDP(ans)
				if err != nil {
					t.Fatalf("answer to the caller: %v", err)
				}
				if sm.Codecs[0].Name != "PCMU" || sm.Dir != "sendrecv" {
					t.Errorf("answer to the caller: %+v", sm)
				}
				if hangup == "target" {
					target.HangupByPhone()
					caller.WaitHangup(t)
				} else {
					caller.HangupByPhone()
					target.WaitHangup(t)
				}
				r := e.st.WaitCDR(t)
				checkCDR(t, r, store.CDR{Direction: "forwarded", From: tt.caller, To: tt.target, JID: bobBare, Reason: "success"}, true)
				ic.onlyFinal(t, 200)
				if ms := e.x.Messages(); len(ms) != 0 {
					t.Errorf("the owner was rung for a forwarded call: %+v", ms)
				}
			})
		}
	}
	t.Run("target busy", func(t *testing.T) {
		e := newEnv(t, nil, store.Binding{Number: bobNumber, JID: bobBare, Forward: "+15559876543"})
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		ic := &inCall{in: in, done: e.ring(in)}
		e.d.Next(t).Reject(486, "Busy Here")
		if r := e.st.WaitCDR(t); r.Reason != "busy" || r.Direction != "forwarded" {
			t.Errorf("call record %+v", r)
		}
		ic.onlyFinal(t, 486)
	})
	t.Run("caller gives up", func(t *testing.T) {
		e := newEnv(t, nil, store.Binding{Number: bobNumber, JID: bobBare, Forward: "+15559876543"})
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		ic := &inCall{in: in, done: e.ring(in)}
		dl := e.d.Next(t)
		in.Cancel()
		select {
		case <-dl.Cancelled():
		case <-timeout():
			t.Fatal("the forward was not abandoned")
		}
		if r := e.st.WaitCDR(t); r.Reason != "cancel" {
			t.Errorf("call record %+v", r)
		}
		ic.waitDone(t)
		if fs := in.Finals(); len(fs) != 0 {
			t.Errorf("final responses to a cancelled call: %+v", fs)
		}
	})
}
