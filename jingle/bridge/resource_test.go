package bridge_test

import (
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// TestResource: with Settings.Resource, call signalling comes from the
// number's full JID (the one its presence comes from), in both directions,
// Jingle's initiator and responder included, and the user may address that
// full JID; a session-initiate without JMI is answered from the JID it
// went to; a missed-call note still comes from the bare JID, like texts.
func TestResource(t *testing.T) {
	withResource := func(s *bridge.Settings) { s.Resource = "switchboard" }
	phoneFull := jid.MustParse(phoneJID.String() + "/switchboard")

	t.Run("from a phone", func(t *testing.T) {
		e := newEnv(t, withResource)
		ic := e.callBob(t)
		if prop := e.x.WaitJMI(t, "propose", bobBare); prop.From != phoneFull.String() {
			t.Errorf("proposal from %s, want %s", prop.From, phoneFull)
		}
		e.jmi(bobPhone, phoneFull, &jingle.Proceed{ID: ic.sid})
		ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobPhone.String())
		if ini.From != phoneFull.String() || ini.Jingle.Initiator != phoneFull.String() {
			t.Errorf("session-initiate from %s, initiator %s", ini.From, ini.Jingle.Initiator)
		}
		client := bridgetest.NewClient(t, e.rtc)
		e.jingle(t, bobPhone, phoneFull, client.Accept(t, ini.Jingle))
		call, _ := ic.in.WaitAnswer(t)
		call.WaitWatched(t)
		call.HangupByPhone()
		if term := e.x.WaitJingle(t, jingle.SessionTerminate, bobPhone.String()); term.From != phoneFull.String() {
			t.Errorf("session-terminate from %s", term.From)
		}
	})
	t.Run("missed", func(t *testing.T) {
		e := newEnv(t, withResource)
		ic := e.callBob(t)
		e.jmi(bobPhone, phoneFull, &jingle.Reject{ID: ic.sid, Reason: jingle.NewReason(jingle.Busy, "")})
		note := e.x.WaitMessage(t, "missed-call note", func(m bridgetest.Message) bool { return m.JMI == nil && m.To == bobBare })
		if note.From != phoneJID.String() {
			t.Errorf("missed-call note from %s, want the bare %s", note.From, phoneJID)
		}
	})
	t.Run("to a phone without JMI", func(t *testing.T) {
		// A client that sends session-initiate without JMI knows the
		// session by the JID it sent it to: the answers come from that.
		for _, to := range []jid.JID{phoneJID, phoneFull} {
			e := newEnv(t, withResource)
			client := bridgetest.NewClient(t, e.rtc)
			e.jingle(t, alice, to, client.Offer(t, "bare-sid"))
			e.d.Next(t).Answer(bridgetest.PhoneSDP("sendrecv"))
			acc := e.x.WaitJingle(t, jingle.SessionAccept, alice.String())
			if acc.From != to.String() || acc.Jingle.Responder != to.String() {
				t.Errorf("session-accept from %s, responder %s, want %s", acc.From, acc.Jingle.Responder, to)
			}
		}
	})
	t.Run("to a phone", func(t *testing.T) {
		e := newEnv(t, withResource)
		e.jmi(alice, phoneFull, jingle.NewAudioPropose("out-res"))
		dial := e.d.Next(t)
		dial.Answer(bridgetest.PhoneSDP("sendrecv"))
		if m := e.x.WaitJMI(t, "proceed", alice.String()); m.From != phoneFull.String() {
			t.Errorf("proceed from %s", m.From)
		}
		client := bridgetest.NewClient(t, e.rtc)
		e.jingle(t, alice, phoneFull, client.Offer(t, "out-res"))
		acc := e.x.WaitJingle(t, jingle.SessionAccept, alice.String())
		if acc.From != phoneFull.String() || acc.Jingle.Responder != phoneFull.String() {
			t.Errorf("session-accept from %s, responder %s", acc.From, acc.Jingle.Responder)
		}
	})
}
