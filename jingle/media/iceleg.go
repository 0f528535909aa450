package media

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5/deadline"
)

// Plain makes plain RTP legs: a full ICE agent per RTP component and
// unencrypted RTP/AVP over the selected pair, for Jingle clients that
// offer no DTLS fingerprint (Gajim's farstream). It gathers as the WebRTC
// legs do: the same ports, public address rewrite, loopback and listen
// addresses.
type Plain struct {
	set WebRTCSettings
}

// NewPlain checks the settings shared with NewWebRTC.
func NewPlain(set WebRTCSettings) (*Plain, error) {
	if err := set.defaults(); err != nil {
		return nil, err
	}
	if set.PublicIP != "" {
		if _, err := netip.ParseAddr(set.PublicIP); err != nil {
			return nil, fmt.Errorf("media: public ip %q: %w", set.PublicIP, err)
		}
	}
	return &Plain{set: set}, nil
}

// PlainLeg is one call's plain RTP leg towards a Jingle client: two ICE
// agents with one ufrag and pwd (RFC 8445 5.3: the credentials are per
// media stream, each component has its own candidates), RTP on component
// 1 and RTCP on component 2, which is connected (farstream marks a stream
// without it as failed) and drained but not relayed.
//
// Media passes only between the leg and the remote address of component
// 1's selected pair: see iceGate.
type PlainLeg struct {
	log         *slog.Logger
	ct          connectTimer
	controlling bool
	ufrag, pwd  string
	agents      [2]*ice.Agent
	gates       [2]*iceGate

	connected, failed, closed chan struct{}
	started                   chan struct{} // closed by Start: conns are set
	connOnce, failOnce        sync.Once
	closeOnce, startOnce      sync.Once
	drained                   chan struct{}
	dl                        *deadline.Deadline

	mu     sync.Mutex
	conns  [2]*ice.Conn
	codecs []Codec
	readDL time.Time
	wbuf   []byte
}

// NewLeg creates a leg; controlling is true when the bridge offers (it
// called the client), false when it answers the client's offer.
func (p *Plain) NewLeg(controlling bool) (*PlainLeg, error) {
	l := &PlainLeg{
		log:         p.set.Logger,
		controlling: controlling,
		ufrag:       randomICEString(16),
		pwd:         randomICEString(32),
		connected:   make(chan struct{}),
		failed:      make(chan struct{}),
		closed:      make(chan struct{}),
		started:     make(chan struct{}),
		drained:     make(chan struct{}),
		dl:          deadline.New(),
	}
	l.ct = connectTimer{expire: p.set.ConnectTimeout, connected: l.connected, closed: l.closed, fail: l.fail}
	for i, name := range []string{"rtp", "rtcp"} {
		l.gates[i] = &iceGate{name: name, log: p.set.Logger}
		a, err := p.newAgent(l.ufrag, l.pwd, l.gates[i])
		if err != nil {
			for _, a := range l.agents[:i] {
				_ = a.Close()
			}
			return nil, err
		}
		l.agents[i] = a
	}
	for i, a := range l.agents {
		gate := l.gates[i]
		rtpComp := i == 0
		_ = a.OnSelectedCandidatePairChange(func(_, remote ice.Candidate) {
			addr, err := netip.ParseAddr(remote.Address())
			if err != nil {
				return
			}
			gate.selectPeer(netip.AddrPortFrom(addr, uint16(remote.Port())))
		})
		_ = a.OnConnectionStateChange(func(s ice.ConnectionState) {
			l.log.Debug("plain leg ice state", "component", gate.name, "state", s.String())
			if !rtpComp {
				return
			}
			switch s {
			case ice.ConnectionStateConnected:
				l.connOnce.Do(func() { close(l.connected) })
				l.ct.stop()
			case ice.ConnectionStateFailed:
				l.fail("ice failed")
			case ice.ConnectionStateClosed:
				l.fail("ice closed")
			}
		})
	}
	return l, nil
}

