package media

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/stun/v4"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
)

var plainCodecs = []Codec{
	{Name: "PCMU", ClockRate: 8000, Channels: 1, PT: 0},
	{Name: "telephone-event", ClockRate: 8000, Channels: 1, PT: 101},
}

func testPlain(t *testing.T, set WebRTCSettings) *Plain {
	t.Helper()
	set.Loopback = true
	set.ListenIPs = []netip.Addr{loopback}
	set.Logger = slog.New(slog.DiscardHandler)
	p, err := NewPlain(set)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newPlainLeg(t *testing.T, p *Plain, controlling bool) *PlainLeg {
	t.Helper()
	l, err := p.NewLeg(controlling)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func gatherLeg(t *testing.T, l *PlainLeg) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cands, err := l.Gather(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cands
}

// candAddr is the address of an SDP candidate and its component.
func candAddr(t *testing.T, s string) (netip.AddrPort, int) {
	t.Helper()
	f := strings.Fields(strings.TrimPrefix(s, "candidate:"))
	port, _ := strconv.Atoi(f[5])
	comp, _ := strconv.Atoi(f[1])
	return netip.AddrPortFrom(netip.MustParseAddr(f[4]), uint16(port)), comp
}

// connectPlain runs the ICE exchange between l and a farstream stand-in
// and waits for both; extra are candidates the peer "signals" besides its
// own (the attacker's, in TestPlainLegStranger); before, when set, runs
// with the leg's candidates before anything else.
func connectPlain(t *testing.T, l *PlainLeg, controlling bool, before func([]string), extra ...string) (*rtctest.ICEPeer, []string) {
	t.Helper()
	legCands := gatherLeg(t, l)
	if before != nil {
		before(legCands)
	}
	peer := rtctest.NewICEPeer(t)
	for _, c := range append(peer.Gather(t), extra...) {
		if err := l.AddRemoteCandidate(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range legCands {
		peer.AddRemote(t, c)
	}
	l.SetCodecs(plainCodecs)
	u, p := peer.Credentials()
	if err := l.Start(u, p); err != nil {
		t.Fatal(err)
	}
	lu, lp := l.Credentials()
	peer.Start(t, !controlling, lu, lp)
	select {
	case <-l.Connected():
	case <-l.Failed():
		t.Fatal("plain leg failed")
	case <-time.After(10 * time.Second):
		t.Fatal("plain leg not connected")
	}
	peer.Connected(t, 10*time.Second)
	return peer, legCands
}

func rtpBytes(t *testing.T, pt uint8, seq uint16, payload byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x1234}, Payload: []byte{payload, payload, payload}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readLeg(t *testing.T, l *PlainLeg, within time.Duration) *rtp.Packet {
	t.Helper()
	_ = l.SetReadDeadline(time.Now().Add(within))
	defer func() { _ = l.SetReadDeadline(time.Time{}) }()
	p, err := l.ReadRTP()
	if err != nil {
		t.Fatalf("leg read: %v", err)
	}
	return p
}

func TestPlainLegCall(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	for _, tc := range []struct {
		name        string
		controlling bool
	}{
		{"client offers, leg controlled", false},
		{"leg offers, leg controlling", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newPlainLeg(t, testPlain(t, WebRTCSettings{ConnectTimeout: 10 * time.Second}), tc.controlling)
			peer, cands := connectPlain(t, l, tc.controlling, nil)
			comps := map[int]bool{}
			for _, c := range cands {
				_, comp := candAddr(t, c)
				comps[comp] = true
			}
			if !comps[1] || !comps[2] {
				t.Fatalf("candidates %q: want components 1 and 2", cands)
			}

			// Peer → leg: an unnegotiated payload type is skipped.
			rtpConn := peer.Conn(1)
			for i, pt := range []uint8{96, 0, 101} {
				if _, err := rtpConn.Write(rtpBytes(t, pt, uint16(i+1), byte(i))); err != nil {
					t.Fatal(err)
				}
			}
			if p := readLeg(t, l, 3*time.Second); p.PayloadType != 0 || p.SequenceNumber != 2 {
				t.Fatalf("first packet read: PT %d seq %d, want PT 0 seq 2", p.PayloadType, p.SequenceNumber)
			}
			if p := readLeg(t, l, 3*time.Second); p.PayloadType != 101 {
				t.Fatalf("second packet read: PT %d, want 101", p.PayloadType)
			}
			// RTCP on component 2 is drained, not read as RTP.
			if _, err := peer.Conn(2).Write([]byte{0x80, 200, 0, 6, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
				t.Fatal(err)
			}

			// Leg → peer.
			if err := l.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 9, SSRC: 7}, Payload: []byte{1, 2}}); err != nil {
				t.Fatal(err)
			}
			_ = rtpConn.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 1500)
			n, err := rtpConn.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			var p rtp.Packet
			if err := p.Unmarshal(buf[:n]); err != nil || p.SequenceNumber != 9 || p.SSRC != 7 {
				t.Fatalf("peer got %v (%v), want seq 9 SSRC 7", p.Header, err)
			}
			if cs, err := l.Codecs(); err != nil || len(cs) != 2 {
				t.Fatalf("Codecs = %v, %v", cs, err)
			}
		})
	}
}

