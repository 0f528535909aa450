package media

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

const waitLong = 20 * time.Second // generous: CI runs -race on two loaded cores

func listenPair(t *testing.T) (a, b *RTPConn) {
	t.Helper()
	a, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

func pcmu(seq uint16, ts uint32, ssrc uint32, fill byte) *rtp.Packet {
	return &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc},
		Payload: bytes.Repeat([]byte{fill}, 160),
	}
}

// readWithin reads one packet or fails the test after waitLong.
func readWithin(t *testing.T, e interface {
	ReadRTP() (*rtp.Packet, error)
	SetReadDeadline(time.Time) error
}) *rtp.Packet {
	t.Helper()
	if err := e.SetReadDeadline(time.Now().Add(waitLong)); err != nil {
		t.Fatal(err)
	}
	defer e.SetReadDeadline(time.Time{})
	p, err := e.ReadRTP()
	if err != nil {
		t.Fatalf("ReadRTP: %v", err)
	}
	return p
}

// plainUDP is an independent peer: a bare UDP socket on loopback.
func plainUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sendRaw(t *testing.T, from *net.UDPConn, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := from.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

func marshal(t *testing.T, p *rtp.Packet) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRTPConnSendReceive(t *testing.T) {
	a, b := listenPair(t)
	if err := b.WriteRTP(pcmu(1, 0, 1, 0)); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("write without remote: %v, want ErrNoRemote", err)
	}
	a.SetRemote(b.LocalAddr())
	want := pcmu(7, 1120, 0xabc, 0x55)
	want.Marker = true
	if err := a.WriteRTP(want); err != nil {
		t.Fatal(err)
	}
	got := readWithin(t, b)
	if got.SequenceNumber != 7 || got.Timestamp != 1120 || got.SSRC != 0xabc || !got.Marker ||
		!bytes.Equal(got.Payload, want.Payload) {
		t.Fatalf("got %v", got)
	}
	// b learnt a's address from the packet: it can answer without SetRemote.
	if r, latched := b.Remote(); r != a.LocalAddr() || !latched {
		t.Fatalf("b.Remote() = %v, %v; want %v, true", r, latched, a.LocalAddr())
	}
	if err := b.WriteRTP(pcmu(9, 0, 2, 0x66)); err != nil {
		t.Fatal(err)
	}
	if got := readWithin(t, a); got.SequenceNumber != 9 || got.Payload[0] != 0x66 {
		t.Fatalf("reply: %v", got)
	}
}

func TestRTPConnLatchesToNewSource(t *testing.T) {
	conn, _ := listenPair(t)
	sdpPeer := plainUDP(t) // address the SDP announced
	natPeer := plainUDP(t) // where the packets really come from
	sdpAddr := sdpPeer.LocalAddr().(*net.UDPAddr).AddrPort()
	natAddr := natPeer.LocalAddr().(*net.UDPAddr).AddrPort()
	conn.SetRemote(sdpAddr)

	// Before any packet arrives we send to the SDP address.
	if err := conn.WriteRTP(pcmu(1, 0, 1, 0x11)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	sdpPeer.SetReadDeadline(time.Now().Add(waitLong))
	if _, err := sdpPeer.Read(buf); err != nil {
		t.Fatalf("sdp address got nothing: %v", err)
	}

	// Garbage, RTP version 1 and RTCP from the new source are dropped; the
	// first valid packet is returned and latches.
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	v1 := marshal(t, pcmu(2, 0, 1, 0))
	v1[0] = v1[0]&0x3f | 1<<6
	sendRaw(t, natPeer, conn.LocalAddr(), []byte("hello"))
	sendRaw(t, natPeer, conn.LocalAddr(), rtcp)
	sendRaw(t, natPeer, conn.LocalAddr(), v1)
	sendRaw(t, natPeer, conn.LocalAddr(), marshal(t, pcmu(3, 160, 9, 0x33)))
	got := readWithin(t, conn)
	if got.SequenceNumber != 3 || got.SSRC != 9 {
		t.Fatalf("first packet returned: seq %d ssrc %d, want seq 3 ssrc 9", got.SequenceNumber, got.SSRC)
	}
	if r, latched := conn.Remote(); r != natAddr || !latched {
		t.Fatalf("Remote() = %v, %v; want %v, true", r, latched, natAddr)
	}
	if err := conn.WriteRTP(pcmu(4, 320, 1, 0x44)); err != nil {
		t.Fatal(err)
	}
	natPeer.SetReadDeadline(time.Now().Add(waitLong))
	n, err := natPeer.Read(buf)
	if err != nil {
		t.Fatalf("latched address got nothing: %v", err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.SequenceNumber != 4 {
		t.Fatalf("latched address got %v, %v", p, err)
	}

	// A new SDP address (re-INVITE) overrides the latch until packets come.
	conn.SetRemote(sdpAddr)
	if r, latched := conn.Remote(); r != sdpAddr || latched {
		t.Fatalf("after SetRemote: %v, %v", r, latched)
	}
}

func TestRTPConnClose(t *testing.T) {
	conn, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.ReadRTP()
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the reader block; not required for correctness
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("ReadRTP after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(waitLong):
		t.Fatal("ReadRTP did not return after Close")
	}
}