func (p *Plain) newAgent(ufrag, pwd string, g *iceGate) (*ice.Agent, error) {
	gn, err := newGateNet(g)
	if err != nil {
		return nil, fmt.Errorf("media: ice network: %w", err)
	}
	networks := []ice.NetworkType{ice.NetworkTypeUDP4, ice.NetworkTypeUDP6}
	opts := []ice.AgentOption{
		ice.WithNet(gn),
		// pion calls this for checks whose USERNAME and MESSAGE-INTEGRITY
		// it verified with our credentials: their sources may send media.
		ice.WithBindingRequestHandler(func(_ *stun.Message, _, remote ice.Candidate, _ *ice.CandidatePair) bool {
			if a, err := netip.ParseAddr(remote.Address()); err == nil {
				g.checkedFrom(netip.AddrPortFrom(a, uint16(remote.Port())))
			}
			return false // pion's own nomination rules pick the pair
		}),
		ice.WithLocalCredentials(ufrag, pwd),
		ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
		// farstream's candidates are plain IPs; mDNS would also need a
		// socket the gate must not filter.
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
	}
	if p.set.Loopback {
		opts = append(opts, ice.WithIncludeLoopback())
	}
	if !p.set.Ports.IsZero() {
		opts = append(opts, ice.WithPortRange(uint16(p.set.Ports.Min), uint16(p.set.Ports.Max)))
	}
	if p.set.PublicIP != "" {
		ip, _ := netip.ParseAddr(p.set.PublicIP) // checked by NewPlain
		// As for the WebRTC legs: only the public IP's family is gathered,
		// every host address is advertised as the public IP.
		networks = []ice.NetworkType{ice.NetworkTypeUDP4}
		if ip.Unmap().Is6() {
			networks = []ice.NetworkType{ice.NetworkTypeUDP6}
		}
		opts = append(opts, ice.WithAddressRewriteRules(ice.AddressRewriteRule{
			External:        []string{ip.Unmap().String()},
			AsCandidateType: ice.CandidateTypeHost,
			Mode:            ice.AddressRewriteReplace,
		}))
	}
	opts = append(opts, ice.WithNetworkTypes(networks))
	if len(p.set.ListenIPs) > 0 {
		opts = append(opts, ice.WithIPFilter(onlyIPs(p.set.ListenIPs)))
	}
	a, err := ice.NewAgentWithOptions(opts...)
	if err != nil {
		return nil, fmt.Errorf("media: ice agent: %w", err)
	}
	return a, nil
}

// iceChars are the ice-char set of RFC 8445 15.1 without '+' and '/',
// which some stacks mishandle in XML attributes.
const iceChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomICEString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = iceChars[int(b[i])%len(iceChars)]
	}
	return string(b)
}

// Credentials are the leg's ICE ufrag and pwd, for our description.
func (l *PlainLeg) Credentials() (ufrag, pwd string) { return l.ufrag, l.pwd }

