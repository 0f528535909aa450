package softphone

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/jingle/media"
)

// pcall is one call between a browser and the bridge. It is the bridge's
// bridge.PhoneCall once established.
type pcall struct {
	p    *Phone
	log  *slog.Logger
	id   string
	line *line
	peer string // the gateway number on the other end

	ctx    context.Context
	cancel context.CancelFunc
	conn   *media.RTPConn // plain RTP towards the bridge
	leg    *media.Leg     // WebRTC towards the browser

	mu          sync.Mutex
	established bool
	remoteSDP   []byte
	browserSDP  chan string // the browser's answer to a call it is offered
	declined    chan struct{}
	cancelled   chan struct{} // the browser hung up a call it placed before the answer

	byRemote atomic.Bool
	endOnce  sync.Once
	done     chan struct{}
}

func (p *Phone) newCall(l *line, peer string) (*pcall, error) {
	conn, err := media.ListenRTP(p.set.RTPAddr, p.set.Ports)
	if err != nil {
		return nil, err
	}
	leg, err := p.set.WebRTC.NewLeg()
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &pcall{p: p, id: newID(), line: l, peer: peer, ctx: ctx, cancel: cancel, conn: conn, leg: leg,
		browserSDP: make(chan string, 1), declined: make(chan struct{}), cancelled: make(chan struct{}),
		done: make(chan struct{})}
	c.log = p.log.With("call", c.id)
	conn.SetLogger(c.log)
	p.addCall(c)
	return c, nil
}

// fromBridge accepts the bridge's RTP, which comes from the address both
// sides bind to although its SDP may name [media] public_ip.
func (p *Phone) fromBridge(a netip.Addr) bool { return a == p.set.RTPAddr.Unmap() }

// finish frees the call once; why goes to the page, in plain words.
func (c *pcall) finish(why string) { c.end(why, 0) }

// refused ends a call the bridge refused with a SIP status: the page gets
// the status in words, and the code for whoever reads the API.
func (c *pcall) refused(code int) { c.end(refusal(code), code) }

func (c *pcall) end(why string, code int) {
	c.endOnce.Do(func() {
		c.cancel()
		_ = c.leg.Close()
		_ = c.conn.Close()
		c.p.removeCall(c)
		c.line.post(Event{Type: "ended", Call: c.id, Reason: why, Code: code})
		close(c.done)
	})
}

// hangup is the browser (or the page's disappearance) ending the call.
func (c *pcall) hangup(why string) {
	c.mu.Lock()
	established := c.established
	c.mu.Unlock()
	if !established {
		closeOnce(c.declined)
		closeOnce(c.cancelled)
	}
	c.byRemote.Store(true)
	c.finish(why)
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// RemoteSDP is the softphone's plain RTP answer to the bridge's offer.
func (c *pcall) RemoteSDP() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteSDP
}

// Hangup is the bridge ending the call.
func (c *pcall) Hangup(context.Context) error {
	c.finish("The other side hung up")
	return nil
}

func (c *pcall) Done() <-chan struct{} { return c.done }
func (c *pcall) EndedByRemote() bool   { return c.byRemote.Load() }

// Reinvite is refused: the page has no hold.
func (c *pcall) Reinvite(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("softphone: hold is not supported by the sandbox page")
}

// OnReinvite is never called: the page has no hold.
func (c *pcall) OnReinvite(func([]byte) ([]byte, error)) {}

// relay joins the legs once the browser's media is up.
func (c *pcall) relay(bridgeCodecs []media.Codec) {
	select {
	case <-c.leg.Connected():
	case <-c.leg.Failed():
		c.log.Info("softphone: browser media failed")
		c.byRemote.Store(true)
		c.finish("The audio did not connect")
		return
	case <-c.ctx.Done():
		return
	}
	web, err := c.leg.Codecs()
	if err != nil {
		c.log.Info("softphone: no codec in common with the browser", "err", err)
		c.finish("The audio could not be set up")
		return
	}
	stats, err := media.Relay(c.ctx, c.conn, c.leg, media.MapCodecs(bridgeCodecs, web), media.MapCodecs(web, bridgeCodecs))
	c.log.Debug("softphone: relay ended", "stats", stats, "err", err)
}

// complete sets d as the local description and waits for ICE gathering,
// so the page gets one description with every candidate.
func complete(ctx context.Context, pc *webrtc.PeerConnection, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// hasG711 reports whether a browser description offers PCMU or PCMA.
func hasG711(text string) bool {
	u := strings.ToUpper(text)
	return strings.Contains(u, "PCMU/8000") || strings.Contains(u, "PCMA/8000")
}
