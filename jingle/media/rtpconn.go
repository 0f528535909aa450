package media

import (
	"errors"
	"fmt"
	"log/slog"
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
// Receive policy, strict RTP (Asterisk's strictrtp, rtpengine's
// strict-source): media is taken only from the peer named by SetPeer (the
// address in its SDP). Symmetric RTP behind NAT is allowed once: the first
// valid packet from the SDP address, from another port of the SDP's IP, or
// from an IP the trusted function accepts, locks the conn onto its source.
// From then on only that source is read and WriteRTP sends there; it never
// moves, whatever arrives, until signalling names a new address. Datagrams
// from any other source, and all datagrams before SetPeer, are dropped and
// counted (Rejected) and logged at most once a minute. Datagrams that are
// not RTP version 2 (too short, wrong version, RTCP multiplexed on the RTP
// port, unparsable) are dropped silently and never lock the conn.
//
// Without this a host that sprays valid RTP at the media ports would make
// the conn send the call's audio to it (issue 8's RTP bleed). A host that
// can forge the peer's IP can still win the race to the lock before the
// peer's first packet; it then receives nothing (replies go to the peer's
// IP), so the worst it does is cut the audio.
//
// The RTCP port is bound only so that no other call takes it; RTCP is not
// read or sent on the SIP leg, so nothing arriving there is answered.
type RTPConn struct {
	conn  *net.UDPConn
	rtcp  *net.UDPConn
	local netip.AddrPort

	mu       sync.Mutex
	peer     netip.AddrPort        // from the peer's SDP (SetPeer); zero: none yet
	trusted  func(netip.Addr) bool // more IPs the conn may lock onto; nil: none
	remote   netip.AddrPort        // where WriteRTP sends: peer, or the locked source
	locked   bool                  // remote is the source of an accepted packet and never moves
	wbuf     []byte                // marshal buffer
	log      *slog.Logger          // rejected sources; nil: not logged
	rejected uint64                // datagrams dropped for their source
	logged   time.Time             // when a rejection was last logged
}

// rejectLogEvery bounds the log lines about rejected sources to one a
// minute per conn: a flood must not become a log flood.
const rejectLogEvery = time.Minute

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

// SetPeer sets the address from the peer's SDP and the IPs, besides that
// address's, that the conn may lock onto (symmetric RTP behind a NAT or a
// carrier sending media from another host; nil: none). The trusted function
// is called with the lock held, for packets of unlocked conns only: it must
// be fast and must not call back into the conn.
//
// The same address again (a re-INVITE for hold or resume) keeps the lock; a
// new address (the media moved) drops it, and the next accepted packet
// locks the conn again.
func (c *RTPConn) SetPeer(ap netip.AddrPort, trusted func(netip.Addr) bool) {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trusted = trusted
	if ap == c.peer {
		return
	}
	c.peer, c.remote, c.locked = ap, ap, false
}

// SetRemote is SetPeer(ap, nil): the conn locks onto no IP but the SDP's.
func (c *RTPConn) SetRemote(ap netip.AddrPort) { c.SetPeer(ap, nil) }

// SetLogger makes the conn log rejected sources (at most once a minute,
// with the count so far) to l; the default is not to log them.
func (c *RTPConn) SetLogger(l *slog.Logger) {
	c.mu.Lock()
	c.log = l
	c.mu.Unlock()
}

// Remote returns where WriteRTP currently sends and whether the conn is
// locked onto that address (a packet came from it; no other source is read
// until SetPeer names a new address).
func (c *RTPConn) Remote() (ap netip.AddrPort, latched bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote, c.locked
}

// Rejected returns how many datagrams were dropped because of their source
// address (see RTPConn).
func (c *RTPConn) Rejected() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// rtpBuf holds a packet and its bytes in one allocation.
type rtpBuf struct {
	p rtp.Packet
	b [maxRTPSize]byte
}

// ReadRTP returns the next valid RTP packet from the peer (see RTPConn).
// Its payload is owned by the caller. After Close it returns an error
// wrapping net.ErrClosed.
func (c *RTPConn) ReadRTP() (*rtp.Packet, error) {
	buf := new(rtpBuf)
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf.b[:])
		if err != nil {
			return nil, fmt.Errorf("media: read rtp: %w", err)
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		ok, lockable := c.source(from)
		if !ok || !isRTP(buf.b[:n]) || buf.p.Unmarshal(buf.b[:n]) != nil {
			continue
		}
		if lockable && !c.lock(from) {
			continue // SetPeer moved the peer meanwhile
		}
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

// source decides on a datagram's source: ok if it may be read, lockable if
// a valid packet from it locks the conn (which is not locked yet). Other
// sources are counted and, now and then, logged.
func (c *RTPConn) source(from netip.AddrPort) (ok, lockable bool) {
	c.mu.Lock()
	if c.locked {
		ok = from == c.remote
	} else {
		ok, lockable = c.admits(from.Addr()), true
	}
	if ok {
		c.mu.Unlock()
		return ok, lockable
	}
	c.rejected++
	n, log := c.rejected, c.log
	now := time.Now()
	if log == nil || now.Sub(c.logged) < rejectLogEvery {
		log = nil
	} else {
		c.logged = now
	}
	peer, remote, locked := c.peer, c.remote, c.locked
	c.mu.Unlock()
	if log != nil {
		log.Warn("media: dropped RTP from an unexpected source",
			"from", from, "local", c.local, "peer", peer, "locked", locked, "remote", remote, "dropped", n)
	}
	return false, false
}

// admits reports whether an unlocked conn may lock onto a source at ip:
// the SDP's IP or a trusted one, and nothing before SetPeer. c.mu is held.
func (c *RTPConn) admits(ip netip.Addr) bool {
	if !c.peer.IsValid() {
		return false
	}
	return ip == c.peer.Addr() || c.trusted != nil && c.trusted(ip)
}

// lock makes from the conn's only source, unless SetPeer changed the peer
// since source said yes.
func (c *RTPConn) lock(from netip.AddrPort) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locked {
		return from == c.remote
	}
	if !c.admits(from.Addr()) {
		return false
	}
	c.remote, c.locked = from, true
	return true
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
