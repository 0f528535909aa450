package bridge_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// TestForwardStrictRTP: the SIP-side RTP of a forwarded call takes the
// caller's media only from its SDP's IP, or from an IP Settings.TrustedMedia
// accepts (a carrier whose media comes from another host than its SDP
// names), and never from a third host, whose packets do not reach the
// target and which hears nothing back.
func TestForwardStrictRTP(t *testing.T) {
	mediaHost := netip.MustParseAddr("127.0.0.5") // the caller's real media source
	for _, tt := range []struct {
		name    string
		trusted bool   // TrustedMedia accepts mediaHost
		from    string // the caller's media comes from this IP
		relayed bool   // and reaches the target
	}{
		{name: "from the SDP's IP", from: "127.0.0.1", relayed: true},
		{name: "from a trusted media host", trusted: true, from: mediaHost.String(), relayed: true},
		{name: "from an untrusted media host", from: mediaHost.String()},
		{name: "from a third host, media hosts trusted", trusted: true, from: "127.0.0.2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *bridge.Settings) {
				if tt.trusted {
					s.TrustedMedia = func(a netip.Addr) bool { return a == mediaHost }
				}
			}, store.Binding{Number: bobNumber, JID: bobBare, Forward: "+15559876543"})
			callerSDP, _ := udpSocket(t, "127.0.0.1") // what the caller's SDP names
			sender, _ := udpSocket(t, tt.from)
			target, targetAddr := udpSocket(t, "127.0.0.1")

			in := bridgetest.NewIncoming(phoneNumber, bobNumber, sdpFor(t, callerSDP))
			e.ring(in)
			dl := e.d.Next(t)
			tc := dl.Answer(bridge.PlainSDP(targetAddr.Addr(), targetAddr.Port(), bridge.G711Codecs(), "sendrecv"))
			caller, ans := in.WaitAnswer(t)
			gw, err := bridge.ParsePlainSDP(ans) // the gateway's side towards the caller
			if err != nil {
				t.Fatal(err)
			}
			out, err := bridge.ParsePlainSDP(dl.Offer) // and towards the target
			if err != nil {
				t.Fatal(err)
			}

			// Caller → target: the sender's audio is relayed only from an
			// address the caller's leg accepts.
			if got := pingUntil(t, sender, gw.Addr, target); got != tt.relayed {
				t.Errorf("the caller's audio from %s reached the target: %v, want %v", tt.from, got, tt.relayed)
			}
			// Target → caller: the target's audio goes to the source the
			// caller's leg locked onto, else to the caller's SDP address;
			// never to an untrusted sender.
			want := callerSDP
			if tt.relayed {
				want = sender
			}
			if !pingUntil(t, target, out.Addr, want) {
				t.Errorf("the target's audio did not reach the caller's %s", want.LocalAddr())
			}
			if !tt.relayed && receives(sender, 100*time.Millisecond) {
				t.Errorf("the untrusted sender %s received the call's audio", tt.from)
			}
			caller.HangupByPhone()
			tc.WaitHangup(t)
			e.st.WaitCDR(t)
		})
	}
}

// pingUntil sends a PCMU packet from c to addr every 20 ms for up to
// a second, until one arrives at dst; it reports whether one did.
func pingUntil(t *testing.T, c *net.UDPConn, to netip.AddrPort, dst *net.UDPConn) bool {
	t.Helper()
	for i := range 50 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 7}, Payload: make([]byte, 160)}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
			t.Fatal(err)
		}
		if receives(dst, 20*time.Millisecond) {
			return true
		}
	}
	return false
}

// receives reports whether a datagram arrives at c within d.
func receives(c *net.UDPConn, d time.Duration) bool {
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(buf)
	return err == nil
}

func udpSocket(t *testing.T, ip string) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

func sdpFor(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	a := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return bridge.PlainSDP(a.Addr(), a.Port(), bridge.G711Codecs(), "sendrecv")
}
