package bridge_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// perSecond is 0.60 a minute: a cent a second, in 6/6 increments.
var perSecond = billing.Price{Unit: 60, Per: 60, First: 6, Next: 6}

// newMeteredEnv is newEnv with calls priced by m on clock, a minute at
// a time.
func newMeteredEnv(t *testing.T, m *bridgetest.Meter, clock *bridgetest.Clock, bindings ...store.Binding) *env {
	t.Helper()
	return newEnv(t, func(s *bridge.Settings) {
		s.Meter, s.Clock, s.BillingStep = m, clock, time.Minute
	}, bindings...)
}

// billingNotice waits for the gateway's billing notice to bob and checks
// that it says each of want.
func billingNotice(t *testing.T, e *env, want ...string) {
	t.Helper()
	n := e.x.WaitMessage(t, "notice", func(m bridgetest.Message) bool { return m.From == domain })
	if n.To != bobBare {
		t.Errorf("notice to %s, want %s", n.To, bobBare)
	}
	for _, w := range want {
		if !strings.Contains(n.Raw, w) {
			t.Errorf("notice %s lacks %q", n.Raw, w)
		}
	}
}

// TestCallRefusedByBilling: without credit alice's call is never
// dialled; she gets a JMI <reject/> (or an error to her bare
// session-initiate) that says why.
func TestCallRefusedByBilling(t *testing.T) {
	t.Run("jmi", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond}
		e := newMeteredEnv(t, m, bridgetest.NewClock())
		e.jmi(alice, phoneJID, jingle.NewAudioPropose("out-broke"))
		r := e.x.WaitJMI(t, "reject", alice.String())
		if !strings.Contains(r.Raw, "balance") || !strings.Contains(r.Raw, "not placed") {
			t.Errorf("the reject should say the balance does not cover the call: %s", r.Raw)
		}
		if n := e.d.Dials(); n != 0 {
			t.Errorf("%d dials without credit", n)
		}
		ev := m.Events()
		if len(ev) != 1 || ev[0].Op != "reserve" || ev[0].Event.Quantity != 60 || ev[0].Event.Kind != billing.Call ||
			ev[0].Event.Account != "alice@example.org" || ev[0].Event.ID != "out-broke" || ev[0].Event.Remote != phoneNumber {
			t.Errorf("meter saw %+v, want one reserve of 60 s for alice's call to %s", ev, phoneNumber)
		}
	})
	t.Run("bare", func(t *testing.T) {
		e := newMeteredEnv(t, &bridgetest.Meter{Price: perSecond}, bridgetest.NewClock())
		c := bridgetest.NewClient(t, e.rtc)
		se := e.b.Jingle(t.Context(), alice, phoneJID, c.Offer(t, "out-broke-bare"))
		if se == nil || se.Condition != "policy-violation" || !strings.Contains(se.Text["en"], "balance") {
			t.Errorf("error %+v, want policy-violation naming the balance", se)
		}
		if n := e.d.Dials(); n != 0 {
			t.Errorf("%d dials without credit", n)
		}
	})
}

// TestCallRunsOutOfCredit: alice's balance covers one step. The
// extension before it runs out is refused; when it runs out the phone
// gets BYE, alice a session-terminate <expired/> and a notice from the
// gateway, and the minute is charged.
func TestCallRunsOutOfCredit(t *testing.T) {
	m := &bridgetest.Meter{Price: perSecond, Seconds: 60}
	clock := bridgetest.NewClock()
	e := newMeteredEnv(t, m, clock)
	oc := e.callPhone(t, "out-credit", true)
	call := e.answer(t, oc)
	clock.WaitTimer(t, 50*time.Second) // the extension, 10 s before the step ends
	clock.Advance(50 * time.Second)
	clock.WaitTimer(t, 10*time.Second) // the end of what was reserved
	if call.HungUp() {
		t.Fatal("the call ended before its credit ran out")
	}
	clock.Advance(10 * time.Second)
	call.WaitHangup(t)
	end := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String())
	if end.Reason() != jingle.Expired {
		t.Errorf("session-terminate %s, want <expired/>", end.Raw)
	}
	n := e.x.WaitMessage(t, "notice", func(m bridgetest.Message) bool { return m.From == domain })
	if n.To != "alice@example.org" || !strings.Contains(n.Raw, "Your call ended: your balance ran out") {
		t.Errorf("notice %s", n.Raw)
	}
	s := m.WaitSettled(t)
	if s.Op != "settle" || s.Event.Quantity != 60 || s.Amount != 60 {
		t.Errorf("settled %+v, want 60 s for 0.60", s)
	}
	var extends int
	for _, ev := range m.Events() {
		if ev.Op == "extend" {
			extends++
			if ev.Allowed || ev.Event.Quantity != 120 {
				t.Errorf("extension %+v, want a refused one to 120 s", ev)
			}
		}
	}
	if extends != 1 {
		t.Errorf("%d extensions, want 1", extends)
	}
}

