package bridge_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// TestPhoneRefusesCall: the trunk's final status for alice's call reaches
// her as the mapped Jingle reason: a JMI <reject/> when she proposed, a
// session-terminate when she sent a bare session-initiate. The record
// carries the same reason and no answer time.
func TestPhoneRefusesCall(t *testing.T) {
	for _, tt := range []struct {
		code int
		want jingle.Condition
	}{
		{486, jingle.Busy},
		{600, jingle.Busy},
		{603, jingle.Decline},
		{487, jingle.Cancel},
		{408, jingle.Timeout},
		{480, jingle.Timeout},
		{404, jingle.GeneralError},
		{500, jingle.GeneralError},
		{503, jingle.GeneralError},
		{606, jingle.GeneralError},
	} {
		for _, jmi := range []bool{true, false} {
			name := strconv.Itoa(tt.code) + map[bool]string{true: "/jmi", false: "/bare"}[jmi]
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, nil)
				oc := e.callPhone(t, "out-"+strconv.Itoa(tt.code), jmi)
				oc.dial.Reject(tt.code, "Refused")
				var got jingle.Condition
				if jmi {
					m := e.x.WaitJMI(t, "reject", alice.String())
					if m.From != phoneJID.String() || m.JMI.SessionID() != oc.sid {
						t.Errorf("reject from %s for %s", m.From, m.JMI.SessionID())
					}
					got = m.Reason()
				} else {
					got = e.x.WaitJingle(t, jingle.SessionTerminate, alice.String()).Reason()
				}
				if got != tt.want {
					t.Errorf("alice got %q, want %q", got, tt.want)
				}
				checkCDR(t, e.st.WaitCDRFor(t, oc.sid), store.CDR{Direction: "outbound", From: aliceNumber, To: phoneNumber,
					JID: "alice@example.org", Reason: string(tt.want)}, false)
			})
		}
	}
	t.Run("trunk unreachable", func(t *testing.T) {
		e := newEnv(t, nil)
		oc := e.callPhone(t, "out-unreachable", true)
		oc.dial.Fail(errors.New("connection refused"))
		if got := e.x.WaitJMI(t, "reject", alice.String()).Reason(); got != jingle.ConnectivityError {
			t.Errorf("alice got %q, want connectivity-error", got)
		}
		if r := e.st.WaitCDRFor(t, oc.sid); r.Reason != string(jingle.ConnectivityError) {
			t.Errorf("call record %+v", r)
		}
	})
}

// TestCallPhone: alice's call is dialled from her own number with a plain
// G.711 offer; the phone's 180 reaches her as <ringing/> and a receipt on
// her proposal (session-info <ringing/> without JMI); its answer as
// <proceed/> and then session-accept; its BYE as session-terminate
// <success/>, and the record is answered and successful.
func TestCallPhone(t *testing.T) {
	for _, jmi := range []bool{true, false} {
		t.Run(map[bool]string{true: "jmi", false: "bare"}[jmi], func(t *testing.T) {
			e := newEnv(t, nil)
			oc := e.callPhone(t, "out-call", jmi)
			if oc.dial.From != aliceNumber || oc.dial.To != phoneNumber {
				t.Errorf("dialled %s -> %s, want %s -> %s", oc.dial.From, oc.dial.To, aliceNumber, phoneNumber)
			}
			for _, l := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=sendrecv"} {
				if !hasLine(oc.dial.Offer, l) {
					t.Errorf("offer to the trunk lacks %q:\n%s", l, oc.dial.Offer)
				}
			}
			if got := e.st.Claimed()[oc.sid]; got != "gw-test" {
				t.Errorf("call owned by %q in the store, want gw-test", got)
			}
			oc.dial.Progress(180)
			oc.dial.Progress(183) // one ringing is enough
			if jmi {
				e.x.WaitJMI(t, "ringing", alice.String())
				r := e.x.WaitMessage(t, "receipt", func(m bridgetest.Message) bool { return m.ReceiptFor != "" })
				if r.ReceiptFor != jingle.ProposeMessageID(oc.sid) || r.To != alice.String() {
					t.Errorf("receipt for %q to %s, want for %q", r.ReceiptFor, r.To, jingle.ProposeMessageID(oc.sid))
				}
			} else {
				e.x.WaitInfo(t, jingle.InfoRinging, alice.String())
			}
			call := e.answer(t, oc)
			call.HangupByPhone()
			end := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String())
			if end.Reason() != jingle.Success {
				t.Errorf("session-terminate reason %q, want success", end.Reason())
			}
			checkCDR(t, e.st.WaitCDRFor(t, oc.sid), store.CDR{Direction: "outbound", From: aliceNumber, To: phoneNumber,
				JID: "alice@example.org", Reason: "success"}, true)
			if call.HungUp() {
				t.Error("the bridge sent BYE to a phone that hung up")
			}
			var rings int
			for _, m := range e.x.Messages() {
				if m.Kind == "ringing" {
					rings++
				}
			}
			if jmi && rings != 1 {
				t.Errorf("%d <ringing/>, want 1", rings)
			}
			if len(e.st.Claimed()) != 0 {
				t.Errorf("calls still owned after the end: %v", e.st.Claimed())
			}
		})
	}
}

