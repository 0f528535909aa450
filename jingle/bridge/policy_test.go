package bridge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

const premium = "+19005550123"

// withPolicy gives the bridge the default destination policy.
func withPolicy(t *testing.T) func(*bridge.Settings) {
	var cfg policy.Config
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	return func(s *bridge.Settings) { s.Destinations = cfg.Calls() }
}

// TestPolicyRefusesCall: a call from a user to a premium-rate number is
// refused with a text naming the policy before anything is dialled, both
// as a JMI proposal and as a bare session-initiate.
func TestPolicyRefusesCall(t *testing.T) {
	premiumJID := jid.MustParse(premium + "@" + domain)
	t.Run("jmi", func(t *testing.T) {
		e := newEnv(t, withPolicy(t))
		e.jmi(alice, premiumJID, jingle.NewAudioPropose("prem-1"))
		m := e.x.WaitJMI(t, "reject", alice.String())
		r := m.JMI.(*jingle.Reject).Reason
		if m.From != premiumJID.String() || r == nil || !strings.Contains(r.Text, "+1900… is refused by this gateway's destination policy (premium rate)") {
			t.Errorf("reject from %s with %v", m.From, r)
		}
		noDial(t, e)
	})
	t.Run("bare", func(t *testing.T) {
		e := newEnv(t, withPolicy(t))
		client := bridgetest.NewClient(t, e.rtc)
		se := e.b.Jingle(context.Background(), alice, premiumJID, client.Offer(t, "prem-2"))
		if se == nil || se.Condition != stanza.NotAllowed || !strings.Contains(se.Text["en"], "destination policy") {
			t.Fatalf("session-initiate answered %+v, want not-allowed naming the policy", se)
		}
		noDial(t, e)
	})
	t.Run("ordinary number still dialled", func(t *testing.T) {
		e := newEnv(t, withPolicy(t))
		oc := e.callPhone(t, "ok-1", true)
		if oc.dial.To != phoneNumber {
			t.Errorf("dialled %s", oc.dial.To)
		}
		oc.dial.Reject(486, "Busy")
		e.x.WaitJMI(t, "reject", alice.String())
	})
}

// TestPolicyRefusesForward: a forwarding target the policy refuses (set
// before the policy changed) is never dialled; the caller gets 403, and
// the refused call holds none of the number's call slots (with one slot,
// the next caller gets 403 too, not 486).
func TestPolicyRefusesForward(t *testing.T) {
	e := newEnv(t, func(s *bridge.Settings) {
		withPolicy(t)(s)
		s.MaxCallsPerNumber = 1
	}, store.Binding{Number: bobNumber, JID: bobBare, Forward: premium})
	for range 2 {
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		ic := &inCall{in: in, done: e.ring(in)}
		ic.waitDone(t)
		if f := in.Finals(); len(f) != 1 || f[0].Code != 403 {
			t.Errorf("caller got %+v, want one 403", f)
		}
	}
	noDial(t, e)
	if ms := e.x.Messages(); len(ms) != 0 {
		t.Errorf("the owner was rung: %+v", ms)
	}
}

// noDial checks, after a moment for a stray dial to show, that nothing
// was dialled.
func noDial(t *testing.T, e *env) {
	t.Helper()
	time.Sleep(50 * time.Millisecond)
	if n := e.d.Dials(); n != 0 {
		t.Fatalf("%d calls dialled", n)
	}
}