// TestCallCharges: the talk time, answer to hangup, is settled and rated
// by the increments; the credit is extended a step at a time while the
// call goes on; a call never answered gives its hold back.
func TestCallCharges(t *testing.T) {
	for _, tt := range []struct {
		name    string
		inc     billing.Increment
		talk    time.Duration
		billed  int64 // seconds the increments make of talk
		extends int
	}{
		{"6/6 5s", billing.Increment{First: 6, Next: 6}, 5 * time.Second, 6, 0},
		{"6/6 61s", billing.Increment{First: 6, Next: 6}, 61 * time.Second, 66, 1},
		{"6/6 125.2s", billing.Increment{First: 6, Next: 6}, 125*time.Second + 200*time.Millisecond, 126, 2},
		{"60/60 5s", billing.Increment{First: 60, Next: 60}, 5 * time.Second, 60, 0},
		{"60/60 61s", billing.Increment{First: 60, Next: 60}, 61 * time.Second, 120, 1},
		{"60/60 125s", billing.Increment{First: 60, Next: 60}, 125 * time.Second, 180, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := perSecond
			p.First, p.Next = tt.inc.First, tt.inc.Next
			m := &bridgetest.Meter{Price: p, Seconds: 3600}
			clock := bridgetest.NewClock()
			e := newMeteredEnv(t, m, clock)
			oc := e.callPhone(t, "out-charge", true)
			call := e.answer(t, oc)
			clock.WaitTimer(t, time.Minute)
			clock.Advance(tt.talk)
			clock.WaitTimer(t, time.Minute) // the meter caught up
			call.HangupByPhone()
			s := m.WaitSettled(t)
			want := (tt.talk + time.Second - 1) / time.Second
			if s.Op != "settle" || s.Event.Quantity != int64(want) {
				t.Errorf("settled %+v, want %d s", s, want)
			}
			if s.Amount != tt.billed {
				t.Errorf("charged %d cents, want %d (%d s billed at a cent a second)", s.Amount, tt.billed, tt.billed)
			}
			var extends []int64
			for _, ev := range m.Events() {
				if ev.Op == "extend" {
					extends = append(extends, ev.Event.Quantity)
				}
			}
			if len(extends) != tt.extends {
				t.Errorf("extensions to %v, want %d", extends, tt.extends)
			}
			for i, q := range extends {
				if q != int64(60*(i+2)) {
					t.Errorf("extension %d to %d s, want %d", i, q, 60*(i+2))
				}
			}
		})
	}
	t.Run("unanswered", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond, Seconds: 3600}
		e := newMeteredEnv(t, m, bridgetest.NewClock())
		oc := e.callPhone(t, "out-busy", true)
		oc.dial.Reject(486, "Busy Here")
		if s := m.WaitSettled(t); s.Op != "release" || s.Event.ID != "out-busy" {
			t.Errorf("an unanswered call: %+v, want its hold released", s)
		}
	})
}

// TestIncomingCallBilling: a call from a phone is metered only where the
// rates price inbound calls; an owner who cannot pay is not rung, and is
// told.
func TestIncomingCallBilling(t *testing.T) {
	t.Run("free", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond}
		e := newMeteredEnv(t, m, bridgetest.NewClock())
		ic := e.callBob(t)
		call := e.take(t, ic, bobPhone)
		call.HangupByPhone()
		ic.waitDone(t)
		if ev := m.Events(); len(ev) != 0 {
			t.Errorf("a free inbound call was metered: %+v", ev)
		}
	})
	t.Run("priced", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond, Seconds: 3600, Inbound: true}
		clock := bridgetest.NewClock()
		e := newMeteredEnv(t, m, clock)
		ic := e.callBob(t)
		call := e.take(t, ic, bobPhone)
		clock.WaitTimer(t, time.Minute)
		clock.Advance(7 * time.Second)
		call.HangupByPhone()
		s := m.WaitSettled(t)
		if s.Op != "settle" || s.Event.Kind != billing.CallIn || s.Event.Account != bobBare || s.Event.Remote != phoneNumber || s.Event.Quantity != 7 || s.Amount != 12 {
			t.Errorf("settled %+v, want bob's 7 s from %s billed as 12", s, phoneNumber)
		}
		ic.waitDone(t)
	})
	t.Run("owner cannot pay", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond, Inbound: true}
		e := newMeteredEnv(t, m, bridgetest.NewClock())
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		ic := &inCall{in: in, done: e.ring(in)}
		ic.onlyFinal(t, 480)
		billingNotice(t, e, "not put through", "balance")
		for _, msg := range e.x.Messages() {
			if msg.Kind == "propose" {
				t.Errorf("bob was rung for a call he cannot pay for: %s", msg.Raw)
			}
		}
	})
}

