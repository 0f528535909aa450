package media

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
)

// testWebRTC is the bridge side under test: loopback candidates only.
func testWebRTC(t *testing.T, timeout time.Duration) *WebRTC {
	t.Helper()
	w, err := NewWebRTC(WebRTCSettings{
		Loopback:       true,
		ListenIPs:      []netip.Addr{loopback},
		ConnectTimeout: timeout,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newTestLeg(t *testing.T, w *WebRTC) *Leg {
	t.Helper()
	l, err := w.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// peer is an independent pion PeerConnection built from a plain API with
// opus first, as a browser or Conversations offers, so the test shows the
// leg settles on G.711.
type peer struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP

	mu       sync.Mutex
	got      []*rtp.Packet
	gotSome  chan struct{}
	gotOnce  sync.Once
	readDone chan struct{}
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	me := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000, Channels: 1}, PayloadType: 101},
	} {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(rtctest.Loopback()))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "peer-audio", "peer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	p := &peer{pc: pc, track: track, gotSome: make(chan struct{}), readDone: make(chan struct{})}
	var started sync.Once
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		started.Do(func() {
			go func() {
				defer close(p.readDone)
				for {
					pkt, _, err := tr.ReadRTP()
					if err != nil {
						return
					}
					p.mu.Lock()
					p.got = append(p.got, pkt)
					p.mu.Unlock()
					p.gotOnce.Do(func() { close(p.gotSome) })
				}
			}()
		})
	})
	t.Cleanup(func() { p.close() })
	return p
}

func (p *peer) close() {
	p.pc.GracefulClose()
	select {
	case <-p.gotSome:
		<-p.readDone
	default:
	}
}

func (p *peer) received() []*rtp.Packet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*rtp.Packet(nil), p.got...)
}

// complete sets pc's local description and waits for ICE gathering, so
// the SDP carries every candidate (no trickle in these tests).
func complete(t *testing.T, pc *webrtc.PeerConnection, d webrtc.SessionDescription) webrtc.SessionDescription {
	t.Helper()
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(waitLong):
		t.Fatal("ICE gathering did not complete")
	}
	return *pc.LocalDescription()
}

func offer(t *testing.T, pc *webrtc.PeerConnection) webrtc.SessionDescription {
	t.Helper()
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return complete(t, pc, o)
}

func answer(t *testing.T, pc *webrtc.PeerConnection, remote webrtc.SessionDescription) webrtc.SessionDescription {
	t.Helper()
	if err := pc.SetRemoteDescription(remote); err != nil {
		t.Fatal(err)
	}
	a, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return complete(t, pc, a)
}

func waitConnected(t *testing.T, l *Leg) {
	t.Helper()
	select {
	case <-l.Connected():
	case <-l.Failed():
		t.Fatal("leg failed instead of connecting")
	case <-time.After(waitLong):
		t.Fatal("leg did not connect")
	}
}

// keepSending writes packets from next until stop is closed, every 10 ms.
func keepSending(t *testing.T, write func(*rtp.Packet) error, next func(i int) *rtp.Packet, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := write(next(i)); err != nil && !errors.Is(err, ErrNotReady) {
				t.Errorf("write %d: %v", i, err)
				return
			}
		}
	}()
	return &wg
}

// legStream is what the bridge sends towards the Jingle client: PCMU with
// a telephone-event packet (PT 101) every fifth packet.
func legStream(i int) *rtp.Packet {
	if i%5 == 4 {
		return pkt(101, uint16(i), uint32(160*i), 1, i == 4, 7, 0x0a, 0, 160)
	}
	return pkt(0, uint16(i), uint32(160*i), 1, i == 0, bytes.Repeat([]byte{byte(i)}, 160)...)
}