// Gather collects the leg's candidates for both components, in SDP form
// ("candidate:..."), component 1's first. It returns when both agents have
// finished (host candidates only: milliseconds) or ctx is done.
func (l *PlainLeg) Gather(ctx context.Context) ([]string, error) {
	var (
		mu  sync.Mutex
		out [2][]string
	)
	done := make([]chan struct{}, 2)
	for i, a := range l.agents {
		done[i] = make(chan struct{})
		comp := i + 1
		ch := done[i]
		if err := a.OnCandidate(func(c ice.Candidate) {
			if c == nil {
				close(ch)
				return
			}
			mu.Lock()
			out[comp-1] = append(out[comp-1], candidateSDP(c, comp))
			mu.Unlock()
		}); err != nil {
			return nil, fmt.Errorf("media: gather: %w", err)
		}
		if err := a.GatherCandidates(); err != nil {
			return nil, fmt.Errorf("media: gather: %w", err)
		}
	}
	for _, ch := range done {
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.closed:
			return nil, ErrClosed
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(out[0]) == 0 {
		return nil, fmt.Errorf("media: gather: %w", ErrNoPorts)
	}
	return append(out[0], out[1]...), nil
}

// candidateSDP writes c as an SDP candidate of component comp. pion's
// agents gather every candidate as component 1; the second agent's are
// component 2's, which only the signalled number tells the peer.
func candidateSDP(c ice.Candidate, comp int) string {
	f := strings.Fields(c.Marshal())
	if len(f) > 1 {
		f[1] = strconv.Itoa(comp)
	}
	return "candidate:" + strings.Join(f, " ")
}

// AddRemoteCandidate adds a peer candidate (SDP form) to the agent of its
// component. Candidates of other components, and TCP ones, are ignored.
func (l *PlainLeg) AddRemoteCandidate(s string) error {
	c, err := ice.UnmarshalCandidate(strings.TrimPrefix(strings.TrimPrefix(s, "a="), "candidate:"))
	if err != nil {
		return fmt.Errorf("media: remote candidate: %w", err)
	}
	comp := c.Component()
	if (comp != 1 && comp != 2) || c.NetworkType().IsTCP() {
		return nil
	}
	if err := l.agents[comp-1].AddRemoteCandidate(c); err != nil {
		return fmt.Errorf("media: remote candidate: %w", err)
	}
	return nil
}

// SetCodecs records the payload types negotiated (the answer's): ReadRTP
// passes only those, Codecs returns them.
func (l *PlainLeg) SetCodecs(cs []Codec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codecs = append([]Codec(nil), cs...)
}

// Codecs returns what SetCodecs recorded; ErrNotReady before.
func (l *PlainLeg) Codecs() ([]Codec, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.codecs) == 0 {
		return nil, ErrNotReady
	}
	return append([]Codec(nil), l.codecs...), nil
}

// Start begins the connectivity checks with the peer's credentials (from
// its description) and starts the connect timeout, unless deferred. Call
// it once both descriptions are exchanged.
func (l *PlainLeg) Start(remoteUfrag, remotePwd string) error {
	if remoteUfrag == "" || remotePwd == "" {
		return errors.New("media: the peer's description has no ICE ufrag and pwd")
	}
	var err error
	l.startOnce.Do(func() {
		var conns [2]*ice.Conn
		for i, a := range l.agents {
			if l.controlling {
				conns[i], err = a.StartDial(remoteUfrag, remotePwd)
			} else {
				conns[i], err = a.StartAccept(remoteUfrag, remotePwd)
			}
			if err != nil {
				err = fmt.Errorf("media: start ice: %w", err)
				return
			}
		}
		l.mu.Lock()
		l.conns = conns
		if !l.readDL.IsZero() {
			_ = conns[0].SetReadDeadline(l.readDL)
		}
		l.mu.Unlock()
		l.ct.arm()
		close(l.started)
		// RTCP is not relayed: read it so pion's buffer never fills.
		go func() {
			defer close(l.drained)
			buf := make([]byte, maxRTPSize)
			for {
				if _, err := conns[1].Read(buf); err != nil {
					return
				}
			}
		}()
	})
	return err
}

// DeferConnectTimeout keeps Start from starting the connect timeout;
// StartConnectTimeout starts it.
func (l *PlainLeg) DeferConnectTimeout() { l.ct.deferStart() }

// StartConnectTimeout starts the connect timeout now, unless it runs
// already or the leg is connected or closed.
func (l *PlainLeg) StartConnectTimeout() { l.ct.start() }

func (l *PlainLeg) fail(why string) {
	l.failOnce.Do(func() {
		lvl := slog.LevelInfo
		if why == "closed" || why == "ice closed" {
			lvl = slog.LevelDebug
		}
		l.log.Log(context.Background(), lvl, "media: plain leg ended", "reason", why)
		close(l.failed)
	})
}

// Connected is closed once component 1 has a selected pair.
func (l *PlainLeg) Connected() <-chan struct{} { return l.connected }