// TestForwardedCallBilling: a forwarded call is the owner's to pay: the
// leg to the target as a call to it (a SIP address is free), and the
// caller's leg where inbound calls are priced, each reserved before the
// target is dialled, extended together, and settled for the same talk
// time. An owner who cannot pay has the caller refused and is told.
func TestForwardedCallBilling(t *testing.T) {
	const target = "+15559876543"
	tests := []struct {
		name    string
		target  string
		inbound bool
		talk    time.Duration
		want    []billing.Kind // settled, in any order
	}{
		{"to a number", target, false, 7 * time.Second, []billing.Kind{billing.Call}},
		{"to a number, inbound priced", target, true, 7 * time.Second, []billing.Kind{billing.Call, billing.CallIn}},
		{"over a step", target, true, 61 * time.Second, []billing.Kind{billing.Call, billing.CallIn}},
		{"to a SIP URI", "sip:desk@pbx.example.net", false, 7 * time.Second, nil},
		{"to a SIP URI, inbound priced", "sip:desk@pbx.example.net", true, 7 * time.Second, []billing.Kind{billing.CallIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &bridgetest.Meter{Price: perSecond, Seconds: 3600, Inbound: tt.inbound}
			clock := bridgetest.NewClock()
			e := newMeteredEnv(t, m, clock, store.Binding{Number: bobNumber, JID: bobBare, Forward: tt.target})
			in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
			ic := &inCall{in: in, done: e.ring(in)}
			dl := e.d.Next(t)
			if len(tt.want) > 0 && len(m.Events()) != len(tt.want) {
				t.Errorf("dialled with %d holds, want %d: %+v", len(m.Events()), len(tt.want), m.Events())
			}
			target := dl.Answer(bridgetest.PhoneSDP("sendrecv"))
			caller, _ := in.WaitAnswer(t)
			if len(tt.want) > 0 {
				clock.WaitTimer(t, time.Minute)
			}
			clock.Advance(tt.talk)
			if tt.talk > time.Minute {
				clock.WaitTimer(t, time.Minute) // the meter extended both
			}
			caller.HangupByPhone()
			target.WaitHangup(t)
			ic.waitDone(t)
			e.st.WaitCDR(t)
			var settled []billing.Kind
			ids := map[string]bool{}
			for range tt.want {
				s := m.WaitSettled(t)
				settled = append(settled, s.Event.Kind)
				ids[s.Event.ID] = true
				wantRemote := phoneNumber
				if s.Event.Kind == billing.Call {
					wantRemote = tt.target
				}
				secs := int64((tt.talk + time.Second - 1) / time.Second)
				if s.Op != "settle" || s.Event.Account != bobBare || s.Event.Remote != wantRemote || s.Event.Quantity != secs {
					t.Errorf("settled %+v, want bob's %d s with %s", s, secs, wantRemote)
				}
			}
			if len(ids) != len(tt.want) {
				t.Errorf("the legs share a ledger id: %v", ids)
			}
			want := slices.Clone(tt.want)
			slices.Sort(settled)
			slices.Sort(want)
			if !slices.Equal(settled, want) {
				t.Errorf("settled %v, want %v", settled, want)
			}
			var extends int
			for _, ev := range m.Events() {
				if ev.Op == "extend" {
					extends++
				}
			}
			if want := len(tt.want) * int(tt.talk/time.Minute); extends != want {
				t.Errorf("%d extensions, want %d (each leg's)", extends, want)
			}
		})
	}
	t.Run("owner cannot pay", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond}
		e := newMeteredEnv(t, m, bridgetest.NewClock(), store.Binding{Number: bobNumber, JID: bobBare, Forward: target})
		in := bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))
		ic := &inCall{in: in, done: e.ring(in)}
		ic.onlyFinal(t, 480)
		billingNotice(t, e, "could not be forwarded to +1 555-987-6543", "balance")
		if d := e.d.Dials(); d != 0 {
			t.Errorf("dialled the target %d times", d)
		}
	})
}