// TestPlainLegPorts: both components' candidates lie in udp_ports and
// carry public_ip instead of the local address.
func TestPlainLegPorts(t *testing.T) {
	if testing.Short() {
		t.Skip("binds sockets")
	}
	ports := PortRange{Min: 47100, Max: 47139}
	l := newPlainLeg(t, testPlain(t, WebRTCSettings{Ports: ports, PublicIP: "203.0.113.7"}), false)
	for _, c := range gatherLeg(t, l) {
		a, _ := candAddr(t, c)
		if int(a.Port()) < ports.Min || int(a.Port()) > ports.Max {
			t.Errorf("candidate %q outside %s", c, ports)
		}
		if a.Addr().String() != "203.0.113.7" {
			t.Errorf("candidate %q does not carry the public IP", c)
		}
	}
}

// attacker is a UDP socket on another loopback address that sends RTP and
// STUN at the leg and records whatever comes back.
type attacker struct {
	conn *net.UDPConn
}

func newAttacker(t *testing.T, ip string) *attacker {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &attacker{conn: c}
}

func (a *attacker) spray(t *testing.T, to netip.AddrPort, n int) {
	t.Helper()
	for i := range n {
		if _, err := a.conn.WriteToUDPAddrPort(rtpBytes(t, 0, uint16(1000+i), 0xEE), to); err != nil {
			t.Fatal(err)
		}
	}
	// A binding request without credentials must not be answered either.
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.NewUsername("x:y"), stun.Fingerprint)
	_, _ = a.conn.WriteToUDPAddrPort(req.Raw, to)
}

// heard fails the test if media, or an answer to its STUN, reached the
// attacker. Connectivity checks to a signalled candidate are ICE doing
// its work (they carry no audio and need the peer's password to answer).
func (a *attacker) heard(t *testing.T) {
	t.Helper()
	_ = a.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 1500)
	for {
		n, from, err := a.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if stun.IsMessage(buf[:n]) && m.Decode() == nil && m.Type == stun.BindingRequest {
			continue
		}
		t.Fatalf("attacker received %d bytes (not a binding request) from %s", n, from)
	}
}

