package bridge_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

func withPlain(t *testing.T) func(*bridge.Settings) {
	return func(s *bridge.Settings) { s.Plain = bridgetest.NewPlain(t) }
}

// TestPlainClientCallsPhone: a client without DTLS (Gajim) calls a phone,
// with a JMI proposal or a bare session-initiate. The bridge answers with
// plain RTP over ICE: no fingerprint, only the G.711 codecs and
// telephone-event of the offer, candidates for RTP and RTCP. Audio flows
// both ways between the client's ICE pair and the trunk's RTP address,
// and the phone's BYE ends the session.
func TestPlainClientCallsPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	for _, jmi := range []bool{true, false} {
		t.Run(map[bool]string{true: "jmi", false: "bare"}[jmi], func(t *testing.T) {
			e := newEnv(t, withPlain(t))
			client := bridgetest.NewPlainClient(t)
			sid := "plain-out"
			if jmi {
				e.jmi(alice, phoneJID, jingle.NewAudioPropose(sid))
			} else {
				e.jingle(t, alice, phoneJID, client.Offer(t, sid))
			}
			dial := e.d.Next(t)
			trunk, _ := udpSocket(t, "127.0.0.1")
			call := dial.Answer(sdpFor(t, trunk))
			if jmi {
				e.x.WaitJMI(t, "proceed", alice.String())
				e.jingle(t, alice, phoneJID, client.Offer(t, sid))
			}
			acc := e.x.WaitJingle(t, jingle.SessionAccept, alice.String()).Jingle
			checkPlainAnswer(t, acc)
			client.TakeAnswer(t, acc)
			client.Peer.Connected(t, 10*time.Second)

			gw, err := bridge.ParsePlainSDP(dial.Offer)
			if err != nil {
				t.Fatal(err)
			}
			audioBothWays(t, client.Peer.Conn(1), trunk, gw.Addr)
			call.HangupByPhone()
			if r := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String()).Reason(); r != jingle.Success {
				t.Errorf("session-terminate reason %q, want success", r)
			}
			checkCDR(t, e.st.WaitCDRFor(t, sid), store.CDR{Direction: "outbound", From: aliceNumber, To: phoneNumber,
				JID: "alice@example.org", Reason: "success"}, true)
		})
	}
}

func checkPlainAnswer(t *testing.T, j *jingle.Jingle) {
	t.Helper()
	if len(j.Contents) != 1 || j.Contents[0].Transport == nil || j.Contents[0].Description == nil {
		t.Fatalf("plain answer contents %+v", j.Contents)
	}
	ct := j.Contents[0]
	if ct.Name != "voice" || ct.Creator != jingle.CreatorInitiator {
		t.Errorf("answer content %q by %q, want the offer's voice by initiator", ct.Name, ct.Creator)
	}
	if len(ct.Transport.Fingerprints) != 0 {
		t.Error("plain answer carries a DTLS fingerprint")
	}
	var names []string
	for _, pt := range ct.Description.PayloadTypes {
		names = append(names, pt.Name)
	}
	if len(names) != 3 || names[0] != "PCMU" || names[1] != "PCMA" || names[2] != "telephone-event" {
		t.Errorf("answered payload types %v, want PCMU PCMA telephone-event", names)
	}
	comps := map[uint8]bool{}
	for _, c := range ct.Transport.Candidates {
		comps[c.Component] = true
	}
	if !comps[1] || !comps[2] {
		t.Errorf("answer candidates %+v: want components 1 and 2", ct.Transport.Candidates)
	}
}

func pcmu(t *testing.T, i int) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 77}, Payload: make([]byte, 160)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlainRefusedWhenOff: with [media] plain_rtp = false (no
// Settings.Plain) an offer without DTLS is ended with <security-error/>
// and nothing is dialled.
func TestPlainRefusedWhenOff(t *testing.T) {
	e := newEnv(t, nil)
	client := bridgetest.NewPlainClient(t)
	e.jingle(t, alice, phoneJID, client.Offer(t, "plain-off"))
	if r := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String()).Reason(); r != jingle.SecurityError {
		t.Errorf("session-terminate reason %q, want security-error", r)
	}
	e.st.WaitCDRFor(t, "plain-off")
	if n := e.d.Dials(); n != 0 {
		t.Errorf("%d dials for a refused call", n)
	}
}

