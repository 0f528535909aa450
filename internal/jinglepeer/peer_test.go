package jinglepeer

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	aliceTone = 440.0
	bobTone   = 1000.0
	// A pure tone measures close to 1 at its own frequency; G.711 noise and
	// the other tone leave well under 0.05.
	minPower   = 0.5
	maxLeakage = 0.1
	password   = "secret-pw"
)

// callEnv is one Prosody with alice and bob logged in as peers.
type callEnv struct {
	prosody    *testenv.Prosody
	alice, bob *Peer
}

func newCallEnv(t *testing.T, alice, bob Options) *callEnv {
	t.Helper()
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	p.Register(t, "alice", password)
	p.Register(t, "bob", password)
	alice.JID, alice.Password, alice.Server, alice.Tone = "alice@localhost", password, p.C2SAddr, aliceTone
	alice.Detect = []float64{bobTone, aliceTone}
	bob.JID, bob.Password, bob.Server, bob.Tone = "bob@localhost", password, p.C2SAddr, bobTone
	bob.Detect = []float64{aliceTone, bobTone}
	return &callEnv{prosody: p, alice: Start(t, alice), bob: Start(t, bob)}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func expect(t *testing.T, ctx context.Context, p *Peer, event string, match func(Event) bool) Event {
	t.Helper()
	ev, err := p.Expect(ctx, event, match)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func sidIs(sid string) func(Event) bool {
	return func(e Event) bool { return e.Str("sid") == sid }
}

// hearsTone waits until p hears want and checks that the same measurement
// finds little of notWant, so a peer echoing its own tone would fail.
func hearsTone(t *testing.T, ctx context.Context, p *Peer, want, notWant float64) {
	t.Helper()
	ev, err := p.WaitTone(ctx, minPower)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Power(want); got < minPower {
		t.Errorf("%s: power at %g Hz = %g, want >= %g (%s)", p.JID, want, got, minPower, ev)
	}
	if got := ev.Power(notWant); got < 0 || got > maxLeakage {
		t.Errorf("%s: power at %g Hz = %g, want <= %g (%s)", p.JID, notWant, got, maxLeakage, ev)
	}
	if ev.Float("frames") <= 0 {
		t.Errorf("%s: tone event without frames: %s", p.JID, ev)
	}
}

func TestCallJMI(t *testing.T) {
	t.Parallel()
	start := time.Now()
	e := newCallEnv(t, Options{}, Options{})
	ctx := ctxFor(t, 60*time.Second)

	e.alice.Do(map[string]any{"cmd": "call", "to": "bob@localhost", "jmi": true})
	sid := expect(t, ctx, e.alice, "calling", nil).Str("sid")
	prop := expect(t, ctx, e.bob, "propose", sidIs(sid))
	if prop.Str("from") != e.alice.JID {
		t.Errorf("propose from %q, want alice's full JID %q", prop.Str("from"), e.alice.JID)
	}
	if media, _ := prop.Fields["media"].([]any); len(media) != 1 || media[0] != "audio" {
		t.Errorf("propose media = %v, want [audio]", prop.Fields["media"])
	}
	expect(t, ctx, e.alice, "receipt", sidIs(sid))
	expect(t, ctx, e.alice, "ringing", sidIs(sid))

	e.bob.Do(map[string]any{"cmd": "answer"})
	proceed := expect(t, ctx, e.alice, "proceed", sidIs(sid))
	if proceed.Str("from") != e.bob.JID {
		t.Errorf("proceed from %q, want bob's full JID %q", proceed.Str("from"), e.bob.JID)
	}
	offer := expect(t, ctx, e.bob, "session-initiate", sidIs(sid)).Str("sdp")
	for _, want := range []string{"a=group:BUNDLE", "a=setup:actpass", "PCMU/8000", "PCMA/8000", "opus/48000/2", "a=candidate:", "a=rtcp-mux"} {
		if !strings.Contains(offer, want) {
			t.Errorf("offer as bob derived it lacks %q:\n%s", want, offer)
		}
	}
	answer := expect(t, ctx, e.alice, "session-accept", sidIs(sid)).Str("sdp")
	for _, want := range []string{"a=group:BUNDLE", "a=setup:passive", "a=candidate:"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer as alice derived it lacks %q:\n%s", want, answer)
		}
	}
	expect(t, ctx, e.alice, "connected", sidIs(sid))
	expect(t, ctx, e.bob, "connected", sidIs(sid))
	hearsTone(t, ctx, e.alice, bobTone, aliceTone)
	hearsTone(t, ctx, e.bob, aliceTone, bobTone)

	e.alice.Do(map[string]any{"cmd": "hangup"})
	term := expect(t, ctx, e.bob, "terminated", sidIs(sid))
	if term.Str("reason") != "success" || term.Str("by") != "remote" {
		t.Errorf("bob: %s, want reason success by remote", term)
	}
	fin := expect(t, ctx, e.bob, "finish", sidIs(sid))
	if fin.Str("reason") != "success" {
		t.Errorf("bob: %s, want finish with success", fin)
	}
	noErrors(t, e.alice, e.bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// TestCallDinoLike: no BUNDLE from the caller, setup=active from the callee,
// session-initiate straight to the full JID, and the callee hangs up.
func TestCallDinoLike(t *testing.T) {
	t.Parallel()
	start := time.Now()
	e := newCallEnv(t, Options{NoBundle: true}, Options{SetupActive: true})
	ctx := ctxFor(t, 60*time.Second)

	e.alice.Do(map[string]any{"cmd": "call", "to": e.bob.JID, "jmi": false})
	sid := expect(t, ctx, e.alice, "calling", nil).Str("sid")
	si := expect(t, ctx, e.bob, "session-initiate", sidIs(sid))
	if si.Str("from") != e.alice.JID {
		t.Errorf("session-initiate from %q, want %q", si.Str("from"), e.alice.JID)
	}
	if offer := si.Str("sdp"); strings.Contains(offer, "BUNDLE") {
		t.Errorf("offer with --no-bundle has a BUNDLE group:\n%s", offer)
	}
	e.bob.Do(map[string]any{"cmd": "answer"})
	answer := expect(t, ctx, e.alice, "session-accept", sidIs(sid)).Str("sdp")
	if !strings.Contains(answer, "a=setup:active") {
		t.Errorf("answer with --setup-active lacks a=setup:active:\n%s", answer)
	}
	if strings.Contains(answer, "BUNDLE") {
		t.Errorf("answer to an offer without BUNDLE has a BUNDLE group:\n%s", answer)
	}
	expect(t, ctx, e.alice, "connected", sidIs(sid))
	expect(t, ctx, e.bob, "connected", sidIs(sid))
	hearsTone(t, ctx, e.alice, bobTone, aliceTone)
	hearsTone(t, ctx, e.bob, aliceTone, bobTone)

	e.bob.Do(map[string]any{"cmd": "hangup"})
	term := expect(t, ctx, e.alice, "terminated", sidIs(sid))
	if term.Str("reason") != "success" || term.Str("by") != "remote" {
		t.Errorf("alice: %s, want reason success by remote", term)
	}
	noErrors(t, e.alice, e.bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

func TestRejectBusy(t *testing.T) {
	t.Parallel()
	start := time.Now()
	e := newCallEnv(t, Options{}, Options{})
	ctx := ctxFor(t, 60*time.Second)

	e.alice.Do(map[string]any{"cmd": "call", "to": "bob@localhost"})
	sid := expect(t, ctx, e.alice, "calling", nil).Str("sid")
	expect(t, ctx, e.bob, "propose", sidIs(sid))
	e.bob.Do(map[string]any{"cmd": "reject", "reason": "busy"})
	rej := expect(t, ctx, e.alice, "reject", sidIs(sid))
	if rej.Str("reason") != "busy" || rej.Str("from") != e.bob.JID {
		t.Errorf("alice: %s, want reject busy from %s", rej, e.bob.JID)
	}
	noErrors(t, e.alice, e.bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// TestUnknownSession sends Jingle requests for a sid the peer never saw from
// a raw XMPP client and checks the XEP-0166 error, then asks disco#info.
func TestUnknownSession(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	p.Register(t, "alice", password)
	p.Register(t, "carol", password)
	alice := Start(t, Options{JID: "alice@localhost", Password: password, Server: p.C2SAddr})
	carol := p.Client(t, "carol", password)
	ctx := ctxFor(t, 30*time.Second)

	tests := []struct{ name, jingle string }{
		{"transport-info", `<jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="no-such-sid">` +
			`<content creator="initiator" name="0"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u" pwd="p">` +
			`<candidate component="1" foundation="1" generation="0" id="c1" ip="127.0.0.1" network="0" port="9" priority="1" protocol="udp" type="host"/>` +
			`</transport></content></jingle>`},
		{"session-terminate", `<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="no-such-sid">` +
			`<reason><success/></reason></jingle>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "unknown-" + tc.name
			if err := carol.Send(ctx, `<iq type="set" id="`+id+`" to="`+alice.JID+`">`+tc.jingle+`</iq>`); err != nil {
				t.Fatal(err)
			}
			reply, err := carol.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == id })
			if err != nil {
				t.Fatal(err)
			}
			if reply.Type != "error" || reply.ErrorCondition() != "item-not-found" ||
				!reply.Has("urn:xmpp:jingle:errors:1", "unknown-session") {
				t.Errorf("reply %s, want item-not-found + unknown-session", reply)
			}
			expect(t, ctx, alice, "unknown-session", func(e Event) bool { return e.Str("action") == tc.name })
		})
	}

	t.Run("disco#info", func(t *testing.T) {
		if err := carol.Send(ctx, `<iq type="get" id="disco1" to="`+alice.JID+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`); err != nil {
			t.Fatal(err)
		}
		reply, err := carol.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == "disco1" })
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio",
			"urn:xmpp:jingle:transports:ice-udp:1", "urn:xmpp:jingle:apps:dtls:0", "urn:xmpp:jingle-message:0"} {
			if reply.Type != "result" || !strings.Contains(reply.Raw, `var="`+f+`"`) {
				t.Errorf("disco#info reply lacks %s: %s", f, reply)
			}
		}
	})
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// noErrors fails the test for any "error" event the peers reported.
func noErrors(t *testing.T, peers ...*Peer) {
	t.Helper()
	for _, p := range peers {
		for _, ev := range p.Errors() {
			t.Errorf("%s reported: %s", p.JID, ev)
		}
	}
}

// TestTrickle: both sides send their candidates only in transport-info, the
// callee before its session-accept (so the caller must queue them), with
// auto-answer and only PCMA offered.
func TestTrickle(t *testing.T) {
	t.Parallel()
	start := time.Now()
	e := newCallEnv(t, Options{Trickle: true, Codecs: []string{"PCMA"}}, Options{Trickle: true, AutoAnswer: true})
	ctx := ctxFor(t, 60*time.Second)

	e.alice.Do(map[string]any{"cmd": "call", "to": "bob@localhost"})
	sid := expect(t, ctx, e.alice, "calling", nil).Str("sid")
	si := expect(t, ctx, e.bob, "session-initiate", sidIs(sid))
	if offer := si.Str("sdp"); strings.Contains(offer, "a=candidate") || strings.Contains(offer, "PCMU") || !strings.Contains(offer, "PCMA/8000") {
		t.Errorf("trickled PCMA-only offer:\n%s", offer)
	}
	expect(t, ctx, e.bob, "transport-info", sidIs(sid))
	expect(t, ctx, e.alice, "transport-info", sidIs(sid))
	acc := expect(t, ctx, e.alice, "session-accept", sidIs(sid))
	if strings.Contains(acc.Str("sdp"), "a=candidate") {
		t.Errorf("trickled answer carries candidates:\n%s", acc.Str("sdp"))
	}
	if order := eventOrder(e.alice, "transport-info", "session-accept"); order >= 0 {
		t.Errorf("alice got bob's candidates after session-accept, so nothing was queued: %v", e.alice.Events())
	}
	expect(t, ctx, e.alice, "connected", sidIs(sid))
	expect(t, ctx, e.bob, "connected", sidIs(sid))
	hearsTone(t, ctx, e.alice, bobTone, aliceTone)
	hearsTone(t, ctx, e.bob, aliceTone, bobTone)

	e.alice.Do(map[string]any{"cmd": "hangup"})
	expect(t, ctx, e.bob, "terminated", sidIs(sid))
	noErrors(t, e.alice, e.bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// eventOrder compares the positions of the first events named a and b in
// p's recent events: negative when a came first.
func eventOrder(p *Peer, a, b string) int {
	ia, ib := -1, -1
	for i, ev := range p.Events() {
		if ev.Name == a && ia < 0 {
			ia = i
		}
		if ev.Name == b && ib < 0 {
			ib = i
		}
	}
	if ia < 0 || ib < 0 {
		return 0
	}
	return ia - ib
}