// TestVoicemailBilling: a call voicemail takes is an answered inbound
// call: where inbound calls are priced, the owner pays for the message's
// seconds, from the greeting to the caller's hangup.
func TestVoicemailBilling(t *testing.T) {
	m := &bridgetest.Meter{Price: perSecond, Seconds: 3600, Inbound: true}
	clock := bridgetest.NewClock()
	e := newEnv(t, func(s *bridge.Settings) {
		s.Meter, s.Clock, s.BillingStep = m, clock, time.Minute
		s.RingTimeout = 50 * time.Millisecond
		s.Voicemail, s.MediaURL = true, "https://sms.example.org"
		s.Greeting = make([]int16, 160)
	})
	phone := bridgetest.NewRTPPhone(t)
	in := bridgetest.NewIncoming(phoneNumber, bobNumber, phone.SDP("sendrecv"))
	ic := &inCall{in: in, done: e.ring(in)}
	call, _ := in.WaitAnswer(t)
	clock.WaitTimer(t, time.Minute)
	clock.Advance(9 * time.Second)
	call.HangupByPhone()
	ic.waitDone(t)
	s := m.WaitSettled(t)
	if s.Op != "settle" || s.Event.Kind != billing.CallIn || s.Event.Account != bobBare || s.Event.Quantity != 9 {
		t.Errorf("settled %+v, want bob's 9 s of voicemail as an inbound call", s)
	}
}

// TestOrphanedCallCharged: a metered call leaves its record and ledger
// events in the store once answered, and takes them away when it ends.
// When its instance dies instead, the instance that finds it orphaned
// charges its talk time until the dead instance was last alive (OwnerTTL
// before the orphan was found) and records it with its answer time.
func TestOrphanedCallCharged(t *testing.T) {
	t.Run("kept while it runs", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond, Seconds: 3600}
		e := newMeteredEnv(t, m, bridgetest.NewClock())
		oc := e.callPhone(t, "out-kept", true)
		call := e.answer(t, oc)
		a, ok := e.st.Answered()["out-kept"]
		if !ok || a.CDR.Answer.IsZero() || a.CDR.JID != "alice@example.org" || !strings.Contains(string(a.Meter), `"ID":"out-kept"`) {
			t.Fatalf("answered record %+v (%s)", a, a.Meter)
		}
		call.HangupByPhone()
		m.WaitSettled(t)
		e.st.WaitCDRFor(t, "out-kept")
		if _, ok := e.st.Answered()["out-kept"]; ok {
			t.Error("the answered record outlived the call")
		}
	})
	t.Run("charged by the survivor", func(t *testing.T) {
		m := &bridgetest.Meter{Price: perSecond, Seconds: 3600, Inbound: true}
		const ttl = 150 * time.Millisecond
		e := newEnv(t, func(s *bridge.Settings) { s.Meter, s.OwnerTTL = m, ttl })
		answer := time.Now().Add(-42*time.Second - ttl)
		ev := billing.Event{Account: bobBare, ID: "dead-call", Kind: billing.CallIn, Remote: phoneNumber, Quantity: 60}
		meter, err := json.Marshal(map[string]any{"events": []billing.Event{ev}})
		if err != nil {
			t.Fatal(err)
		}
		rec := store.CDR{ID: "dead-call", Direction: "inbound", From: phoneNumber, To: bobNumber, JID: bobBare, Start: answer.Add(-time.Second), Answer: answer}
		if err := e.st.CallAnswered(t.Context(), rec, meter, time.Hour); err != nil {
			t.Fatal(err)
		}
		e.st.SetOrphans("dead-call")
		r := e.st.WaitCDRFor(t, "dead-call")
		s := m.WaitSettled(t)
		if s.Op != "settle" || s.Event.ID != "dead-call" || s.Event.Kind != billing.CallIn || s.Event.Account != bobBare {
			t.Fatalf("settled %+v", s)
		}
		// Found within a sweep (OwnerTTL/3) of 42 s after the answer.
		if s.Event.Quantity < 42 || s.Event.Quantity > 43 {
			t.Errorf("charged %d s, want 42 (until the instance was last alive)", s.Event.Quantity)
		}
		if r.Reason != "owner-lost" || !r.Answer.Equal(answer) || r.From != phoneNumber || r.JID != bobBare || r.Duration() < 42*time.Second {
			t.Errorf("call record %+v", r)
		}
	})
}
