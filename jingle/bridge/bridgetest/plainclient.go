package bridgetest

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// NewPlain returns plain RTP legs that gather on 127.0.0.1 only, for a
// bridge under test (Settings.Plain).
func NewPlain(t testing.TB) *media.Plain {
	t.Helper()
	p, err := media.NewPlain(media.WebRTCSettings{Loopback: true, ListenIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// PlainClient is a Jingle client without DTLS, as Gajim's farstream is:
// RTP/AVP over ICE-UDP with candidates for components 1 (RTP) and 2
// (RTCP), no fingerprint. Its media is Peer's.
type PlainClient struct {
	Peer  *rtctest.ICEPeer
	cands []string
}

// NewPlainClient gathers the client's candidates.
func NewPlainClient(t testing.TB) *PlainClient {
	t.Helper()
	p := rtctest.NewICEPeer(t)
	return &PlainClient{Peer: p, cands: p.Gather(t)}
}

// gajimCodecs is what Gajim 1.7 offers for audio (its farstream
// defaults): Speex and Opus besides G.711, and telephone-event.
var gajimCodecs = []jingle.PayloadType{
	{ID: 96, Name: "SPEEX", ClockRate: 16000},
	{ID: 97, Name: "OPUS", ClockRate: 48000, Channels: 2},
	{ID: 0, Name: "PCMU", ClockRate: 8000},
	{ID: 8, Name: "PCMA", ClockRate: 8000},
	{ID: 101, Name: "telephone-event", ClockRate: 8000},
}

func (c *PlainClient) content(t testing.TB, creator jingle.Creator, name string, pts []jingle.PayloadType) jingle.Content {
	t.Helper()
	ufrag, pwd := c.Peer.Credentials()
	tr := &jingle.ICEUDPTransport{Ufrag: ufrag, Pwd: pwd}
	for i, s := range c.cands {
		cand, err := jingle.ParseCandidate(s, "c"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		tr.Candidates = append(tr.Candidates, cand)
	}
	return jingle.Content{Creator: creator, Name: name, Senders: jingle.SendersBoth,
		Description: &jingle.RTPDescription{Media: "audio", PayloadTypes: pts}, Transport: tr}
}

// Offer is the client's session-initiate for session sid.
func (c *PlainClient) Offer(t testing.TB, sid string) *jingle.Jingle {
	t.Helper()
	return &jingle.Jingle{Action: jingle.SessionInitiate, SID: sid,
		Contents: []jingle.Content{c.content(t, jingle.CreatorInitiator, "voice", gajimCodecs)}}
}

// TakeAnswer applies the bridge's session-accept and starts ICE as the
// controlling agent (the client offered).
func (c *PlainClient) TakeAnswer(t testing.TB, accept *jingle.Jingle) {
	t.Helper()
	c.takeRemote(t, accept, true)
}

// Accept answers the bridge's plain session-initiate with the payload
// types offered, and starts ICE as the controlled agent.
func (c *PlainClient) Accept(t testing.TB, initiate *jingle.Jingle) *jingle.Jingle {
	t.Helper()
	ct := c.takeRemote(t, initiate, false)
	return &jingle.Jingle{Action: jingle.SessionAccept, SID: initiate.SID,
		Contents: []jingle.Content{c.content(t, ct.Creator, ct.Name, ct.Description.PayloadTypes)}}
}

func (c *PlainClient) takeRemote(t testing.TB, j *jingle.Jingle, controlling bool) *jingle.Content {
	t.Helper()
	if len(j.Contents) != 1 || j.Contents[0].Transport == nil || j.Contents[0].Description == nil {
		t.Fatalf("bridgetest: want one audio content with a transport, got %+v", j.Contents)
	}
	ct := &j.Contents[0]
	if len(ct.Transport.Fingerprints) > 0 {
		t.Fatalf("bridgetest: DTLS fingerprint towards a client without DTLS")
	}
	for _, cand := range ct.Transport.Candidates {
		s, err := cand.SDP()
		if err != nil {
			t.Fatal(err)
		}
		c.Peer.AddRemote(t, s)
	}
	c.Peer.Start(t, controlling, ct.Transport.Ufrag, ct.Transport.Pwd)
	return ct
}
