package bridge_test

import (
	"strings"
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

// TestUntrustedCaller: a call whose caller ID the phone side does not
// vouch for (an INVITE from outside sip.trusted, let in by digest
// credentials) is never presented as coming from the number it claims:
// forwarded, it shows the forwarding number's own; rung, it comes from
// anonymous; its record says anonymous.
func TestUntrustedCaller(t *testing.T) {
	t.Run("forwarded", func(t *testing.T) {
		e := newEnv(t, nil, store.Binding{Number: bobNumber, JID: bobBare, Forward: "+15559876543"})
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		in.Untrusted = true
		ic := &inCall{in: in, done: e.ring(in)}
		dl := e.d.Next(t)
		if dl.From != bobNumber {
			t.Errorf("forwarded from %s, want the forwarding number %s (the caller's claim is not believed)", dl.From, bobNumber)
		}
		dl.Reject(486, "Busy Here")
		if r := e.st.WaitCDR(t); r.From == phoneNumber {
			t.Errorf("call record from the claimed number: %+v", r)
		}
		ic.onlyFinal(t, 486)
	})
	t.Run("rung", func(t *testing.T) {
		e := newEnv(t, nil)
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		in.Untrusted = true
		ic := &inCall{in: in, done: e.ring(in)}
		p := e.x.WaitJMI(t, "propose", bobBare)
		if p.From != "anonymous@"+domain {
			t.Errorf("proposal from %s, want anonymous@%s", p.From, domain)
		}
		in.Cancel()
		ic.waitDone(t)
		if r := e.st.WaitCDR(t); r.From == phoneNumber {
			t.Errorf("call record from the claimed number: %+v", r)
		}
		for _, m := range e.x.Messages() {
			if strings.Contains(m.Raw, phoneNumber) || strings.Contains(m.Raw, "123-4567") {
				t.Errorf("a message names the claimed number: %s", m.Raw)
			}
		}
	})
}
