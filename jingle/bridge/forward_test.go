package bridge_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
	"github.com/switchboard-gw/switchboard/jingle/media"
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

// TestForwardReinvite: a re-INVITE from either leg of a forwarded call
// (hold, inactive, resume) is offered to the other leg with the same
// direction, in that leg's gateway address and payload types, and the
// first leg is answered with the other's answer in its own. One that
// drops the agreed codec is refused and goes nowhere.
func TestForwardReinvite(t *testing.T) {
	tests := []struct {
		from      string // "caller" or "target"
		dir, want string // offered; answered back
	}{
		{"caller", "sendonly", "recvonly"},
		{"caller", "inactive", "inactive"},
		{"target", "sendonly", "recvonly"},
		{"target", "sendrecv", "sendrecv"},
	}
	for _, tt := range tests {
		t.Run(tt.from+" "+tt.dir, func(t *testing.T) {
			e := newEnv(t, nil, store.Binding{Number: bobNumber, JID: bobBare, Forward: "+15559876543"})
			in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
			ic := &inCall{in: in, done: e.ring(in)}
			dl := e.d.Next(t)
			target := dl.Answer(bridgetest.PhoneSDP("sendrecv"))
			caller, ans := in.WaitAnswer(t)
			callerSide, err := bridge.ParsePlainSDP(ans)
			if err != nil {
				t.Fatal(err)
			}
			targetSide, err := bridge.ParsePlainSDP(dl.Offer)
			if err != nil {
				t.Fatal(err)
			}
			from, to, fromPort, toPort := caller, target, callerSide.Addr.Port(), targetSide.Addr.Port()
			if tt.from == "target" {
				from, to, fromPort, toPort = target, caller, targetSide.Addr.Port(), callerSide.Addr.Port()
			}
			got, err := from.ReinviteFromPhone(bridgetest.PhoneSDP(tt.dir))
			if err != nil {
				t.Fatalf("re-INVITE refused: %v", err)
			}
			answer, err := bridge.ParsePlainSDP(got)
			if err != nil || answer.Dir != tt.want || answer.Addr.Port() != fromPort {
				t.Errorf("answer %+v %v, want %s on port %d", answer, err, tt.want, fromPort)
			}
			offers := to.Reinvites()
			if len(offers) != 1 {
				t.Fatalf("the other leg got %d re-INVITEs, want 1", len(offers))
			}
			if o, err := bridge.ParsePlainSDP(offers[0]); err != nil || o.Dir != tt.dir || o.Addr.Port() != toPort {
				t.Errorf("offer to the other leg %+v %v, want %s on port %d", o, err, tt.dir, toPort)
			}
			// An offer without the call's codec is refused.
			if _, err := from.ReinviteFromPhone(bridge.PlainSDP(netip.MustParseAddr("127.0.0.1"), 9,
				[]media.Codec{{PT: 9, Name: "G722", ClockRate: 8000}}, "sendrecv")); err == nil {
				t.Error("a re-INVITE without G.711 was taken")
			}
			if n := len(to.Reinvites()); n != 1 {
				t.Errorf("the refused re-INVITE reached the other leg (%d re-INVITEs)", n)
			}
			caller.HangupByPhone()
			target.WaitHangup(t)
			ic.waitDone(t)
		})
	}
}
