package media

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// iceGate is the plain leg's source check, one per ICE component. pion/ice
// hands the application every non-STUN datagram from any of the peer's
// candidates, including those the XMPP session named but no check ever
// came from. Plain RTP has no authentication of its own, so the gate is
// stricter: media is taken only from addresses that proved they hold the
// ICE password exchanged in the authenticated XMPP session — the remote
// of the selected pair, and every address a connectivity check with valid
// MESSAGE-INTEGRITY came from (libnice may send media from the pair *it*
// selected, which need not be the one pion selected). Everything else
// that is not STUN (pion checks STUN itself and never answers a check
// without our password) is dropped and counted.
type iceGate struct {
	name string // "rtp" or "rtcp", for the log

	mu       sync.Mutex
	peer     netip.AddrPort          // the selected pair's remote; zero: none yet
	checked  map[netip.AddrPort]bool // sources of authenticated checks
	rejected uint64
	logged   time.Time
	log      *slog.Logger
}

// maxChecked bounds the authenticated sources remembered: a peer has a
// handful of candidates.
const maxChecked = 64

// checkedFrom records the source of a check pion authenticated.
func (g *iceGate) checkedFrom(addr netip.AddrPort) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.checked == nil {
		g.checked = map[netip.AddrPort]bool{}
	}
	if len(g.checked) < maxChecked {
		g.checked[addr] = true
	}
}

// select makes addr the only source media is taken from.
func (g *iceGate) selectPeer(addr netip.AddrPort) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.peer = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
}

// allow reports whether a non-STUN datagram from src may pass, and counts
// and logs (once a minute) those that may not.
func (g *iceGate) allow(src netip.AddrPort) bool {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	g.mu.Lock()
	defer g.mu.Unlock()
	if (g.peer.IsValid() && src == g.peer) || g.checked[src] {
		return true
	}
	g.rejected++
	now := time.Now()
	if g.log != nil && now.Sub(g.logged) >= rejectLogEvery {
		g.logged = now
		g.log.LogAttrs(context.Background(), slog.LevelWarn, "media: dropped plain RTP from an address that did not pass ICE",
			slog.String("component", g.name), slog.String("source", src.String()),
			slog.String("peer", g.peer.String()), slog.Uint64("rejected", g.rejected))
	}
	return false
}

func (g *iceGate) count() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rejected
}

// gateNet is the network the plain leg's ICE agents gather on: the
// system's, with every UDP socket wrapped in the gate.
type gateNet struct {
	*stdnet.Net
	gate *iceGate
}

func newGateNet(g *iceGate) (*gateNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &gateNet{Net: n, gate: g}, nil
}

func (n *gateNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &gateConn{UDPConn: c, gate: n.gate}, nil
}

// gateConn drops what the gate refuses before pion reads it. It embeds the
// transport.UDPConn interface, not *net.UDPConn, so that pion finds no
// ReadFromAddrPort or ReadMsgUDPAddrPort to read around the gate and
// reads through ReadFrom.
type gateConn struct {
	transport.UDPConn
	gate *iceGate
}

func (c *gateConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		if c.pass(p[:n], addr) {
			return n, addr, nil
		}
	}
}

func (c *gateConn) ReadFromUDP(p []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(p)
		if err != nil {
			return n, addr, err
		}
		if c.pass(p[:n], addr) {
			return n, addr, nil
		}
	}
}

func (c *gateConn) Read(p []byte) (int, error) {
	n, _, err := c.ReadFrom(p)
	return n, err
}

func (c *gateConn) ReadMsgUDP(p, oob []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	for {
		n, oobn, flags, addr, err = c.UDPConn.ReadMsgUDP(p, oob)
		if err != nil || c.pass(p[:n], addr) {
			return n, oobn, flags, addr, err
		}
	}
}

func (c *gateConn) pass(b []byte, addr net.Addr) bool {
	if stun.IsMessage(b) {
		return true // pion authenticates checks itself
	}
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	return c.gate.allow(ua.AddrPort())
}
