package bridge_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// inCDR is the record of a call from phoneNumber to bob ending with reason.
func inCDR(reason jingle.Condition) store.CDR {
	return store.CDR{Direction: "inbound", From: phoneNumber, To: bobNumber, JID: bobBare, Reason: string(reason)}
}

// TestUserRefusesCall: bob's refusal reaches the caller as the mapped SIP
// status, whether he rejects the proposal (JMI) or terminates the session
// the gateway offered before accepting it; the record has his reason.
func TestUserRefusesCall(t *testing.T) {
	t.Run("reject", func(t *testing.T) {
		for _, tt := range []struct {
			reason jingle.Condition // "" is a <reject/> without reason
			code   int
			record jingle.Condition
		}{
			{jingle.Decline, 603, jingle.Decline},
			{jingle.Busy, 486, jingle.Busy},
			{jingle.Timeout, 480, jingle.Timeout},
			{jingle.Cancel, 487, jingle.Cancel},
			{jingle.GeneralError, 500, jingle.GeneralError},
			{"", 603, jingle.Decline},
		} {
			name := string(tt.reason)
			if name == "" {
				name = "no reason"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, nil)
				ic := e.callBob(t)
				rej := &jingle.Reject{ID: ic.sid}
				if tt.reason != "" {
					rej.Reason = jingle.NewReason(tt.reason, "")
				}
				e.jmi(bobPhone, phoneJID, rej)
				checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(tt.record), false)
				ic.onlyFinal(t, tt.code)
				for _, m := range e.x.Messages() {
					if m.Kind == "retract" {
						t.Errorf("the bridge retracted a call bob rejected: %s", m.Raw)
					}
				}
			})
		}
	})
	t.Run("terminate before accept", func(t *testing.T) {
		for _, tt := range []struct {
			reason jingle.Condition
			code   int
		}{
			{jingle.Decline, 603},
			{jingle.Busy, 486},
			{jingle.Cancel, 487},
			{jingle.Timeout, 480},
			{jingle.Success, 487},
			{jingle.GeneralError, 503},
		} {
			t.Run(string(tt.reason), func(t *testing.T) {
				e := newEnv(t, nil)
				ic := e.callBob(t)
				e.jmi(bobPhone, phoneJID, &jingle.Proceed{ID: ic.sid})
				e.x.WaitJingle(t, jingle.SessionInitiate, bobPhone.String())
				e.jingle(t, bobPhone, phoneJID, terminate(ic.sid, tt.reason))
				checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(tt.reason), false)
				ic.onlyFinal(t, tt.code)
			})
		}
	})
}

// TestUserEndsCallFromPhone: once answered, bob's session-terminate is a
// BYE to the phone whatever its reason, and the record keeps the reason.
func TestUserEndsCallFromPhone(t *testing.T) {
	for _, reason := range []jingle.Condition{jingle.Success, jingle.Decline, jingle.Busy, jingle.Cancel, jingle.Timeout, jingle.GeneralError} {
		t.Run(string(reason), func(t *testing.T) {
			e := newEnv(t, nil)
			ic := e.callBob(t)
			call := e.take(t, ic, bobPhone)
			e.jingle(t, bobPhone, phoneJID, terminate(ic.sid, reason))
			call.WaitHangup(t)
			checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(reason), true)
			ic.onlyFinal(t, 200)
		})
	}
}

// TestCallUser: the phone's call is proposed to bob's bare JID from the
// caller's number JID (with a receipt request and a store hint, and the
// message id Conversations expects), the caller hears ringing (180), the
// gateway's session-initiate goes to the resource that proceeded, the
// caller is answered with G.711, and the phone's BYE ends bob's session
// with success.
func TestCallUser(t *testing.T) {
	e := newEnv(t, nil)
	ic := e.callBob(t)
	prop := e.x.WaitJMI(t, "propose", bobBare)
	if prop.From != phoneJID.String() || prop.ID != jingle.ProposeMessageID(ic.sid) || !prop.ReceiptRequest || !prop.StoreHint {
		t.Errorf("proposal: %s", prop.Raw)
	}
	if p := prop.JMI.(*jingle.Propose); len(p.Media()) != 1 || p.Media()[0] != "audio" {
		t.Errorf("proposed media %v, want audio", p.Media())
	}
	ic.in.WaitRinging(t)
	e.jmi(bobPhone, phoneJID, &jingle.Proceed{ID: ic.sid})
	ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobPhone.String())
	if ini.From != phoneJID.String() || ini.Jingle.Initiator != phoneJID.String() || ini.Jingle.SID != ic.sid {
		t.Errorf("session-initiate from %s initiator %s sid %s", ini.From, ini.Jingle.Initiator, ini.Jingle.SID)
	}
	client := bridgetest.NewClient(t, e.rtc)
	e.jingle(t, bobPhone, phoneJID, client.Accept(t, ini.Jingle))
	call, ans := ic.in.WaitAnswer(t)
	call.WaitWatched(t)
	sm, err := bridge.ParsePlainSDP(ans)
	if err != nil {
		t.Fatalf("the answer to the phone: %v\n%s", err, ans)
	}
	if sm.Dir != "sendrecv" || sm.Addr.Port() == 0 || sm.Codecs[0].Name != "PCMU" {
		t.Errorf("answer to the phone: %+v", sm)
	}
	call.HangupByPhone()
	if end := e.x.WaitJingle(t, jingle.SessionTerminate, bobPhone.String()); end.Reason() != jingle.Success {
		t.Errorf("session-terminate: %s", end.Raw)
	}
	checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Success), true)
	ic.onlyFinal(t, 200)
	if call.HungUp() {
		t.Error("the bridge sent BYE to a phone that hung up")
	}
}

