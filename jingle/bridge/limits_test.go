package bridge_test

import (
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

var (
	attacker = netip.MustParseAddr("192.0.2.66")
	trunkIP  = netip.MustParseAddr("192.0.2.10")
)

// ringFrom hands the bridge a call from src to the number to.
func (e *env) ringFrom(src netip.Addr, to string) (*bridgetest.Incoming, <-chan struct{}) {
	in := bridgetest.NewIncoming(phoneNumber, to, bridgetest.PhoneSDP("sendrecv"))
	in.Src = src
	return in, e.ring(in)
}

// ringFromN hands the bridge a call from src to the number to and waits
// until n calls have been proposed in all.
func (e *env) ringFromN(t *testing.T, src netip.Addr, to string, n int) *bridgetest.Incoming {
	t.Helper()
	in, _ := e.ringFrom(src, to)
	waitFor(t, "the call's proposal", func() bool { return proposals(e) >= n })
	return in
}

func proposals(e *env) int {
	n := 0
	for _, m := range e.x.Messages() {
		if m.Kind == "propose" {
			n++
		}
	}
	return n
}

// busy checks that a call was refused at once with 486 and never rang.
func busy(t *testing.T, in *bridgetest.Incoming, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-timeout():
		t.Fatal("a call over a limit was not refused")
	}
	if fs := in.Finals(); len(fs) != 1 || fs[0].Code != 486 {
		t.Errorf("responses %+v, want one 486", fs)
	}
}