// The attacks: a stranger that sprays RTP (and an unauthenticated STUN
// check) at the leg's ports before and during the call, and one whose
// address the peer signalled as a candidate but which never completed a
// check. Neither is read by the leg nor hears anything from it.
func TestPlainLegStranger(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	for _, tc := range []struct {
		name      string
		signalled bool // the stranger's address is among the peer's candidates
	}{
		{"stranger", false},
		{"signalled candidate that never checked", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newPlainLeg(t, testPlain(t, WebRTCSettings{ConnectTimeout: 10 * time.Second}), false)
			bad := newAttacker(t, "127.0.0.2")
			var extra []string
			if tc.signalled {
				ap := bad.conn.LocalAddr().(*net.UDPAddr).AddrPort()
				// A higher priority than the peer's own, so it is tried first.
				extra = append(extra, "candidate:999 1 udp 2130706431 "+ap.Addr().String()+" "+strconv.Itoa(int(ap.Port()))+" typ host")
			}
			// Before the call is set up nothing passes.
			peer, legCands := connectPlain(t, l, false, func(cands []string) {
				for _, c := range cands {
					a, _ := candAddr(t, c)
					bad.spray(t, a, 5)
				}
			}, extra...)

			// During the call: the stranger sprays, the peer speaks, the
			// leg answers.
			for _, c := range legCands {
				a, _ := candAddr(t, c)
				bad.spray(t, a, 20)
			}
			time.Sleep(100 * time.Millisecond) // the spray is queued before the peer's packet
			if _, err := peer.Conn(1).Write(rtpBytes(t, 0, 1, 0x11)); err != nil {
				t.Fatal(err)
			}
			got := readLeg(t, l, 3*time.Second)
			if got.Payload[0] != 0x11 {
				t.Fatalf("leg read the stranger's packet (payload %x)", got.Payload)
			}
			for i := range 5 {
				if err := l.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), SSRC: 9}, Payload: []byte{1}}); err != nil {
					t.Fatal(err)
				}
			}
			bad.heard(t)
			if l.Rejected() == 0 {
				t.Fatal("Rejected() = 0; the spray was not counted")
			}
		})
	}
}

// TestPlainLegTimeout: a peer that never answers the checks fails the leg
// after ConnectTimeout counted from Start, and Close frees it.
func TestPlainLegTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("ICE on loopback")
	}
	l := newPlainLeg(t, testPlain(t, WebRTCSettings{ConnectTimeout: time.Second}), false)
	gatherLeg(t, l)
	dead := newAttacker(t, "127.0.0.1") // a socket that never answers
	ap := dead.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if err := l.AddRemoteCandidate("candidate:1 1 udp 2130706431 127.0.0.1 " + strconv.Itoa(int(ap.Port())) + " typ host"); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2}}); !errors.Is(err, ErrNotReady) {
		t.Fatalf("WriteRTP before ICE = %v, want ErrNotReady", err)
	}
	start := time.Now()
	if err := l.Start("someUfrag", "somePasswordSomePassword"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Failed():
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Fatalf("failed after %s, before the timeout", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not failed after the connect timeout")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ReadRTP(); err == nil {
		t.Fatal("ReadRTP after Close succeeded")
	}
}

// TestICEGate: before ICE selects a pair nothing passes; the source of an
// authenticated check and the selected pair's remote pass; any other
// source is dropped and counted.
func TestICEGate(t *testing.T) {
	g := &iceGate{name: "rtp"}
	peer := netip.MustParseAddrPort("127.0.0.1:4000")
	checked := netip.MustParseAddrPort("[fe80::1]:5000")
	stranger := netip.MustParseAddrPort("127.0.0.2:4000")
	if g.allow(peer) {
		t.Fatal("media passed before any check or selection")
	}
	g.checkedFrom(checked)
	g.selectPeer(netip.MustParseAddrPort("[::ffff:127.0.0.1]:4000"))
	for _, tc := range []struct {
		src  netip.AddrPort
		want bool
	}{
		{peer, true},
		{checked, true},
		{stranger, false},
		{netip.MustParseAddrPort("127.0.0.1:4001"), false}, // another port of the peer's IP
	} {
		if got := g.allow(tc.src); got != tc.want {
			t.Errorf("allow(%s) = %v, want %v", tc.src, got, tc.want)
		}
	}
	if n := g.count(); n != 3 {
		t.Errorf("rejected %d, want 3", n)
	}
}