// TestRingEveryResource: every resource of bob is rung through his bare
// JID; the first to proceed gets the session, the ones that rang are
// retracted, and the ones that proceed or ring late are too. Nobody else
// gets a session-initiate or may answer it.
func TestRingEveryResource(t *testing.T) {
	bobTablet := jid.MustParse("bob@example.org/tablet")
	bobWatch := jid.MustParse("bob@example.org/watch")
	e := newEnv(t, nil)
	ic := e.callBob(t)
	e.jmi(bobPhone, phoneJID, &jingle.Ringing{ID: ic.sid})
	e.jmi(bobLaptop, phoneJID, &jingle.Ringing{ID: ic.sid})
	e.jmi(bobLaptop, phoneJID, &jingle.Proceed{ID: ic.sid})
	ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobLaptop.String())

	ret := e.x.WaitJMI(t, "retract", bobPhone.String())
	if ret.Reason() != jingle.Cancel || ret.JMI.SessionID() != ic.sid || ret.From != phoneJID.String() {
		t.Errorf("retract to the phone: %s", ret.Raw)
	}
	// A resource that never said it rang and proceeds once the call is
	// taken must be told too, or it waits for a session that never comes.
	e.jmi(bobWatch, phoneJID, &jingle.Proceed{ID: ic.sid})
	if r := e.x.WaitJMI(t, "retract", bobWatch.String()); r.Reason() != jingle.Cancel {
		t.Errorf("retract to the watch: %s", r.Raw)
	}
	e.jmi(bobPhone, phoneJID, &jingle.Proceed{ID: ic.sid}) // too late
	e.jmi(bobTablet, phoneJID, &jingle.Ringing{ID: ic.sid})
	if r := e.x.WaitJMI(t, "retract", bobTablet.String()); r.Reason() != jingle.Cancel {
		t.Errorf("retract to the tablet: %s", r.Raw)
	}

	client := bridgetest.NewClient(t, e.rtc)
	acc := client.Accept(t, ini.Jingle)
	if se := e.b.Jingle(t.Context(), bobPhone, phoneJID, acc); se == nil || se.Condition != "item-not-found" {
		t.Errorf("the phone's session-accept: %v, want item-not-found", se)
	}
	e.jingle(t, bobLaptop, phoneJID, acc)
	call, _ := ic.in.WaitAnswer(t)
	call.WaitWatched(t)

	for _, q := range e.x.IQs() {
		if q.To != bobLaptop.String() {
			t.Errorf("IQ to %s, only the laptop has the session: %s", q.To, q.Raw)
		}
	}
	for _, m := range e.x.Messages() {
		if m.To == bobLaptop.String() {
			t.Errorf("JMI to the laptop that took the call: %s", m.Raw)
		}
	}
	e.jingle(t, bobLaptop, phoneJID, terminate(ic.sid, jingle.Success))
	call.WaitHangup(t)
	checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Success), true)
}

// TestCallerGivesUp: the caller's CANCEL while bob's devices ring
// retracts the proposal with cancel; the trunk answers the CANCEL itself,
// so the bridge sends no final response.
func TestCallerGivesUp(t *testing.T) {
	e := newEnv(t, nil)
	ic := e.callBob(t)
	ic.in.WaitRinging(t)
	ic.in.Cancel()
	ret := e.x.WaitJMI(t, "retract", bobBare)
	if ret.Reason() != jingle.Cancel || ret.JMI.SessionID() != ic.sid {
		t.Errorf("retract: %s", ret.Raw)
	}
	checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Cancel), false)
	ic.waitDone(t)
	if fs := ic.in.Finals(); len(fs) != 0 {
		t.Errorf("final responses to a cancelled call: %+v", fs)
	}
}

