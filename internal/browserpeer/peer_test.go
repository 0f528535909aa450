package browserpeer

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	aliceTone = 440.0
	bobTone   = 1000.0
	// A pure tone measures close to 1 at its own frequency (opus and the
	// resampler leave a little noise); the other tone stays well under 0.1.
	minPower   = 0.5
	maxLeakage = 0.1
	password   = "secret-pw"
	callWait   = 60 * time.Second
)

// peer is what the tests need of either kind of peer.
type peer interface {
	Do(cmd map[string]any)
	Expect(ctx context.Context, event string, match func(Event) bool) (Event, error)
	WaitTone(ctx context.Context, minPower float64) (Event, error)
	Events() []Event
	Errors() []Event
}

// named pairs a peer with its full JID, which the interface cannot reach.
type named struct {
	peer
	jid string
}

func startProsody(t *testing.T) *testenv.Prosody {
	t.Helper()
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	p.Register(t, "alice", password)
	p.Register(t, "bob", password)
	return p
}

// browser starts a browser peer for user sending tone and listening for
// the other test tone first.
func browser(t *testing.T, p *testenv.Prosody, user string, tone, other float64, opts Options) named {
	t.Helper()
	opts.JID, opts.Password, opts.WebSocket = user+"@localhost", password, "ws://"+p.HTTPAddr+"/xmpp-websocket"
	opts.Tone, opts.Detect = tone, []float64{other, tone}
	b := Start(t, opts)
	return named{b, b.JID}
}

