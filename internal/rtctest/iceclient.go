package rtctest

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
)

// ICEPeer stands in for a farstream/libnice client (Gajim) on 127.0.0.1:
// one plain pion/ice agent per component (1: RTP, 2: RTCP) sharing one
// ufrag and pwd, no DTLS. Its agents are closed at cleanup.
type ICEPeer struct {
	Agents [2]*ice.Agent
	conns  [2]*ice.Conn
	mu     sync.Mutex
}

// NewICEPeer creates the two agents.
func NewICEPeer(tb testing.TB) *ICEPeer {
	tb.Helper()
	p := &ICEPeer{}
	ufrag, pwd := "peerUfrag"+strconv.Itoa(int(time.Now().UnixNano()%1000)), "peerPasswordPeerPassword0123"
	for i := range p.Agents {
		a, err := ice.NewAgentWithOptions(
			ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
			ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
			ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
			ice.WithIncludeLoopback(),
			ice.WithIPFilter(func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }),
			ice.WithLocalCredentials(ufrag, pwd),
		)
		if err != nil {
			tb.Fatal(err)
		}
		p.Agents[i] = a
		tb.Cleanup(func() { _ = a.GracefulClose() })
	}
	return p
}

// Credentials are the peer's ufrag and pwd.
func (p *ICEPeer) Credentials() (ufrag, pwd string) {
	u, w, _ := p.Agents[0].GetLocalUserCredentials()
	return u, w
}

// Gather returns the candidates of both components in SDP form.
func (p *ICEPeer) Gather(tb testing.TB) []string {
	tb.Helper()
	var (
		mu  sync.Mutex
		out []string
		wg  sync.WaitGroup
	)
	for i, a := range p.Agents {
		wg.Add(1)
		comp := strconv.Itoa(i + 1)
		if err := a.OnCandidate(func(c ice.Candidate) {
			if c == nil {
				wg.Done()
				return
			}
			f := strings.Fields(c.Marshal())
			f[1] = comp
			mu.Lock()
			out = append(out, "candidate:"+strings.Join(f, " "))
			mu.Unlock()
		}); err != nil {
			tb.Fatal(err)
		}
		if err := a.GatherCandidates(); err != nil {
			tb.Fatal(err)
		}
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return out
}

// AddRemote gives a candidate (SDP form) to the agent of its component.
func (p *ICEPeer) AddRemote(tb testing.TB, s string) {
	tb.Helper()
	c, err := ice.UnmarshalCandidate(strings.TrimPrefix(s, "candidate:"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.Agents[c.Component()-1].AddRemoteCandidate(c); err != nil {
		tb.Fatal(err)
	}
}

// Start begins the checks in the given role and returns at once.
func (p *ICEPeer) Start(tb testing.TB, controlling bool, ufrag, pwd string) {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, a := range p.Agents {
		var err error
		if controlling {
			p.conns[i], err = a.StartDial(ufrag, pwd)
		} else {
			p.conns[i], err = a.StartAccept(ufrag, pwd)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// Connected waits until both components have a selected pair.
func (p *ICEPeer) Connected(tb testing.TB, within time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for i, a := range p.Agents {
		if err := a.AwaitConnect(ctx); err != nil {
			tb.Fatalf("component %d not connected: %v", i+1, err)
		}
	}
}

// Conn is component comp's (1 or 2) connection, after Start.
func (p *ICEPeer) Conn(comp int) *ice.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[comp-1]
}
