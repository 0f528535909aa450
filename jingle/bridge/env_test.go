package bridge_test

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

const (
	domain      = "sms.example.org"
	aliceNumber = "+12015550100" // alice@example.org's number
	bobNumber   = "+12015550111" // bob@example.org's number
	phoneNumber = "+15551234567" // a phone out on the network
)

var (
	alice      = jid.MustParse("alice@example.org/phone")
	phoneJID   = jid.MustParse(phoneNumber + "@" + domain)
	bobBare    = "bob@example.org"
	bobPhone   = jid.MustParse("bob@example.org/phone")
	bobLaptop  = jid.MustParse("bob@example.org/laptop")
	aliceOwner = store.Binding{Number: aliceNumber, JID: "alice@example.org"}
	bobOwner   = store.Binding{Number: bobNumber, JID: bobBare}
)

// env is a Bridge wired to fakes, running until the test ends.
type env struct {
	b   *bridge.Bridge
	x   *bridgetest.XMPP
	d   *bridgetest.Dialer
	st  *bridgetest.Store
	rtc *media.WebRTC

	stop  context.CancelFunc
	ran   chan struct{}  // closed when Run returned
	rings sync.WaitGroup // Ring calls, which last as long as their call
}

// newEnv starts a bridge; set, when not nil, adjusts its settings.
func newEnv(t *testing.T, set func(*bridge.Settings), bindings ...store.Binding) *env {
	t.Helper()
	return newEnvClients(t, set, nil, bindings...)
}

// xmppClients is the fake XMPP side that also knows users' online
// resources and their features (bridge.Clients), as the component does.
type xmppClients struct {
	*bridgetest.XMPP
	clients map[string][]string // full JID -> disco#info features
}

func (x xmppClients) OnlineClients(_ context.Context, user, _ string) map[string][]string {
	out := map[string][]string{}
	for full, fs := range x.clients {
		if jid.MustParse(full).Bare().String() == user {
			out[full] = fs
		}
	}
	return out
}

// newEnvClients is newEnv with an XMPP side that reports clients (full
// JID -> features) online; nil: it cannot tell, as bridgetest.XMPP.
func newEnvClients(t *testing.T, set func(*bridge.Settings), clients map[string][]string, bindings ...store.Binding) *env {
	t.Helper()
	if len(bindings) == 0 {
		bindings = []store.Binding{aliceOwner, bobOwner}
	}
	e := &env{x: &bridgetest.XMPP{}, d: &bridgetest.Dialer{}, st: bridgetest.NewStore(bindings...), rtc: bridgetest.NewWebRTC(t), ran: make(chan struct{})}
	s := bridge.Settings{
		Domain:      jid.MustParse(domain),
		RTPAddr:     netip.MustParseAddr("127.0.0.1"),
		WebRTC:      e.rtc,
		Media:       e.st,
		SendTimeout: time.Second,
		Instance:    "gw-test",
	}
	if set != nil {
		set(&s)
	}
	var x bridge.XMPP = e.x
	if clients != nil {
		x = xmppClients{XMPP: e.x, clients: clients}
	}
	e.b = bridge.New(s, x, e.d, e.st)
	ctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	go func() {
		defer close(e.ran)
		_ = e.b.Run(ctx)
	}()
	t.Cleanup(e.shutdown)
	return e
}

// shutdown ends Run (which ends every call) and waits for the bridge's
// goroutines.
func (e *env) shutdown() {
	e.stop()
	<-e.ran
	e.rings.Wait()
}

// ring hands an incoming call to the bridge as the trunk does, on its own
// goroutine; the returned channel is closed when Ring returns.
func (e *env) ring(in *bridgetest.Incoming) <-chan struct{} {
	done := make(chan struct{})
	e.rings.Add(1)
	go func() {
		defer e.rings.Done()
		defer close(done)
		e.b.Ring(context.Background(), in)
	}()
	return done
}

// jingle delivers a Jingle IQ set from a user and fails on an error reply.
func (e *env) jingle(t *testing.T, from, to jid.JID, j *jingle.Jingle) {
	t.Helper()
	if se := e.b.Jingle(context.Background(), from, to, j); se != nil {
		t.Fatalf("%s from %s refused: %v %v", j.Action, from, se.Condition, se.Text)
	}
}

func (e *env) jmi(from, to jid.JID, m jingle.JMI) {
	e.b.JMI(context.Background(), from, to, "m-"+m.SessionID(), m)
}

func terminate(sid string, c jingle.Condition) *jingle.Jingle {
	return &jingle.Jingle{Action: jingle.SessionTerminate, SID: sid, Reason: jingle.NewReason(c, "")}
}

func sessionInfo(sid, info string) *jingle.Jingle {
	return &jingle.Jingle{Action: jingle.SessionInfoAction, SID: sid, Info: []jingle.Info{jingle.NewInfo(info)}}
}

