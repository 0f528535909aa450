package media

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
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
	b.SetRemote(a.LocalAddr())
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
	// b's first packet came from its peer's SDP address: b is locked there.
	if r, latched := b.Remote(); r != a.LocalAddr() || !latched {
		t.Fatalf("b.Remote() = %v, %v; want %v, true", r, latched, a.LocalAddr())
	}
	if err := b.WriteRTP(pcmu(9, 0, 2, 0x66)); err != nil {
		t.Fatal(err)
	}
	if got := readWithin(t, a); got.SequenceNumber != 9 || got.Payload[0] != 0x66 {
		t.Fatalf("reply: %v", got)
	}
	if a.Rejected() != 0 || b.Rejected() != 0 {
		t.Fatalf("rejected %d, %d; want none", a.Rejected(), b.Rejected())
	}
}

// udpOn is a bare UDP socket on a loopback address (127.0.0.2 and up act
// as other hosts on Linux) and its address.
func udpOn(t *testing.T, ip string) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// expectFrom reads one datagram on c within a short while, or reports
// that none came (want false).
func expectFrom(t *testing.T, c *net.UDPConn, want bool, what string) {
	t.Helper()
	wait := waitLong
	if !want {
		wait = 100 * time.Millisecond
	}
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 1500)
	_, err := c.Read(buf)
	if got := err == nil; got != want {
		t.Fatalf("%s: received %v, want %v (%v)", what, got, want, err)
	}
}

// TestRTPConnStrict is issue 8's RTP bleed at the socket: sources other
// than the peer's are dropped and counted and never receive our stream;
// the conn locks once, onto the first valid packet from the SDP's IP or a
// trusted one, and then never moves (until SetPeer names a new address).
func TestRTPConnStrict(t *testing.T) {
	type send struct {
		from string // sender: "sdp" (the SDP address), "nat" (another port of the SDP's IP), "trusted" (127.0.0.3), "attacker" (127.0.0.2)
		raw  []byte // instead of a valid packet
	}
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for _, tt := range []struct {
		name     string
		noPeer   bool     // SetPeer is never called
		trusted  bool     // SetPeer trusts 127.0.0.3
		sends    []send   // in this order
		read     []string // senders of the packets ReadRTP returns, in order
		rejected uint64   // Rejected() afterwards
		lockedTo string   // Remote() afterwards (locked); "" for the SDP address, unlocked
	}{
		{
			name:  "a third address is dropped, the peer's stream read unaffected",
			sends: []send{{from: "attacker"}, {from: "sdp"}, {from: "attacker"}, {from: "attacker"}, {from: "sdp"}, {from: "attacker"}, {from: "sdp"}},
			read:  []string{"sdp", "sdp", "sdp"}, rejected: 4, lockedTo: "sdp",
		},
		{
			name:   "nothing is read before the SDP is known",
			noPeer: true,
			sends:  []send{{from: "sdp"}, {from: "attacker"}, {from: "nat"}},
			// ReadRTP would block: the test reads nothing and counts.
			rejected: 3,
		},
		{
			name:  "symmetric RTP: the SDP's IP from another port locks once, then even the SDP address is dropped",
			sends: []send{{from: "attacker"}, {from: "nat"}, {from: "sdp"}, {from: "nat"}, {from: "attacker"}, {from: "nat"}},
			read:  []string{"nat", "nat", "nat"}, rejected: 3, lockedTo: "nat",
		},
		{
			name:    "a trusted IP locks the conn",
			trusted: true,
			sends:   []send{{from: "attacker"}, {from: "trusted"}, {from: "sdp"}, {from: "trusted"}},
			read:    []string{"trusted", "trusted"}, rejected: 2, lockedTo: "trusted",
		},
		{
			name:  "a trusted-looking IP without a trust function does not",
			sends: []send{{from: "trusted"}, {from: "sdp"}},
			read:  []string{"sdp"}, rejected: 1, lockedTo: "sdp",
		},
		{
			name: "garbage, RTP v1 and RTCP from the SDP's IP do not lock",
			sends: []send{{from: "nat", raw: []byte("hello")}, {from: "nat", raw: rtcp}, {from: "nat", raw: []byte{0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}},
				{from: "sdp"}, {from: "nat"}, {from: "sdp"}},
			read: []string{"sdp", "sdp"}, rejected: 1, lockedTo: "sdp",
		},
		{
			name:  "garbage from a third address is counted too",
			sends: []send{{from: "attacker", raw: []byte("hello")}, {from: "attacker", raw: rtcp}, {from: "sdp"}},
			read:  []string{"sdp"}, rejected: 2, lockedTo: "sdp",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := ListenRTP(loopback, PortRange{})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			socks := map[string]*net.UDPConn{}
			addrs := map[string]netip.AddrPort{}
			for name, ip := range map[string]string{"sdp": "127.0.0.1", "nat": "127.0.0.1", "trusted": "127.0.0.3", "attacker": "127.0.0.2"} {
				socks[name], addrs[name] = udpOn(t, ip)
			}
			if !tt.noPeer {
				var trust func(netip.Addr) bool
				if tt.trusted {
					trust = func(a netip.Addr) bool { return a == addrs["trusted"].Addr() }
				}
				conn.SetPeer(addrs["sdp"], trust)
			}
			seq := map[uint16]string{}
			for i, s := range tt.sends {
				b := s.raw
				if b == nil {
					b = marshal(t, pcmu(uint16(i), uint32(160*i), 1, byte(i)))
					seq[uint16(i)] = s.from
				}
				sendRaw(t, socks[s.from], conn.LocalAddr(), b)
			}
			var got []string
			for range tt.read {
				p := readWithin(t, conn)
				got = append(got, seq[p.SequenceNumber])
			}
			if !slices.Equal(got, tt.read) {
				t.Errorf("read from %v, want %v", got, tt.read)
			}
			// Loopback queues datagrams as they are sent, so every one
			// sent before the last one read has been judged.
			if tt.read == nil {
				conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				if p, err := conn.ReadRTP(); err == nil {
					t.Errorf("read %v, want nothing", p)
				}
			}
			if n := conn.Rejected(); n != tt.rejected {
				t.Errorf("Rejected() = %d, want %d", n, tt.rejected)
			}
			r, locked := conn.Remote()
			want := addrs["sdp"]
			if tt.lockedTo != "" {
				want = addrs[tt.lockedTo]
			}
			if tt.noPeer {
				want = netip.AddrPort{}
			}
			if r != want || locked != (tt.lockedTo != "") {
				t.Errorf("Remote() = %v, %v; want %v, %v", r, locked, want, tt.lockedTo != "")
			}
			if tt.noPeer {
				return
			}
			// Our stream goes to where the conn is locked (or the SDP
			// address), never to anyone else.
			if err := conn.WriteRTP(pcmu(100, 0, 2, 0)); err != nil {
				t.Fatal(err)
			}
			for name, c := range socks {
				expectFrom(t, c, addrs[name] == want, name)
			}
		})
	}
}

