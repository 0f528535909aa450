package softphone

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// lateRinger answers every call after delay, as a user who lets it ring.
type lateRinger struct {
	delay    time.Duration
	answered chan *incoming
}

func (r lateRinger) Ring(ctx context.Context, in bridge.Incoming) {
	select {
	case <-time.After(r.delay):
	case <-ctx.Done():
		return
	}
	if _, err := in.Answer(ctx, bridge.PlainSDP(netip.MustParseAddr("127.0.0.1"), 9, bridge.G711Codecs(), "sendrecv")); err != nil {
		return
	}
	r.answered <- in.(*incoming)
}

// TestPageCallRingsLongerThanConnectTimeout: the page's call rings for 2 s
// with a 1 s connect timeout; the timeout counts from the answer, so the
// browser's media still connects.
func TestPageCallRingsLongerThanConnectTimeout(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	rtc, err := media.NewWebRTC(media.WebRTCSettings{Loopback: true, ListenIPs: []netip.Addr{lo}, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := New(Settings{WebRTC: rtc, RTPAddr: lo, LineIdle: time.Hour})
	defer p.Close()
	r := lateRinger{delay: 2 * time.Second, answered: make(chan *incoming, 1)}
	p.SetRinger(r)
	l, err := p.open("+12015550123")
	if err != nil {
		t.Fatal(err)
	}

	// The browser: a plain pion PeerConnection on loopback.
	browser := rtctest.Browser(t)
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "browser")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := browser.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	o, err := browser.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	offer, err := complete(gctx, browser, o)
	cancel()
	if err != nil {
		t.Fatal(err)
	}

	c, err := p.place(l, "+12015550100", offer)
	if err != nil {
		t.Fatal(err)
	}
	var in *incoming
	select {
	case in = <-r.answered:
	case <-c.leg.Failed():
		t.Fatal("the leg failed while the call was ringing")
	case <-time.After(20 * time.Second):
		t.Fatal("not answered")
	}
	if err := browser.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: in.answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.leg.Connected():
	case <-c.leg.Failed():
		t.Fatal("the leg failed after the answer")
	case <-time.After(20 * time.Second):
		t.Fatal("the leg did not connect")
	}
}