// checkPeerGotLegStream waits until the peer saw a telephone-event packet
// between PCMU packets and checks every packet it got.
func checkPeerGotLegStream(t *testing.T, p *peer) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		got := p.received()
		sawDTMF := false
		for i := 1; i+1 < len(got); i++ {
			if got[i].PayloadType == 101 && got[i-1].PayloadType == 0 && got[i+1].PayloadType == 0 {
				sawDTMF = true
			}
		}
		if sawDTMF {
			for _, q := range got {
				i := int(q.SequenceNumber) // the leg keeps the relay's numbering
				want := legStream(i)
				if q.PayloadType != want.PayloadType || !bytes.Equal(q.Payload, want.Payload) {
					t.Fatalf("peer got seq %d pt %d payload %x...; want pt %d payload %x...",
						i, q.PayloadType, q.Payload[:4], want.PayloadType, want.Payload[:4])
				}
				if q.SSRC != got[0].SSRC {
					t.Fatalf("SSRC changed from %x to %x", got[0].SSRC, q.SSRC)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer got %d packets, no telephone-event between PCMU", len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkLegGetsPeerAudio checks that PCMU the peer sends comes out of
// Leg.ReadRTP intact.
func checkLegGetsPeerAudio(t *testing.T, l *Leg, p *peer) {
	t.Helper()
	stop := make(chan struct{})
	wg := keepSending(t, p.track.WriteRTP, func(i int) *rtp.Packet {
		return pkt(0, uint16(1000+i), uint32(160*i), 99, false, bytes.Repeat([]byte{0xd5, byte(i)}, 80)...)
	}, stop)
	defer func() { close(stop); wg.Wait() }()
	for range 3 {
		q := readWithin(t, l)
		if q.PayloadType != 0 || len(q.Payload) != 160 || q.Payload[0] != 0xd5 ||
			q.Payload[1] != byte(q.SequenceNumber-1000) {
			t.Fatalf("leg read %v", q)
		}
	}
}

func TestLegAnswersPeerOffer(t *testing.T) {
	w := testWebRTC(t, waitLong)
	l := newTestLeg(t, w)
	p := newPeer(t)

	o := offer(t, p.pc)
	a := answer(t, l.PC(), o)
	if !strings.Contains(a.SDP, "PCMU/8000") || !strings.Contains(a.SDP, "telephone-event/8000") ||
		strings.Contains(strings.ToLower(a.SDP), "opus") {
		t.Fatalf("answer does not settle on G.711 + telephone-event:\n%s", a.SDP)
	}
	if strings.Contains(a.SDP, "ice-lite") {
		t.Fatal("answer is ICE-lite")
	}
	if err := p.pc.SetRemoteDescription(a); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, l)

	stop := make(chan struct{})
	wg := keepSending(t, l.WriteRTP, legStream, stop)
	checkPeerGotLegStream(t, p)
	close(stop)
	wg.Wait()

	checkLegGetsPeerAudio(t, l, p)
}

func TestLegOffers(t *testing.T) {
	w := testWebRTC(t, waitLong)
	l := newTestLeg(t, w)
	p := newPeer(t)

	o := offer(t, l.PC())
	for _, codec := range []string{"PCMU/8000", "PCMA/8000", "telephone-event/8000"} {
		if !strings.Contains(o.SDP, codec) {
			t.Errorf("offer lacks %s", codec)
		}
	}
	if strings.Contains(strings.ToLower(o.SDP), "opus") {
		t.Error("offer has opus")
	}
	a := answer(t, p.pc, o)
	if err := l.PC().SetRemoteDescription(a); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, l)

	stop := make(chan struct{})
	wg := keepSending(t, l.WriteRTP, legStream, stop)
	checkPeerGotLegStream(t, p)
	close(stop)
	wg.Wait()

	checkLegGetsPeerAudio(t, l, p)
}

// TestLegFailsWithoutPeer points the leg at a peer whose sockets are
// closed: ICE never completes, so Failed fires after ConnectTimeout.
func TestLegFailsWithoutPeer(t *testing.T) {
	w := testWebRTC(t, time.Second)
	l, err := w.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	p := newPeer(t)
	o := offer(t, p.pc)
	p.close()

	if err := l.WriteRTP(pkt(0, 1, 0, 1, false, 1)); !errors.Is(err, ErrNotReady) {
		t.Errorf("write before negotiation: %v, want ErrNotReady", err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := l.ReadRTP()
		readErr <- err
	}()
	answer(t, l.PC(), o)
	select {
	case <-l.Failed():
	case <-l.Connected():
		t.Fatal("connected to a closed peer")
	case <-time.After(waitLong):
		t.Fatal("Failed did not fire")
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, ErrLegFailed) {
			t.Errorf("ReadRTP on failed leg: %v, want ErrLegFailed", err)
		}
	case <-time.After(waitLong):
		t.Fatal("ReadRTP still blocked after Failed")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l.ReadRTP(); err == nil {
		t.Fatal("ReadRTP after Close succeeded")
	}
	if err := l.WriteRTP(pkt(0, 1, 0, 1, false, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteRTP after Close: %v, want ErrClosed", err)
	}
}

// TestLegCloseUnblocksRead closes a connected leg while ReadRTP waits.
func TestLegCloseUnblocksRead(t *testing.T) {
	w := testWebRTC(t, waitLong)
	l := newTestLeg(t, w)
	p := newPeer(t)
	if err := p.pc.SetRemoteDescription(answer(t, l.PC(), offer(t, p.pc))); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, l)
	checkLegGetsPeerAudio(t, l, p) // the remote track exists now
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, err := l.ReadRTP(); err != nil {
				readErr <- err
				return
			}
		}
	}()
	l.Close()
	select {
	case err := <-readErr:
		if !errors.Is(err, io.EOF) && !errors.Is(err, ErrClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadRTP after Close: %v", err)
		}
	case <-time.After(waitLong):
		t.Fatal("ReadRTP still blocked after Close")
	}
	select {
	case <-l.Failed():
	default:
		t.Error("Failed not closed after Close")
	}
}