// TestRingTimeout: nobody answering within the ring timeout gives the
// caller 480 and bob's devices a retract with timeout; a resource that
// proceeds but never accepts the session gets session-terminate timeout.
func TestRingTimeout(t *testing.T) {
	short := func(s *bridge.Settings) { s.RingTimeout = 50 * time.Millisecond }
	t.Run("nobody answers", func(t *testing.T) {
		e := newEnv(t, short)
		ic := e.callBob(t)
		ret := e.x.WaitJMI(t, "retract", bobBare)
		if ret.Reason() != jingle.Timeout {
			t.Errorf("retract: %s", ret.Raw)
		}
		checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Timeout), false)
		ic.onlyFinal(t, 480)
	})
	t.Run("session never accepted", func(t *testing.T) {
		e := newEnv(t, short)
		ic := e.callBob(t)
		e.jmi(bobPhone, phoneJID, &jingle.Proceed{ID: ic.sid})
		e.x.WaitJingle(t, jingle.SessionInitiate, bobPhone.String())
		if end := e.x.WaitJingle(t, jingle.SessionTerminate, bobPhone.String()); end.Reason() != jingle.Timeout {
			t.Errorf("session-terminate: %s", end.Raw)
		}
		checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Timeout), false)
		ic.onlyFinal(t, 480)
	})
}

// TestCallUserRefused: calls the bridge cannot put through are refused
// with the right status before anyone is rung.
func TestCallUserRefused(t *testing.T) {
	for _, tt := range []struct {
		name   string
		to     string
		offer  []byte
		lookup error
		code   int
	}{
		{name: "nobody's number", to: "+12015550199", code: 404},
		{name: "not a number", to: "pizza", code: 404},
		{name: "store down", to: bobNumber, lookup: errors.New("redis: connection refused"), code: 503},
		{name: "no G.711", to: bobNumber, offer: []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n"), code: 488},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.st.FailLookups(tt.lookup)
			offer := tt.offer
			if offer == nil {
				offer = bridgetest.PhoneSDP("sendrecv")
			}
			in := bridgetest.NewIncoming(phoneNumber, tt.to, offer)
			ic := &inCall{in: in, done: e.ring(in)}
			ic.onlyFinal(t, tt.code)
			if ms := e.x.Messages(); len(ms) != 0 {
				t.Errorf("messages for a refused call: %+v", ms)
			}
			if rs := e.st.CDRs(); len(rs) != 0 {
				t.Errorf("records of a call that never started: %+v", rs)
			}
		})
	}
}

// TestAnonymousCaller: a caller whose user part is not a number rings bob
// from anonymous@ the gateway, and the record keeps what it was.
func TestAnonymousCaller(t *testing.T) {
	e := newEnv(t, nil)
	in := bridgetest.NewIncoming("restricted", bobNumber, bridgetest.PhoneSDP("sendrecv"))
	done := e.ring(in)
	prop := e.x.WaitJMI(t, "propose", bobBare)
	if prop.From != "anonymous@"+domain {
		t.Errorf("proposal from %s, want anonymous@%s", prop.From, domain)
	}
	in.Cancel()
	r := e.st.WaitCDRFor(t, prop.JMI.SessionID())
	if r.From != "restricted" || r.Reason != "cancel" {
		t.Errorf("call record %+v", r)
	}
	<-done
	if !strings.HasPrefix(prop.ID, "jm-propose-") {
		t.Errorf("proposal id %q", prop.ID)
	}
}

// TestUserHangsUpWhileAnswering: bob's session-terminate that arrives
// while the bridge answers the phone (its 200 waiting for the ACK) still
// hangs the phone up. The call had no phone leg when it ended, so the
// bridge used to keep the answered leg open with nobody on the other end.
func TestUserHangsUpWhileAnswering(t *testing.T) {
	e := newEnv(t, nil)
	ic := e.callBob(t)
	ic.in.Answering = func() {
		if se := e.b.Jingle(t.Context(), bobPhone, phoneJID, terminate(ic.sid, jingle.Success)); se != nil {
			t.Errorf("session-terminate refused: %v", se)
		}
		// The call ends (records itself) before the answer returns.
		for deadline := time.Now().Add(bridgetest.Timeout); len(e.st.CDRs()) == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	call := e.accept(t, ic, bobPhone)
	call.WaitHangup(t)
	checkCDR(t, e.st.WaitCDRFor(t, ic.sid), inCDR(jingle.Success), false)
	ic.waitDone(t)
}