// outCall is a call from alice to phoneNumber, dialled and not yet
// answered.
type outCall struct {
	sid    string
	jmi    bool
	client *bridgetest.Client
	dial   *bridgetest.Dial
}

// callPhone has alice call phoneNumber, with a JMI proposal or with a
// bare session-initiate, and returns the bridge's dial.
func (e *env) callPhone(t *testing.T, sid string, jmi bool) *outCall {
	t.Helper()
	oc := &outCall{sid: sid, jmi: jmi, client: bridgetest.NewClient(t, e.rtc)}
	if jmi {
		e.jmi(alice, phoneJID, jingle.NewAudioPropose(sid))
	} else {
		e.jingle(t, alice, phoneJID, oc.client.Offer(t, sid))
	}
	oc.dial = e.d.Next(t)
	return oc
}

// answer has the phone answer and completes alice's session; it returns
// the phone's leg.
func (e *env) answer(t *testing.T, oc *outCall) *bridgetest.Call {
	t.Helper()
	call := oc.dial.Answer(bridgetest.PhoneSDP("sendrecv"))
	if oc.jmi {
		e.x.WaitJMI(t, "proceed", alice.String())
		e.jingle(t, alice, phoneJID, oc.client.Offer(t, oc.sid))
	}
	acc := e.x.WaitJingle(t, jingle.SessionAccept, alice.String())
	if acc.From != phoneJID.String() || acc.Jingle.SID != oc.sid {
		t.Errorf("session-accept from %s for %s, want from %s for %s", acc.From, acc.Jingle.SID, phoneJID, oc.sid)
	}
	oc.client.TakeAnswer(t, acc.Jingle)
	return call
}

// inCall is a call from phoneNumber to bob, ringing.
type inCall struct {
	in   *bridgetest.Incoming
	sid  string
	done <-chan struct{} // Ring returned
}

// callBob has phoneNumber call bob's number; the bridge proposes the call
// to bob's bare JID.
func (e *env) callBob(t *testing.T) *inCall {
	t.Helper()
	ic := &inCall{in: bridgetest.NewIncoming(phoneNumber, bobNumber, bridgetest.PhoneSDP("sendrecv"))}
	ic.done = e.ring(ic.in)
	prop := e.x.WaitJMI(t, "propose", bobBare)
	ic.sid = prop.JMI.SessionID()
	return ic
}

// take has resource proceed and accept the session; it returns the
// phone's leg once the bridge answered it.
func (e *env) take(t *testing.T, ic *inCall, resource jid.JID) *bridgetest.Call {
	t.Helper()
	call := e.accept(t, ic, resource)
	call.WaitWatched(t)
	return call
}

// accept is take without waiting for the bridge to hold the phone's leg.
func (e *env) accept(t *testing.T, ic *inCall, resource jid.JID) *bridgetest.Call {
	t.Helper()
	e.jmi(resource, phoneJID, &jingle.Proceed{ID: ic.sid})
	ini := e.x.WaitJingle(t, jingle.SessionInitiate, resource.String())
	client := bridgetest.NewClient(t, e.rtc)
	e.jingle(t, resource, phoneJID, client.Accept(t, ini.Jingle))
	call, _ := ic.in.WaitAnswer(t)
	return call
}

// waitDone waits for Ring to return: after it the caller has had every
// response it will get.
func (ic *inCall) waitDone(t *testing.T) {
	t.Helper()
	select {
	case <-ic.done:
	case <-time.After(bridgetest.Timeout):
		t.Fatal("Ring did not return")
	}
}

// onlyFinal checks that the caller got exactly one final response, code.
func (ic *inCall) onlyFinal(t *testing.T, code int) {
	t.Helper()
	ic.waitDone(t)
	fs := ic.in.Finals()
	if len(fs) != 1 || fs[0].Code != code {
		t.Errorf("final responses %+v, want one %d", fs, code)
	}
}

func checkCDR(t *testing.T, got store.CDR, want store.CDR, answered bool) {
	t.Helper()
	if got.Direction != want.Direction || got.From != want.From || got.To != want.To || got.JID != want.JID || got.Reason != want.Reason {
		t.Errorf("call record %+v, want direction %s from %s to %s jid %s reason %s", got, want.Direction, want.From, want.To, want.JID, want.Reason)
	}
	if got.Answer.IsZero() == answered {
		t.Errorf("call record answered at %v, want answered %v", got.Answer, answered)
	}
	if got.Start.IsZero() || got.End.Before(got.Start) {
		t.Errorf("call record times: start %v end %v", got.Start, got.End)
	}
}

func hasLine(sdp []byte, line string) bool {
	for _, l := range strings.Split(string(sdp), "\r\n") {
		if l == line {
			return true
		}
	}
	return false
}

// timeout fires when a Wait would give up.
func timeout() <-chan time.Time { return time.After(bridgetest.Timeout) }