func TestNewWebRTCSettings(t *testing.T) {
	tests := []struct {
		name    string
		set     WebRTCSettings
		wantErr bool
	}{
		{"defaults", WebRTCSettings{}, false},
		{"ports and public ip", WebRTCSettings{Ports: PortRange{Min: 30000, Max: 30100}, PublicIP: "203.0.113.7"}, false},
		{"bad public ip", WebRTCSettings{PublicIP: "not-an-ip"}, true},
		{"bad ports", WebRTCSettings{Ports: PortRange{Min: 5, Max: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWebRTC(tt.set)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewWebRTC: %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && w.timeout != defaultConnectTimeout && tt.set.ConnectTimeout == 0 {
				t.Errorf("default timeout %v", w.timeout)
			}
		})
	}
}

// TestLegCandidates checks that udp_ports and public_ip reach the
// candidates of an offer (gathering only, nothing is sent).
func TestLegCandidates(t *testing.T) {
	for _, tt := range []struct {
		name   string
		listen []netip.Addr
	}{
		{"loopback only", []netip.Addr{loopback}},
		// Every interface of the machine: addresses of the other family
		// than public_ip (an IPv6 ULA beside an IPv4 public address, say)
		// cannot be rewritten and must not be offered at all.
		{"every interface", nil},
	} {
		t.Run(tt.name, func(t *testing.T) { testLegCandidates(t, tt.listen) })
	}
}

func testLegCandidates(t *testing.T, listen []netip.Addr) {
	free, err := ListenRTP(loopback, PortRange{}) // find a free pair, then give it to ICE
	if err != nil {
		t.Fatal(err)
	}
	port := int(free.LocalAddr().Port())
	free.Close()
	w, err := NewWebRTC(WebRTCSettings{
		Ports:     PortRange{Min: port, Max: port + 1},
		PublicIP:  "203.0.113.7",
		Loopback:  true,
		ListenIPs: listen,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	l := newTestLeg(t, w)
	o := offer(t, l.PC())
	var cands []string
	for _, line := range strings.Split(o.SDP, "\r\n") {
		if strings.HasPrefix(line, "a=candidate:") {
			cands = append(cands, line)
		}
	}
	if len(cands) == 0 {
		t.Fatalf("no candidates in offer:\n%s", o.SDP)
	}
	for _, c := range cands {
		f := strings.Fields(c)
		if len(f) < 8 || f[2] != "udp" || f[4] != "203.0.113.7" || f[7] != "host" {
			t.Errorf("candidate %q: want udp host 203.0.113.7", c)
			continue
		}
		if f[5] != strconv.Itoa(port) && f[5] != strconv.Itoa(port+1) {
			t.Errorf("candidate %q: port outside %d-%d", c, port, port+1)
		}
	}
}

// TestLegConnectTimeoutCountsFromAnswer: a call's offer can wait through a
// long ringing before it is answered; the connect timeout counts from the
// answer, so a leg given the peer's offer 2 s before answering connects
// with a 1 s ConnectTimeout.
func TestLegConnectTimeoutCountsFromAnswer(t *testing.T) {
	w := testWebRTC(t, time.Second)
	l := newTestLeg(t, w)
	p := newPeer(t)
	o := offer(t, p.pc)
	if err := l.PC().SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Failed():
		t.Fatal("the leg failed while the call was ringing")
	case <-time.After(2 * time.Second): // ringing
	}
	a, err := l.PC().CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.pc.SetRemoteDescription(complete(t, l.PC(), a)); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, l)
}

// TestLegConnectTimeoutAfterAnswer: answered but never connected (the peer
// is gone): Failed fires ConnectTimeout after the answer, not after the
// offer, and not before.
func TestLegConnectTimeoutAfterAnswer(t *testing.T) {
	w := testWebRTC(t, time.Second)
	l := newTestLeg(t, w)
	p := newPeer(t)
	o := offer(t, p.pc)
	p.close()
	if err := l.PC().SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // ringing, longer than the timeout
	a, err := l.PC().CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	answered := time.Now()
	complete(t, l.PC(), a)
	select {
	case <-l.Failed():
	case <-l.Connected():
		t.Fatal("connected to a closed peer")
	case <-time.After(waitLong):
		t.Fatal("Failed did not fire")
	}
	if d := time.Since(answered); d < 900*time.Millisecond {
		t.Errorf("failed %v after the answer, want about the 1 s timeout", d)
	}
}

// TestLegDeferConnectTimeout: a leg whose answer reaches the peer later
// (the sandbox phone's) starts the timeout itself.
func TestLegDeferConnectTimeout(t *testing.T) {
	w := testWebRTC(t, time.Second)
	l := newTestLeg(t, w)
	l.DeferConnectTimeout()
	p := newPeer(t)
	o := offer(t, p.pc)
	p.close()
	answer(t, l.PC(), o)
	select {
	case <-l.Failed():
		t.Fatal("the timeout ran before StartConnectTimeout")
	case <-time.After(1500 * time.Millisecond):
	}
	started := time.Now()
	l.StartConnectTimeout()
	select {
	case <-l.Failed():
	case <-time.After(waitLong):
		t.Fatal("Failed did not fire after StartConnectTimeout")
	}
	if d := time.Since(started); d < 900*time.Millisecond {
		t.Errorf("failed %v after StartConnectTimeout, want about 1 s", d)
	}
}

// TestLegOffersAnswerWithoutSSRC: the leg offers (an incoming phone call)
// and the client's answer declares no SSRC, as Dino 0.4's session-accept
// (no <source/>) gives after jingle.ToSDP. Its audio must still come out
// of ReadRTP: pion drops an undeclared SSRC that arrives after an answer
// unless told not to.
func TestLegOffersAnswerWithoutSSRC(t *testing.T) {
	w := testWebRTC(t, waitLong)
	l := newTestLeg(t, w)
	p := newPeer(t)

	a := answer(t, p.pc, offer(t, l.PC()))
	var kept []string
	for _, line := range strings.Split(a.SDP, "\r\n") {
		if !strings.HasPrefix(line, "a=ssrc") && !strings.HasPrefix(line, "a=msid") {
			kept = append(kept, line)
		}
	}
	a.SDP = strings.Join(kept, "\r\n")
	if strings.Contains(a.SDP, "a=ssrc") {
		t.Fatal("answer still declares an SSRC")
	}
	if err := l.PC().SetRemoteDescription(a); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, l)
	checkLegGetsPeerAudio(t, l, p)
}