// Failed is closed when ICE fails or the leg closes, or when component 1
// is not connected within ConnectTimeout of Start (or of
// StartConnectTimeout). It may close after Connected.
func (l *PlainLeg) Failed() <-chan struct{} { return l.failed }

// Rejected counts the datagrams dropped because they did not come from
// the selected pair's remote address (both components).
func (l *PlainLeg) Rejected() uint64 { return l.gates[0].count() + l.gates[1].count() }

// ReadRTP returns the next RTP packet of a negotiated payload type from
// the selected pair. It blocks until Start; after Close it returns an
// error (ErrClosed, or one wrapping io.EOF or net.ErrClosed).
func (l *PlainLeg) ReadRTP() (*rtp.Packet, error) {
	select {
	case <-l.started:
	case <-l.closed:
		return nil, fmt.Errorf("media: plain leg read: %w", ErrClosed)
	case <-l.failed:
		return nil, fmt.Errorf("media: plain leg read: %w", ErrLegFailed)
	case <-l.dl.Done():
		return nil, fmt.Errorf("media: plain leg read: %w", os.ErrDeadlineExceeded)
	}
	l.mu.Lock()
	conn := l.conns[0]
	l.mu.Unlock()
	buf := new(rtpBuf)
	for {
		n, err := conn.Read(buf.b[:])
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, fmt.Errorf("media: plain leg read: %w", os.ErrDeadlineExceeded)
			}
			return nil, fmt.Errorf("media: plain leg read: %w", err)
		}
		if n < 12 || buf.b[0]>>6 != 2 || (buf.b[1] >= 192 && buf.b[1] <= 223) {
			continue // not RTP v2, or RTCP multiplexed anyway
		}
		if err := buf.p.Unmarshal(buf.b[:n]); err != nil {
			continue
		}
		if !l.negotiated(buf.p.PayloadType) {
			continue
		}
		return &buf.p, nil
	}
}

func (l *PlainLeg) negotiated(pt uint8) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.codecs {
		if c.PT == pt {
			return true
		}
	}
	return false
}

// SetReadDeadline makes a blocked ReadRTP return an error wrapping
// os.ErrDeadlineExceeded at t; the zero time clears it.
func (l *PlainLeg) SetReadDeadline(t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.readDL = t
	l.dl.Set(t)
	if l.conns[0] != nil {
		return l.conns[0].SetReadDeadline(t)
	}
	return nil
}

// WriteRTP sends p to the selected pair of component 1. Before ICE
// connected it returns ErrNotReady and the packet is lost.
func (l *PlainLeg) WriteRTP(p *rtp.Packet) error {
	select {
	case <-l.closed:
		return fmt.Errorf("media: plain leg write: %w", ErrClosed)
	case <-l.connected:
	default:
		return fmt.Errorf("media: plain leg write: %w", ErrNotReady)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := p.MarshalSize()
	if cap(l.wbuf) < n {
		l.wbuf = make([]byte, n)
	}
	b := l.wbuf[:n]
	if _, err := p.MarshalTo(b); err != nil {
		return fmt.Errorf("media: plain leg write: %w", err)
	}
	if _, err := l.conns[0].Write(b); err != nil {
		return fmt.Errorf("media: plain leg write: %w", err)
	}
	return nil
}

// Close stops both agents and frees their sockets; blocked ReadRTP calls
// return. It is safe to call more than once.
func (l *PlainLeg) Close() error {
	var errs []error
	l.closeOnce.Do(func() {
		close(l.closed)
		l.ct.stop()
		for _, a := range l.agents {
			if err := a.GracefulClose(); err != nil {
				errs = append(errs, err)
			}
		}
		select {
		case <-l.started:
			<-l.drained
		default:
		}
		l.fail("closed")
	})
	if len(errs) > 0 {
		return fmt.Errorf("media: close plain leg: %w", errors.Join(errs...))
	}
	return nil
}
