package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

func sdpCodecs(t *testing.T, text string) []Codec {
	t.Helper()
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		t.Fatal(err)
	}
	if len(sd.MediaDescriptions) == 0 {
		t.Fatal("SDP without media")
	}
	return Codecs(sd.MediaDescriptions[0])
}

// TestEndToEnd: pion peer <-> Leg <-Relay-> RTPConn <-> bare UDP socket
// (the SIP trunk, which uses PT 126 for telephone-event).
func TestEndToEnd(t *testing.T) {
	w := testWebRTC(t, waitLong)
	leg := newTestLeg(t, w)
	p := newPeer(t)
	o := offer(t, p.pc)
	a := answer(t, leg.PC(), o)
	if err := p.pc.SetRemoteDescription(a); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, leg)

	sipConn, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer sipConn.Close()
	trunk := plainUDP(t)
	sipConn.SetRemote(trunk.LocalAddr().(*net.UDPAddr).AddrPort())

	legCodecs := sdpCodecs(t, a.SDP) // what the leg negotiated, in the offerer's PTs
	sipCodecs := sdpCodecs(t, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio 20000 RTP/AVP 0 8 126\r\na=rtpmap:126 telephone-event/8000\r\n")
	toSIP, toLeg := MapCodecs(legCodecs, sipCodecs), MapCodecs(sipCodecs, legCodecs)
	if toSIP[0] != 0 || toSIP[101] != 126 || toLeg[126] != 101 {
		t.Fatalf("maps: to SIP %v, to leg %v", toSIP, toLeg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	relayDone := make(chan error, 1)
	go func() {
		_, err := Relay(ctx, leg, sipConn, toSIP, toLeg)
		relayDone <- err
	}()
	defer func() {
		cancel()
		select {
		case err := <-relayDone:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Relay: %v", err)
			}
		case <-time.After(waitLong):
			t.Error("Relay did not stop")
		}
	}()

	// Trunk -> peer: PCMU and one telephone-event (126 on the trunk, 101 at the peer).
	stop := make(chan struct{})
	sent := keepSending(t, func(q *rtp.Packet) error {
		b, err := q.Marshal()
		if err != nil {
			return err
		}
		_, err = trunk.WriteToUDPAddrPort(b, sipConn.LocalAddr())
		return err
	}, func(i int) *rtp.Packet {
		if i%5 == 4 {
			return pkt(126, uint16(i), uint32(160*i), 0x5150, false, 7, 0x0a, 0, 160)
		}
		return pkt(0, uint16(i), uint32(160*i), 0x5150, false, bytes.Repeat([]byte{0x7f, byte(i)}, 80)...)
	}, stop)
	deadline := time.Now().Add(waitLong)
	for {
		got := p.received()
		audio, dtmf := 0, 0
		for _, q := range got {
			switch q.PayloadType {
			case 0:
				if len(q.Payload) != 160 || q.Payload[0] != 0x7f {
					t.Fatalf("peer got PCMU payload %x...", q.Payload[:4])
				}
				audio++
			case 101:
				if !bytes.Equal(q.Payload, []byte{7, 0x0a, 0, 160}) {
					t.Fatalf("peer got event payload %x", q.Payload)
				}
				dtmf++
			default:
				t.Fatalf("peer got PT %d", q.PayloadType)
			}
		}
		if audio >= 5 && dtmf >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer got %d PCMU and %d events", audio, dtmf)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	sent.Wait()

	// Peer -> trunk: PCMU payloads intact.
	stop = make(chan struct{})
	sent = keepSending(t, p.track.WriteRTP, func(i int) *rtp.Packet {
		return pkt(0, uint16(i), uint32(160*i), 1, false, bytes.Repeat([]byte{0x55, byte(i)}, 80)...)
	}, stop)
	defer func() { close(stop); sent.Wait() }()
	buf := make([]byte, 1500)
	for n := 0; n < 5; {
		trunk.SetReadDeadline(time.Now().Add(waitLong))
		k, err := trunk.Read(buf)
		if err != nil {
			t.Fatalf("trunk got %d packets: %v", n, err)
		}
		var q rtp.Packet
		if err := q.Unmarshal(buf[:k]); err != nil {
			t.Fatal(err)
		}
		if q.PayloadType != 0 || len(q.Payload) != 160 || q.Payload[0] != 0x55 {
			t.Fatalf("trunk got %v", q)
		}
		n++
	}
}