// TestUserEndsCallToPhone: alice's session-terminate hangs up the phone
// (BYE) with her reason in the record; her retract before the answer
// abandons the dial.
func TestUserEndsCallToPhone(t *testing.T) {
	t.Run("hangs up", func(t *testing.T) {
		e := newEnv(t, nil)
		oc := e.callPhone(t, "out-bye", true)
		call := e.answer(t, oc)
		e.jingle(t, alice, phoneJID, terminate(oc.sid, jingle.Success))
		call.WaitHangup(t)
		if r := e.st.WaitCDRFor(t, oc.sid); r.Reason != "success" || r.Answer.IsZero() {
			t.Errorf("call record %+v", r)
		}
		for _, q := range e.x.IQs() {
			if q.Action() == jingle.SessionTerminate {
				t.Errorf("the bridge terminated a session alice ended: %+v", q)
			}
		}
	})
	t.Run("retracts while ringing", func(t *testing.T) {
		e := newEnv(t, nil)
		oc := e.callPhone(t, "out-retract", true)
		oc.dial.Progress(180)
		e.jmi(alice, phoneJID, &jingle.Retract{ID: oc.sid, Reason: jingle.NewReason(jingle.Cancel, "")})
		select {
		case <-oc.dial.Cancelled():
		case <-timeout():
			t.Fatal("the dial was not abandoned")
		}
		if r := e.st.WaitCDRFor(t, oc.sid); r.Reason != "cancel" || !r.Answer.IsZero() {
			t.Errorf("call record %+v", r)
		}
		for _, m := range e.x.Messages() {
			if m.Kind == "reject" {
				t.Errorf("alice was sent a reject for her own retract: %s", m.Raw)
			}
		}
	})
}

// TestCallPhoneRefused: calls the bridge cannot place are refused with a
// reason and a text, and never dialled.
func TestCallPhoneRefused(t *testing.T) {
	t.Run("no number", func(t *testing.T) {
		e := newEnv(t, nil, bobOwner)
		e.jmi(alice, phoneJID, jingle.NewAudioPropose("out-nonumber"))
		m := e.x.WaitJMI(t, "reject", alice.String())
		if m.Reason() != jingle.GeneralError || !strings.Contains(m.Raw, "no phone number") {
			t.Errorf("reject: %s", m.Raw)
		}
		if n := e.d.Dials(); n != 0 {
			t.Errorf("%d dials for a user without a number", n)
		}
	})
	t.Run("video", func(t *testing.T) {
		e := newEnv(t, nil)
		p := jingle.NewAudioPropose("out-video")
		p.Descriptions = append(p.Descriptions, jingle.RTPDescription{Media: "video"})
		e.jmi(alice, phoneJID, p)
		if m := e.x.WaitJMI(t, "reject", alice.String()); m.Reason() != jingle.UnsupportedApplications {
			t.Errorf("reject: %s", m.Raw)
		}
	})
	t.Run("not a number", func(t *testing.T) {
		e := newEnv(t, nil)
		c := bridgetest.NewClient(t, e.rtc)
		se := e.b.Jingle(t.Context(), alice, jid.MustParse("pizza@"+domain), c.Offer(t, "out-pizza"))
		if se == nil || se.Condition != "jid-malformed" {
			t.Errorf("error %v, want jid-malformed", se)
		}
	})
	t.Run("opus only", func(t *testing.T) {
		e := newEnv(t, nil)
		c := bridgetest.NewClient(t, e.rtc)
		offer := c.Offer(t, "out-opus")
		bridgetest.OnlyCodec(offer, jingle.PayloadType{ID: 111, Name: "opus", ClockRate: 48000, Channels: 2})
		e.jingle(t, alice, phoneJID, offer)
		end := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String())
		if end.Reason() != jingle.IncompatibleParameters || !strings.Contains(end.Jingle.Reason.Text, "G.711") {
			t.Errorf("session-terminate: %s", end.Raw)
		}
		if r := e.st.WaitCDRFor(t, "out-opus"); r.Reason != "incompatible-parameters" {
			t.Errorf("call record %+v", r)
		}
		if n := e.d.Dials(); n != 0 {
			t.Errorf("%d dials for a call that cannot carry audio", n)
		}
	})
}