// TestPlainNoDowngrade: with plain RTP allowed, a client that offers DTLS
// still gets DTLS-SRTP (the pion client refuses an answer without a
// fingerprint).
func TestPlainNoDowngrade(t *testing.T) {
	e := newEnv(t, withPlain(t))
	oc := e.callPhone(t, "dtls-out", false)
	call := e.answer(t, oc)
	call.HangupByPhone()
	e.st.WaitCDRFor(t, "dtls-out")
}

// TestDescriptionInfoAcknowledged: Gajim sends description-info with its
// final codec parameters after the session-accept; the bridge
// acknowledges it instead of refusing it.
func TestDescriptionInfoAcknowledged(t *testing.T) {
	e := newEnv(t, nil)
	oc := e.callPhone(t, "desc-info", false)
	e.answer(t, oc)
	e.jingle(t, alice, phoneJID, &jingle.Jingle{Action: jingle.DescriptionInfo, SID: oc.sid, Contents: []jingle.Content{{
		Creator: jingle.CreatorInitiator, Name: "0", Senders: jingle.SendersBoth,
		Description: &jingle.RTPDescription{Media: "audio", PayloadTypes: []jingle.PayloadType{{ID: 0, Name: "PCMU", ClockRate: 8000}}},
	}}})
}

// gajimFeatures is what Gajim 1.7's disco#info says about Jingle: RTP audio
// over ICE-UDP, neither DTLS nor XEP-0353.
var gajimFeatures = []string{jingle.NS, jingle.NSRTP, jingle.NSAudio, jingle.NSICEUDP}

// TestPhoneCallsGajim: a phone calls bob, whose only online client is
// Gajim (no XEP-0353, no DTLS). The <propose/> would never ring it, so the
// bridge sends it a plain RTP session-initiate (no fingerprint,
// candidates of both components); its session-accept answers the phone,
// audio flows both ways, and the phone's BYE ends the session.
func TestPhoneCallsGajim(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	e := newEnvClients(t, withPlain(t), map[string][]string{bobLaptop.String(): gajimFeatures})
	trunk, _ := udpSocket(t, "127.0.0.1")
	ic := &inCall{in: bridgetest.NewIncoming(phoneNumber, bobNumber, sdpFor(t, trunk))}
	ic.done = e.ring(ic.in)
	ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobLaptop.String()).Jingle
	ct := ini.Contents[0]
	if len(ct.Transport.Fingerprints) != 0 {
		t.Fatal("session-initiate to a client without DTLS carries a fingerprint")
	}
	comps := map[uint8]bool{}
	for _, c := range ct.Transport.Candidates {
		comps[c.Component] = true
	}
	if !comps[1] || !comps[2] {
		t.Errorf("offer candidates %+v: want components 1 and 2", ct.Transport.Candidates)
	}
	client := bridgetest.NewPlainClient(t)
	e.jingle(t, bobLaptop, phoneJID, client.Accept(t, ini))
	call, ans := ic.in.WaitAnswer(t)
	client.Peer.Connected(t, 10*time.Second)
	gw, err := bridge.ParsePlainSDP(ans)
	if err != nil {
		t.Fatal(err)
	}
	audioBothWays(t, client.Peer.Conn(1), trunk, gw.Addr)
	call.HangupByPhone()
	e.x.WaitJingle(t, jingle.SessionTerminate, bobLaptop.String())
	ic.waitDone(t)
}

