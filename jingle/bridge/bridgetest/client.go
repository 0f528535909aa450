package bridgetest

import (
	"net/netip"
	"testing"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// NewWebRTC returns WebRTC legs that gather on 127.0.0.1 only, for a
// bridge or a Client under test.
func NewWebRTC(t testing.TB) *media.WebRTC {
	t.Helper()
	rtc, err := media.NewWebRTC(media.WebRTCSettings{Loopback: true, ListenIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	return rtc
}

// Client is a user's Jingle client: a pion PeerConnection whose
// descriptions go to and come from Jingle as a real client's do. It only
// signals; nothing here waits for media.
type Client struct {
	leg *media.Leg
}

// NewClient returns a client closed when the test ends.
func NewClient(t testing.TB, rtc *media.WebRTC) *Client {
	t.Helper()
	leg, err := rtc.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = leg.Close() })
	return &Client{leg: leg}
}

// Offer returns the client's session-initiate for session sid (G.711 and
// telephone-event, as Conversations offers among others).
func (c *Client) Offer(t testing.TB, sid string) *jingle.Jingle {
	t.Helper()
	pc := c.leg.PC()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	j := c.local(t, jingle.SessionInitiate, jingle.Initiator)
	j.SID = sid
	return j
}

// Accept answers the bridge's session-initiate with a session-accept.
func (c *Client) Accept(t testing.TB, initiate *jingle.Jingle) *jingle.Jingle {
	t.Helper()
	sd, err := jingle.ToSDP(initiate, jingle.Initiator)
	if err != nil {
		t.Fatalf("bridgetest: the bridge's session-initiate does not map to SDP: %v", err)
	}
	text, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	pc := c.leg.PC()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(text)}); err != nil {
		t.Fatalf("bridgetest: the bridge's offer was refused: %v\n%s", err, text)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	j := c.local(t, jingle.SessionAccept, jingle.Responder)
	j.SID = initiate.SID
	return j
}

// TakeAnswer applies the bridge's session-accept, as a client does.
func (c *Client) TakeAnswer(t testing.TB, accept *jingle.Jingle) {
	t.Helper()
	sd, err := jingle.ToSDP(accept, jingle.Responder)
	if err != nil {
		t.Fatalf("bridgetest: the bridge's session-accept does not map to SDP: %v", err)
	}
	text, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.leg.PC().SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(text)}); err != nil {
		t.Fatalf("bridgetest: the bridge's answer was refused: %v\n%s", err, text)
	}
}

func (c *Client) local(t testing.TB, a jingle.Action, role jingle.Role) *jingle.Jingle {
	t.Helper()
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(c.leg.PC().LocalDescription().SDP); err != nil {
		t.Fatal(err)
	}
	j, err := jingle.FromSDP(&sd, a, role)
	if err != nil {
		t.Fatalf("bridgetest: the client's description does not map to Jingle: %v", err)
	}
	return j
}

// OnlyCodec makes j offer pt alone in every content (e.g. a client that
// offers nothing but Opus).
func OnlyCodec(j *jingle.Jingle, pt jingle.PayloadType) {
	for i := range j.Contents {
		if d := j.Contents[i].Description; d != nil {
			d.PayloadTypes = []jingle.PayloadType{pt}
		}
	}
}