// TestInboundLimits: calls from phones over a limit — at once from one
// address, at once to one number, at once in total, or more new calls a
// minute from one address — are refused with 486 before anything rings;
// an ended call gives its place back. Before the limits, every one of a
// flood's calls rang the user.
func TestInboundLimits(t *testing.T) {
	t.Run("per source", func(t *testing.T) {
		e := newEnv(t, func(s *bridge.Settings) { s.MaxCallsPerSource = 2 })
		in1 := e.ringFromN(t, attacker, bobNumber, 1)
		e.ringFromN(t, attacker, aliceNumber, 2)
		in3, done3 := e.ringFrom(attacker, bobNumber)
		busy(t, in3, done3)
		e.ringFromN(t, trunkIP, bobNumber, 3) // another address is not held back
		in1.Cancel()
		e.st.WaitCDR(t)
		e.ringFromN(t, attacker, bobNumber, 4) // the ended call's place
	})
	t.Run("per number", func(t *testing.T) {
		e := newEnv(t, func(s *bridge.Settings) { s.MaxCallsPerNumber = 2 })
		e.ringFromN(t, attacker, bobNumber, 1)
		e.ringFromN(t, trunkIP, bobNumber, 2)
		in, done := e.ringFrom(netip.MustParseAddr("192.0.2.77"), bobNumber)
		busy(t, in, done)
		e.ringFromN(t, attacker, aliceNumber, 3) // another number is not held back
	})
	t.Run("total", func(t *testing.T) {
		e := newEnv(t, func(s *bridge.Settings) { s.MaxCalls = 2 })
		e.ringFromN(t, attacker, bobNumber, 1)
		e.ringFromN(t, trunkIP, aliceNumber, 2)
		in, done := e.ringFrom(netip.MustParseAddr("192.0.2.77"), bobNumber)
		busy(t, in, done)
		// Users' calls share the total.
		c := bridgetest.NewClient(t, e.rtc)
		se := e.b.Jingle(t.Context(), alice, phoneJID, c.Offer(t, "out-full"))
		if se == nil || se.Condition != "resource-constraint" || !strings.Contains(se.Text["en"], "max_calls") {
			t.Errorf("error %v, want resource-constraint naming max_calls", se)
		}
	})
	t.Run("rate per source", func(t *testing.T) {
		e := newEnv(t, func(s *bridge.Settings) { s.CallsPerMinutePerSource = 3 })
		now := time.Unix(1_800_000_000, 0)
		var mu sync.Mutex
		bridge.SetClock(e.b, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		// Calls to a number nobody owns end at once (404): only the rate
		// can refuse them.
		call := func(src netip.Addr) int {
			in, done := e.ringFrom(src, "+12015550199")
			<-done
			return in.Finals()[0].Code
		}
		for i := range 3 {
			if code := call(attacker); code != 404 {
				t.Fatalf("call %d: %d, want 404", i+1, code)
			}
		}
		if code := call(attacker); code != 486 {
			t.Errorf("fourth call in the minute: %d, want 486", code)
		}
		if code := call(trunkIP); code != 404 {
			t.Errorf("another address: %d, want 404", code)
		}
		mu.Lock()
		now = now.Add(20 * time.Second) // 3 a minute: one call's worth
		mu.Unlock()
		if code := call(attacker); code != 404 {
			t.Errorf("20 s later: %d, want 404", code)
		}
		if code := call(attacker); code != 486 {
			t.Errorf("right after: %d, want 486", code)
		}
	})
}

// waitFor polls cond until it holds or the fakes' timeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bridgetest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, bridgetest.Timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOutboundPerUser: a user's calls to phones are capped; the one over
// the cap gets an error naming the limit (a stanza error for a bare
// session-initiate, a JMI reject's text for a proposal) and is not
// dialled. Other users are not held back, and an ended call frees a place.
func TestOutboundPerUser(t *testing.T) {
	e := newEnv(t, func(s *bridge.Settings) { s.MaxCallsPerUser = 2 }, aliceOwner, bobOwner)
	first := e.callPhone(t, "out-1", true)
	e.callPhone(t, "out-2", false)
	c := bridgetest.NewClient(t, e.rtc)
	se := e.b.Jingle(t.Context(), alice, phoneJID, c.Offer(t, "out-3"))
	if se == nil || se.Condition != "resource-constraint" || se.Type != "wait" || !strings.Contains(se.Text["en"], "max_calls_per_user") {
		t.Errorf("error %v, want wait resource-constraint naming max_calls_per_user", se)
	}
	e.jmi(alice, phoneJID, jingle.NewAudioPropose("out-4"))
	if m := e.x.WaitJMI(t, "reject", alice.String()); m.JMI.SessionID() != "out-4" || !strings.Contains(m.Raw, "max_calls_per_user") {
		t.Errorf("reject: %s", m.Raw)
	}
	if n := e.d.Dials(); n != 2 {
		t.Errorf("%d dials, want 2", n)
	}
	// bob has his own allowance.
	e.jmi(bobPhone, phoneJID, jingle.NewAudioPropose("out-bob"))
	e.d.Next(t)
	first.dial.Reject(486, "Busy Here")
	e.st.WaitCDRFor(t, "out-1")
	e.callPhone(t, "out-5", true)
}

// TestRefusalsLogged: a flood over a limit logs one line a minute with the
// count, not one per call.
func TestRefusalsLogged(t *testing.T) {
	var logs syncbuf.Buffer
	e := newEnv(t, func(s *bridge.Settings) {
		s.MaxCallsPerNumber = 1
		s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.ringFromN(t, trunkIP, bobNumber, 1)
	for range 20 {
		in, done := e.ringFrom(trunkIP, bobNumber)
		busy(t, in, done)
	}
	if n := strings.Count(logs.String(), "calls refused over a limit"); n != 1 {
		t.Errorf("%d log lines for 20 refusals, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), bobNumber) {
		t.Errorf("a full number in the logs:\n%s", logs.String())
	}
}

// TestVoicemailLimits: a number's voicemail takes at most voicemail_per_hour
// calls (whether or not the caller spoke), and all recordings together at
// most voicemail_budget bytes, the longest possible recording reserved
// while it is made. A call over either is refused as without voicemail
// (480) and the owner gets the missed-call notice. Before the caps every
// call of a flood was recorded.
func TestVoicemailLimits(t *testing.T) {
	vm := func(more func(*bridge.Settings)) func(*bridge.Settings) {
		return func(s *bridge.Settings) {
			s.Voicemail, s.MediaURL = true, "https://sms.example.org"
			s.Greeting = make([]int16, 160)
			s.RingTimeout = 50 * time.Millisecond
			s.VoicemailMax = time.Second
			more(s)
		}
	}
	// unanswered rings bob until the bridge gives up on his clients.
	unanswered := func(e *env, src netip.Addr) *bridgetest.Incoming {
		in, _ := e.ringFrom(src, bobNumber)
		return in
	}
	missedNotices := func(e *env) int {
		n := 0
		for _, m := range e.x.Messages() {
			if strings.Contains(m.Raw, "Missed call from") {
				n++
			}
		}
		return n
	}
	t.Run("per hour", func(t *testing.T) {
		e := newEnv(t, vm(func(s *bridge.Settings) { s.VoicemailPerHour = 2 }))
		for i := range 2 {
			in := unanswered(e, trunkIP)
			call, _ := in.WaitAnswer(t)
			call.HangupByPhone() // no message: it counts all the same
			waitFor(t, "the call's record", func() bool { return len(e.st.CDRs()) > i })
		}
		in := unanswered(e, trunkIP)
		if f := in.WaitFinal(t); f.Code != 480 {
			t.Errorf("third call: %+v, want 480", f)
		}
		e.x.WaitMessage(t, "missed call notice", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "Missed call from") })
		if n := missedNotices(e); n != 1 {
			t.Errorf("%d missed call notices, want 1", n)
		}
		// Another number has its own hour.
		in2, _ := e.ringFrom(trunkIP, aliceNumber)
		in2.WaitAnswer(t)
	})
	t.Run("budget", func(t *testing.T) {
		// Room for one longest recording (1 s) and no more.
		e := newEnv(t, vm(func(s *bridge.Settings) { s.VoicemailBudget = 2*8000*2 + 44 }))
		first := unanswered(e, trunkIP)
		call, _ := first.WaitAnswer(t) // recording: its reservation holds the budget
		in := unanswered(e, trunkIP)
		if f := in.WaitFinal(t); f.Code != 480 {
			t.Errorf("call while the budget is reserved: %+v, want 480", f)
		}
		e.x.WaitMessage(t, "missed call notice", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "Missed call from") })
		call.HangupByPhone() // no message: the reservation is given back
		waitFor(t, "the reservation given back", func() bool { return e.st.VoicemailBytes(time.Now()) == 0 })
		again := unanswered(e, trunkIP)
		again.WaitAnswer(t)
	})
}