// TestPhoneCallsJMIAndGajim: bob has Gajim (no XEP-0353) and a XEP-0353
// client online. Both ring: the XEP-0353 client with <propose/>, Gajim
// with a plain RTP session-initiate. The first to answer takes the call
// and the other stops ringing; a no on either is a no to the call; and
// when nobody answers, or the caller hangs up, both stop and bob hears of
// the missed call.
func TestPhoneCallsJMIAndGajim(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	retracted := func(t *testing.T, e *env) {
		t.Helper()
		e.x.WaitJMI(t, "retract", bobBare)
	}
	missed := func(t *testing.T, e *env) {
		t.Helper()
		e.x.WaitMessage(t, "missed call notice", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "Missed call from") })
	}
	tests := []struct {
		name string
		ring time.Duration
		// play answers or refuses; ini is Gajim's session-initiate.
		play func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle)
	}{
		{"the XEP-0353 client answers", 0, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			call := e.take(t, ic, bobPhone) // the pion client refuses an offer without DTLS
			gajimStops(t, e, ini, "answered on another device")
			// Gajim answers too late: its session is gone.
			late := bridgetest.NewPlainClient(t).Accept(t, ini)
			if se := e.b.Jingle(context.Background(), bobLaptop, phoneJID, late); se == nil || se.Condition != stanza.ItemNotFound {
				t.Errorf("a late session-accept from Gajim: %v", se)
			}
			call.HangupByPhone()
			e.x.WaitJingle(t, jingle.SessionTerminate, bobPhone.String())
		}},
		{"Gajim answers", 0, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			e.jmi(bobPhone, phoneJID, &jingle.Ringing{ID: ic.sid})
			client := bridgetest.NewPlainClient(t)
			e.jingle(t, bobLaptop, phoneJID, client.Accept(t, ini))
			call, _ := ic.in.WaitAnswer(t)
			retracted(t, e)
			// The XEP-0353 client proceeds too late: it is told to stop.
			e.jmi(bobPhone, phoneJID, &jingle.Proceed{ID: ic.sid})
			e.x.WaitJMI(t, "retract", bobPhone.String())
			client.Peer.Connected(t, 10*time.Second)
			call.HangupByPhone()
			e.x.WaitJingle(t, jingle.SessionTerminate, bobLaptop.String())
		}},
		{"declined on Gajim", 0, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			e.jingle(t, bobLaptop, phoneJID, terminate(ini.SID, jingle.Decline))
			retracted(t, e)
			ic.onlyFinal(t, 603)
		}},
		{"rejected on the XEP-0353 client", 0, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			e.jmi(bobPhone, phoneJID, &jingle.Reject{ID: ic.sid, Reason: jingle.NewReason(jingle.Decline, "")})
			if term := e.x.WaitJingle(t, jingle.SessionTerminate, bobLaptop.String()); term.Reason() != jingle.Decline {
				t.Errorf("Gajim's session ended with %s, want decline", term.Reason())
			}
			ic.onlyFinal(t, 603)
		}},
		{"nobody answers", 100 * time.Millisecond, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			gajimStops(t, e, ini, "nobody answered")
			retracted(t, e)
			ic.onlyFinal(t, 480)
			missed(t, e)
		}},
		{"the caller hangs up", 0, func(t *testing.T, e *env, ic *inCall, ini *jingle.Jingle) {
			ic.in.Cancel()
			gajimStops(t, e, ini, "the caller hung up")
			retracted(t, e)
			missed(t, e)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvClients(t, func(s *bridge.Settings) {
				withPlain(t)(s)
				if tt.ring > 0 {
					s.RingTimeout = tt.ring
				}
			}, map[string][]string{
				bobLaptop.String(): gajimFeatures,
				bobPhone.String():  jingle.Features,
			})
			ic := e.callBob(t)
			ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobLaptop.String()).Jingle
			if len(ini.Contents) == 0 || len(ini.Contents[0].Transport.Fingerprints) != 0 {
				t.Fatal("Gajim was not offered plain RTP")
			}
			tt.play(t, e, ic, ini)
			ic.waitDone(t)
			if tt.name != "the XEP-0353 client answers" {
				for _, q := range e.x.IQs() {
					if q.To == bobPhone.String() {
						t.Errorf("the XEP-0353 client was sent %s", q.Action())
					}
				}
			}
		})
	}
}

// gajimStops checks how a session offered to Gajim (ini) that still rings
// ends: a content-remove of its audio content, on which Gajim 1.7 turns
// its incoming-call row into a past call, then session-terminate
// <success/> (the one reason besides <decline/> on which it stops
// ringing) with why in the text. Gajim's own session-terminate, which
// follows the content-remove, is taken quietly.
func gajimStops(t *testing.T, e *env, ini *jingle.Jingle, why string) {
	t.Helper()
	rm := e.x.WaitJingle(t, jingle.ContentRemove, bobLaptop.String())
	if cs := rm.Jingle.Contents; len(cs) != 1 || cs[0].Name != ini.Contents[0].Name || cs[0].Creator != jingle.CreatorInitiator {
		t.Errorf("content-remove %s, want the offer's content %q", rm.Raw, ini.Contents[0].Name)
	}
	term := e.x.WaitJingle(t, jingle.SessionTerminate, bobLaptop.String())
	if term.Reason() != jingle.Success || term.Jingle.Reason.Text != why {
		t.Errorf("Gajim's ringing session ended with %s, want success (%s)", term.Raw, why)
	}
	var order []jingle.Action
	for _, q := range e.x.IQs() {
		if q.To == bobLaptop.String() && (q.Action() == jingle.ContentRemove || q.Action() == jingle.SessionTerminate) {
			order = append(order, q.Action())
		}
	}
	if len(order) != 2 || order[0] != jingle.ContentRemove {
		t.Errorf("sent to Gajim %v, want content-remove then session-terminate", order)
	}
	if se := e.b.Jingle(context.Background(), bobLaptop, phoneJID, terminate(ini.SID, jingle.Success)); se != nil {
		t.Errorf("Gajim's own session-terminate refused: %v", se)
	}
}