// aiortc starts the Python jinglepeer the same way.
func aiortc(t *testing.T, p *testenv.Prosody, user string, tone, other float64, opts jinglepeer.Options) named {
	t.Helper()
	opts.JID, opts.Password, opts.Server = user+"@localhost", password, p.C2SAddr
	opts.Tone, opts.Detect = tone, []float64{other, tone}
	j := jinglepeer.Start(t, opts)
	return named{j, j.JID}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func expect(t *testing.T, ctx context.Context, p named, event string, match func(Event) bool) Event {
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
// finds little of notWant, so a peer hearing its own tone would fail.
func hearsTone(t *testing.T, ctx context.Context, p named, want, notWant float64) {
	t.Helper()
	ev, err := p.WaitTone(ctx, minPower)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Power(want); got < minPower {
		t.Errorf("%s: power at %g Hz = %g, want >= %g (%s)", p.jid, want, got, minPower, ev)
	}
	if got := ev.Power(notWant); got < 0 || got > maxLeakage {
		t.Errorf("%s: power at %g Hz = %g, want <= %g (%s)", p.jid, notWant, got, maxLeakage, ev)
	}
	if ev.Float("frames") <= 0 {
		t.Errorf("%s: tone event without frames: %s", p.jid, ev)
	}
}

// noErrors fails the test for any "error" event the peers reported.
func noErrors(t *testing.T, peers ...named) {
	t.Helper()
	for _, p := range peers {
		for _, ev := range p.Errors() {
			t.Errorf("%s reported: %s", p.jid, ev)
		}
	}
}

// jmiCall runs a whole JMI call from caller to callee: propose, receipt,
// ringing, proceed, Jingle, ICE+DTLS, both tones heard, caller hangs up.
func jmiCall(t *testing.T, caller, callee named, callerTone, calleeTone float64) {
	t.Helper()
	ctx := ctxFor(t, callWait)
	caller.Do(map[string]any{"cmd": "call", "to": "bob@localhost", "jmi": true})
	sid := expect(t, ctx, caller, "calling", nil).Str("sid")
	prop := expect(t, ctx, callee, "propose", sidIs(sid))
	if prop.Str("from") != caller.jid {
		t.Errorf("propose from %q, want the caller's full JID %q", prop.Str("from"), caller.jid)
	}
	if media, _ := prop.Fields["media"].([]any); len(media) != 1 || media[0] != "audio" {
		t.Errorf("propose media = %v, want [audio]", prop.Fields["media"])
	}
	expect(t, ctx, caller, "receipt", sidIs(sid))
	expect(t, ctx, caller, "ringing", sidIs(sid))

	callee.Do(map[string]any{"cmd": "answer"})
	if got := expect(t, ctx, caller, "proceed", sidIs(sid)).Str("from"); got != callee.jid {
		t.Errorf("proceed from %q, want the callee's full JID %q", got, callee.jid)
	}
	si := expect(t, ctx, callee, "session-initiate", sidIs(sid))
	if !strings.Contains(si.Str("xml"), `action="session-initiate"`) {
		t.Errorf("session-initiate event without the request XML: %s", si)
	}
	offer := si.Str("sdp")
	for _, want := range []string{"a=fingerprint:sha-256", "a=setup:actpass", "a=rtcp-mux", "PCMU/8000", "opus/48000/2"} {
		if !strings.Contains(offer, want) {
			t.Errorf("offer as the callee derived it lacks %q:\n%s", want, offer)
		}
	}
	answer := expect(t, ctx, caller, "session-accept", sidIs(sid)).Str("sdp")
	if !strings.Contains(answer, "a=setup:active") && !strings.Contains(answer, "a=setup:passive") {
		t.Errorf("answer as the caller derived it has no definite a=setup:\n%s", answer)
	}
	expect(t, ctx, caller, "connected", sidIs(sid))
	expect(t, ctx, callee, "connected", sidIs(sid))
	hearsTone(t, ctx, caller, calleeTone, callerTone)
	hearsTone(t, ctx, callee, callerTone, calleeTone)

	caller.Do(map[string]any{"cmd": "hangup"})
	term := expect(t, ctx, callee, "terminated", sidIs(sid))
	if term.Str("reason") != "success" || term.Str("by") != "remote" {
		t.Errorf("callee: %s, want reason success by remote", term)
	}
	if fin := expect(t, ctx, callee, "finish", sidIs(sid)); fin.Str("reason") != "success" {
		t.Errorf("callee: %s, want finish with success", fin)
	}
	noErrors(t, caller, callee)
}

// TestBrowserCallsAiortc: libwebrtc (stanza) calls aiortc (slixmpp) with JMI.
func TestBrowserCallsAiortc(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := startProsody(t)
	alice := browser(t, p, "alice", aliceTone, bobTone, Options{})
	bob := aiortc(t, p, "bob", bobTone, aliceTone, jinglepeer.Options{})
	jmiCall(t, alice, bob, aliceTone, bobTone)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// TestAiortcCallsBrowser: aiortc calls the browser with JMI.
func TestAiortcCallsBrowser(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := startProsody(t)
	alice := aiortc(t, p, "alice", aliceTone, bobTone, jinglepeer.Options{})
	bob := browser(t, p, "bob", bobTone, aliceTone, Options{})
	jmiCall(t, alice, bob, aliceTone, bobTone)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// TestBrowserCallsBrowser: libwebrtc on both ends, session-initiate straight
// to the full JID (no JMI), auto-answer, hold/active, DTMF (both ends offer
// telephone-event), and the callee hangs up.
func TestBrowserCallsBrowser(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := startProsody(t)
	alice := browser(t, p, "alice", aliceTone, bobTone, Options{NoJMI: true})
	bob := browser(t, p, "bob", bobTone, aliceTone, Options{AutoAnswer: true})
	ctx := ctxFor(t, callWait)

	alice.Do(map[string]any{"cmd": "call", "to": bob.jid})
	calling := expect(t, ctx, alice, "calling", nil)
	sid := calling.Str("sid")
	if jmi, _ := calling.Fields["jmi"].(bool); jmi {
		t.Errorf("NoJMI call says jmi: %s", calling)
	}
	si := expect(t, ctx, bob, "session-initiate", sidIs(sid))
	if si.Str("from") != alice.jid || !strings.Contains(si.Str("sdp"), "telephone-event/8000") {
		t.Errorf("session-initiate from %q, want %q, with telephone-event: %s", si.Str("from"), alice.jid, si)
	}
	expect(t, ctx, bob, "session-accept-sent", sidIs(sid))
	expect(t, ctx, alice, "session-accept", sidIs(sid))
	expect(t, ctx, alice, "connected", sidIs(sid))
	expect(t, ctx, bob, "connected", sidIs(sid))
	hearsTone(t, ctx, alice, bobTone, aliceTone)
	hearsTone(t, ctx, bob, aliceTone, bobTone)

	alice.Do(map[string]any{"cmd": "hold"})
	expect(t, ctx, alice, "hold-sent", sidIs(sid))
	if info := expect(t, ctx, bob, "session-info", sidIs(sid)); !hasInfo(info, "hold") {
		t.Errorf("bob: %s, want info [hold]", info)
	}
	alice.Do(map[string]any{"cmd": "active"})
	expect(t, ctx, alice, "active-sent", sidIs(sid))
	if info := expect(t, ctx, bob, "session-info", sidIs(sid)); !hasInfo(info, "active") {
		t.Errorf("bob: %s, want info [active]", info)
	}

	alice.Do(map[string]any{"cmd": "dtmf", "tones": "123#"})
	if ev := expect(t, ctx, alice, "dtmf-sent", sidIs(sid)); ev.Str("tones") != "123#" {
		t.Errorf("alice: %s, want tones 123#", ev)
	}

	bob.Do(map[string]any{"cmd": "hangup"})
	expect(t, ctx, bob, "terminated", func(e Event) bool { return e.Str("sid") == sid && e.Str("by") == "local" })
	term := expect(t, ctx, alice, "terminated", sidIs(sid))
	if term.Str("reason") != "success" || term.Str("by") != "remote" {
		t.Errorf("alice: %s, want reason success by remote", term)
	}
	noErrors(t, alice, bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

func hasInfo(ev Event, name string) bool {
	info, _ := ev.Fields["info"].([]any)
	return len(info) == 1 && info[0] == name
}

// TestRejectBusy: the browser rejects aiortc's JMI proposal with busy, then
// a direct session-initiate with busy too.
func TestRejectBusy(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := startProsody(t)
	alice := aiortc(t, p, "alice", aliceTone, bobTone, jinglepeer.Options{})
	bob := browser(t, p, "bob", bobTone, aliceTone, Options{})
	ctx := ctxFor(t, callWait)

	alice.Do(map[string]any{"cmd": "call", "to": "bob@localhost", "jmi": true})
	sid := expect(t, ctx, alice, "calling", nil).Str("sid")
	expect(t, ctx, bob, "propose", sidIs(sid))
	expect(t, ctx, alice, "ringing", sidIs(sid))
	bob.Do(map[string]any{"cmd": "reject", "reason": "busy"})
	expect(t, ctx, bob, "reject-sent", sidIs(sid))
	rej := expect(t, ctx, alice, "reject", sidIs(sid))
	if rej.Str("reason") != "busy" || rej.Str("from") != bob.jid {
		t.Errorf("alice: %s, want reject busy from %s", rej, bob.jid)
	}

	alice.Do(map[string]any{"cmd": "call", "to": bob.jid, "jmi": false})
	sid2 := expect(t, ctx, alice, "calling", func(e Event) bool { return e.Str("sid") != sid }).Str("sid")
	expect(t, ctx, bob, "session-initiate", sidIs(sid2))
	bob.Do(map[string]any{"cmd": "reject", "reason": "busy", "sid": sid2})
	term := expect(t, ctx, alice, "terminated", sidIs(sid2))
	if term.Str("reason") != "busy" || term.Str("by") != "remote" {
		t.Errorf("alice: %s, want reason busy by remote", term)
	}
	noErrors(t, alice, bob)
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// TestUnknownSessionAndDisco sends a transport-info for a sid the browser
// never saw from a raw XMPP client and checks the XEP-0166 error, then asks
// disco#info for the features Conversations looks for.
func TestUnknownSessionAndDisco(t *testing.T) {
	t.Parallel()
	p := startProsody(t)
	p.Register(t, "carol", password)
	alice := browser(t, p, "alice", aliceTone, bobTone, Options{})
	carol := p.Client(t, "carol", password)
	ctx := ctxFor(t, callWait)

	ti := `<iq type="set" id="ti1" to="` + alice.jid + `"><jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="no-such-sid">` +
		`<content creator="initiator" name="0"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u" pwd="p">` +
		`<candidate component="1" foundation="1" generation="0" id="c1" ip="127.0.0.1" network="0" port="9" priority="1" protocol="udp" type="host"/>` +
		`</transport></content></jingle></iq>`
	if err := carol.Send(ctx, ti); err != nil {
		t.Fatal(err)
	}
	reply, err := carol.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == "ti1" })
	if err != nil {
		t.Fatal(err)
	}
	if reply.Type != "error" || reply.ErrorCondition() != "item-not-found" || !reply.Has("urn:xmpp:jingle:errors:1", "unknown-session") {
		t.Errorf("reply %s, want item-not-found + unknown-session", reply)
	}
	expect(t, ctx, alice, "unknown-session", func(e Event) bool { return e.Str("action") == "transport-info" })

	if err := carol.Send(ctx, `<iq type="get" id="disco1" to="`+alice.jid+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`); err != nil {
		t.Fatal(err)
	}
	reply, err = carol.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == "disco1" })
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio",
		"urn:xmpp:jingle:transports:ice-udp:1", "urn:xmpp:jingle:apps:dtls:0", "urn:xmpp:jingle-message:0"} {
		if reply.Type != "result" || !strings.Contains(reply.Raw, `var="`+f+`"`) {
			t.Errorf("disco#info reply lacks %s: %s", f, reply)
		}
	}
	noErrors(t, alice)
}
