package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// maxRTPSize bounds one datagram; G.711 at 20 ms is 172 bytes, anything
// up to an Ethernet MTU is accepted.
const maxRTPSize = 1500

// RTPConn is the SIP leg's plain RTP/AVP socket, bound to an even port with
// the next (odd) port held for RTCP.
//
// Receive policy: datagrams that are not RTP version 2 (too short, wrong
// version, RTCP multiplexed on the RTP port, unparsable) are dropped
// silently. Packets from any source address are accepted — SIP trunks and
// NATs often send from an address other than the one in their SDP — and
// the sender follows them: WriteRTP goes to the source of the most recent
// valid packet (symmetric RTP, "latching"), or to the SetRemote address
// until a packet arrives. The trade-off: anyone who can reach the port and
// send valid RTP redirects our stream; SIP trunks are expected to be
// reachable only through a firewall that admits the carrier's media
// addresses.
//
// The RTCP port is bound only so that no other call takes it; RTCP is not
// read or sent on the SIP leg.
type RTPConn struct {
	conn  *net.UDPConn
	rtcp  *net.UDPConn
	local netip.AddrPort

	mu      sync.Mutex
	remote  netip.AddrPort // where WriteRTP sends; zero until known
	latched bool           // remote was learnt from a received packet
	wbuf    []byte         // marshal buffer, guarded by mu
}

// ListenRTP binds an even UDP port of ports on ip (and holds port+1 for
// RTCP). The zero range lets the OS choose. It returns an error wrapping
// ErrNoPorts when every pair in the range is taken.
func ListenRTP(ip netip.Addr, ports PortRange) (*RTPConn, error) {
	if err := ports.validate(); err != nil {
		return nil, err
	}
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	network := "udp4"
	if ip.Is6() && !ip.Is4In6() {
		network = "udp6"
	}
	ip = ip.Unmap()
	if ports.IsZero() {
		return listenAnyEven(network, ip)
	}
	// Start at a random even port so concurrent calls do not all probe
	// the same ports in the same order.
	first := ports.Min + ports.Min%2
	pairs := 0 // even ports p with p+1 <= Max
	if ports.Max-1 >= first {
		pairs = (ports.Max-1-first)/2 + 1
	}
	if pairs == 0 {
		return nil, fmt.Errorf("%w: %s has no even/odd port pair", ErrNoPorts, ports)
	}
	start := rand.IntN(pairs)
	for i := range pairs {
		port := first + 2*((start+i)%pairs)
		c, err := bindPair(network, ip, port)
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %s on %s", ErrNoPorts, ports, ip)
}

// listenAnyEven asks the OS for a port until it hands out an even one whose
// odd neighbour is free as well.
func listenAnyEven(network string, ip netip.Addr) (*RTPConn, error) {
	const attempts = 64
	for range attempts {
		probe, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return nil, fmt.Errorf("media: listen rtp: %w", err)
		}
		port := probe.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port == 65534 {
			probe.Close()
			continue
		}
		rtcp, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port+1))))
		if err != nil {
			probe.Close()
			continue
		}
		return newRTPConn(probe, rtcp), nil
	}
	return nil, fmt.Errorf("%w: no even port from the OS after %d attempts", ErrNoPorts, attempts)
}

func bindPair(network string, ip netip.Addr, port int) (*RTPConn, error) {
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return nil, err
	}
	rtcp, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port+1))))
	if err != nil {
		c.Close()
		return nil, err
	}
	return newRTPConn(c, rtcp), nil
}

func newRTPConn(c, rtcp *net.UDPConn) *RTPConn {
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return &RTPConn{
		conn:  c,
		rtcp:  rtcp,
		local: netip.AddrPortFrom(local.Addr().Unmap(), local.Port()),
		wbuf:  make([]byte, maxRTPSize),
	}
}

// LocalAddr is the bound RTP address (for our SDP; RTCP is port+1).
func (c *RTPConn) LocalAddr() netip.AddrPort { return c.local }

// SetRemote sets the address from the peer's SDP. It replaces a latched
// address too (a re-INVITE moved the media); the next packet from another
// source latches again.
func (c *RTPConn) SetRemote(ap netip.AddrPort) {
	c.mu.Lock()
	c.remote = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	c.latched = false
	c.mu.Unlock()
}

// Remote returns where WriteRTP currently sends and whether that address
// was learnt from received packets (differs from the SetRemote address).
func (c *RTPConn) Remote() (ap netip.AddrPort, latched bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote, c.latched
}

// rtpBuf holds a packet and its bytes in one allocation.
type rtpBuf struct {
	p rtp.Packet
	b [maxRTPSize]byte
}

// ReadRTP returns the next valid RTP packet. Its payload is owned by the
// caller. After Close it returns an error wrapping net.ErrClosed.
func (c *RTPConn) ReadRTP() (*rtp.Packet, error) {
	buf := new(rtpBuf)
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf.b[:])
		if err != nil {
			return nil, fmt.Errorf("media: read rtp: %w", err)
		}
		if !isRTP(buf.b[:n]) {
			continue
		}
		if err := buf.p.Unmarshal(buf.b[:n]); err != nil {
			continue
		}
		c.latch(netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
		return &buf.p, nil
	}
}

// isRTP keeps version-2 packets that are not RTCP (RFC 5761 4: RTCP packet
// types 192-223 occupy the second byte).
func isRTP(b []byte) bool {
	if len(b) < 12 || b[0]>>6 != 2 {
		return false
	}
	return b[1] < 192 || b[1] > 223
}

func (c *RTPConn) latch(from netip.AddrPort) {
	c.mu.Lock()
	if c.remote != from {
		c.remote = from
		c.latched = true
	}
	c.mu.Unlock()
}

// WriteRTP sends p to the current remote address (see RTPConn). Before any
// address is known it returns an error wrapping ErrNoRemote.
func (c *RTPConn) WriteRTP(p *rtp.Packet) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.remote.IsValid() {
		return ErrNoRemote
	}
	n, err := p.MarshalTo(c.wbuf)
	if err != nil {
		return fmt.Errorf("media: marshal rtp: %w", err)
	}
	if _, err := c.conn.WriteToUDPAddrPort(c.wbuf[:n], c.remote); err != nil {
		return fmt.Errorf("media: write rtp: %w", err)
	}
	return nil
}

// SetReadDeadline makes a blocked ReadRTP return (with an error wrapping
// os.ErrDeadlineExceeded) at t; the zero time clears it. Relay uses it to
// stop without closing the socket.
func (c *RTPConn) SetReadDeadline(t time.Time) error {
	return c.conn.SetReadDeadline(t)
}

// Close releases both ports.
func (c *RTPConn) Close() error {
	return errors.Join(c.conn.Close(), c.rtcp.Close())
}