// audioBothWays checks that RTP from the client's ICE connection reaches
// the trunk's socket, and RTP from the trunk to the gateway's address gw
// reaches the client.
func audioBothWays(t *testing.T, up *ice.Conn, trunk *net.UDPConn, gw netip.AddrPort) {
	t.Helper()
	got := false
	for i := range 100 {
		if _, err := up.Write(pcmu(t, i)); err != nil {
			t.Fatal(err)
		}
		if got = receives(trunk, 20*time.Millisecond); got {
			break
		}
	}
	if !got {
		t.Fatal("the client's audio did not reach the trunk")
	}
	buf := make([]byte, 1500)
	for i := range 100 {
		if _, err := trunk.WriteToUDPAddrPort(pcmu(t, i), gw); err != nil {
			t.Fatal(err)
		}
		_ = up.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := up.Read(buf); err == nil {
			return
		}
	}
	t.Fatal("the trunk's audio did not reach the client")
}

// TestGajimUnanswered: a client rung with a session-initiate (no XEP-0353)
// that neither accepts nor declines rings for the ring time like any
// other. Then its session is ended with <timeout/> and the caller gets
// voicemail where it is on, else 480 and the owner a missed-call notice;
// a decline goes to voicemail as a JMI <reject/> does. What the client
// sends for the ended session afterwards is refused as unknown.
func TestGajimUnanswered(t *testing.T) {
	tests := []struct {
		name      string
		voicemail bool
		decline   bool
	}{
		{"voicemail takes it", true, false},
		{"declined, to voicemail", true, true},
		{"no voicemail: 480 and a notice", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvClients(t, func(s *bridge.Settings) {
				withPlain(t)(s)
				s.RingTimeout = 100 * time.Millisecond
				if tt.decline {
					s.RingTimeout = bridgetest.Timeout // only the decline ends the ringing
				}
				s.Voicemail, s.MediaURL = tt.voicemail, "https://sms.example.org"
				s.Greeting = make([]int16, 160)
			}, map[string][]string{bobLaptop.String(): gajimFeatures})
			phone := bridgetest.NewRTPPhone(t)
			ic := &inCall{in: bridgetest.NewIncoming(phoneNumber, bobNumber, phone.SDP("sendrecv"))}
			ic.done = e.ring(ic.in)
			ini := e.x.WaitJingle(t, jingle.SessionInitiate, bobLaptop.String()).Jingle
			if tt.decline {
				e.jingle(t, bobLaptop, phoneJID, terminate(ini.SID, jingle.Decline))
			} else {
				gajimStops(t, e, ini, "nobody answered")
			}
			if !tt.voicemail {
				ic.onlyFinal(t, 480)
				e.x.WaitMessage(t, "missed call notice", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "Missed call from") })
				return
			}
			call, _ := ic.in.WaitAnswer(t)
			if g := phone.Read(t); len(g.Payload) != 160 {
				t.Errorf("greeting packet of %d bytes", len(g.Payload))
			}
			late := &jingle.Jingle{Action: jingle.SessionAccept, SID: ini.SID}
			if se := e.b.Jingle(context.Background(), bobLaptop, phoneJID, late); se == nil {
				t.Error("a session-accept for the ended session was taken")
			}
			call.HangupByPhone()
			ic.waitDone(t)
			for _, q := range e.x.IQs() {
				if q.To == bobLaptop.String() && q.Action() == jingle.SessionTerminate && tt.decline {
					t.Errorf("the client that declined was sent %s", q.Action())
				}
			}
		})
	}
}
