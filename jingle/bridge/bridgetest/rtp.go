package bridgetest

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

// RTPPhone is a phone's RTP socket on loopback, for tests that need the
// audio itself (voicemail) rather than signalling alone.
type RTPPhone struct {
	conn *net.UDPConn
	ssrc uint32
	seq  uint16
	ts   uint32
}

// NewRTPPhone opens the socket; it is closed when the test ends.
func NewRTPPhone(t testing.TB) *RTPPhone {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &RTPPhone{conn: conn, ssrc: 0x5eed}
}

// SDP describes the socket (PCMU, PCMA, telephone-event) with direction dir.
func (p *RTPPhone) SDP(dir string) []byte {
	port := uint16(p.conn.LocalAddr().(*net.UDPAddr).Port)
	return bridge.PlainSDP(netip.MustParseAddr("127.0.0.1"), port, bridge.G711Codecs(), dir)
}

// Read returns the next RTP packet that arrives.
func (p *RTPPhone) Read(t testing.TB) *rtp.Packet {
	t.Helper()
	buf := make([]byte, 1500)
	_ = p.conn.SetReadDeadline(time.Now().Add(Timeout))
	n, err := p.conn.Read(buf)
	if err != nil {
		t.Fatalf("bridgetest: no RTP: %v", err)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(buf[:n]); err != nil {
		t.Fatalf("bridgetest: not RTP: %v", err)
	}
	return &pkt
}

// Send sends one 20 ms packet of payload type pt to the address in sdp.
func (p *RTPPhone) Send(t testing.TB, sdp []byte, pt uint8, payload []byte) {
	t.Helper()
	sm, err := bridge.ParsePlainSDP(sdp)
	if err != nil {
		t.Fatal(err)
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}, Payload: payload}
	p.seq++
	p.ts += uint32(len(payload))
	b, err := pkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.conn.WriteToUDPAddrPort(b, sm.Addr); err != nil {
		t.Fatal(err)
	}
}