// TestRTPConnSetPeer: the same address again (hold, resume) keeps the lock;
// a new one (the media moved) opens it once more, for one source.
func TestRTPConnSetPeer(t *testing.T) {
	conn, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sdp, sdpAddr := udpOn(t, "127.0.0.1")
	nat, natAddr := udpOn(t, "127.0.0.1")
	moved, movedAddr := udpOn(t, "127.0.0.4")
	conn.SetRemote(sdpAddr)
	sendRaw(t, nat, conn.LocalAddr(), marshal(t, pcmu(1, 0, 1, 0)))
	readWithin(t, conn)
	if r, locked := conn.Remote(); r != natAddr || !locked {
		t.Fatalf("Remote() = %v, %v; want %v locked", r, locked, natAddr)
	}

	conn.SetRemote(sdpAddr) // re-INVITE for hold
	if r, locked := conn.Remote(); r != natAddr || !locked {
		t.Fatalf("after the same SDP: Remote() = %v, %v; want %v locked", r, locked, natAddr)
	}

	conn.SetRemote(movedAddr) // re-INVITE to another host
	if r, locked := conn.Remote(); r != movedAddr || locked {
		t.Fatalf("after a new SDP: Remote() = %v, %v; want %v unlocked", r, locked, movedAddr)
	}
	sendRaw(t, sdp, conn.LocalAddr(), marshal(t, pcmu(2, 0, 1, 0)))   // the old host: dropped
	sendRaw(t, moved, conn.LocalAddr(), marshal(t, pcmu(3, 0, 1, 0))) // the new one locks
	if p := readWithin(t, conn); p.SequenceNumber != 3 {
		t.Fatalf("read seq %d, want 3 from the new address", p.SequenceNumber)
	}
	if r, locked := conn.Remote(); r != movedAddr || !locked || conn.Rejected() != 1 {
		t.Fatalf("Remote() = %v, %v, rejected %d; want %v locked, 1", r, locked, conn.Rejected(), movedAddr)
	}
}

// TestRTPConnRejectLog: a flood from elsewhere is one log line, with the
// source, not one per packet; without SetLogger nothing is logged.
func TestRTPConnRejectLog(t *testing.T) {
	conn, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var logs bytes.Buffer
	conn.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	peer, peerAddr := udpOn(t, "127.0.0.1")
	attacker, attackerAddr := udpOn(t, "127.0.0.2")
	conn.SetRemote(peerAddr)
	for i := range 200 {
		sendRaw(t, attacker, conn.LocalAddr(), marshal(t, pcmu(uint16(i), 0, 1, 0)))
	}
	sendRaw(t, peer, conn.LocalAddr(), marshal(t, pcmu(1000, 0, 1, 0)))
	if p := readWithin(t, conn); p.SequenceNumber != 1000 {
		t.Fatalf("read seq %d, want the peer's 1000", p.SequenceNumber)
	}
	if conn.Rejected() != 200 {
		t.Fatalf("Rejected() = %d, want 200", conn.Rejected())
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "media: dropped RTP from an unexpected source") ||
		!strings.Contains(lines[0], "from="+attackerAddr.String()) || !strings.Contains(lines[0], "level=WARN") {
		t.Fatalf("log:\n%s\nwant one WARN line naming %v", logs.String(), attackerAddr)
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
