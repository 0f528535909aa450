package softphone

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// Dial offers a call from a gateway user (from) to the browser holding to.
// It returns when the page answers; a page that declines gives 603, a
// number no page holds 404.
func (p *Phone) Dial(ctx context.Context, from, to string, offer []byte, progress func(int)) (bridge.PhoneCall, error) {
	p.mu.Lock()
	l := p.held[to]
	p.mu.Unlock()
	if l == nil || l.idle(p.set.LineIdle) {
		return nil, &trunk.StatusError{Code: 404, Reason: "Not Found"}
	}
	m, err := bridge.ParsePlainSDP(offer)
	if err != nil {
		return nil, &trunk.StatusError{Code: 488, Reason: "Not Acceptable Here"}
	}
	addr, codecs := m.Addr, m.Codecs
	c, err := p.newCall(l, from)
	if err != nil {
		return nil, &trunk.StatusError{Code: 503, Reason: "Service Unavailable"}
	}
	c.conn.SetPeer(addr, c.p.fromBridge)
	pc := c.leg.PC()
	o, err := pc.CreateOffer(nil)
	if err != nil {
		c.finish("no offer")
		return nil, &trunk.StatusError{Code: 500, Reason: "Server Internal Error"}
	}
	gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	text, err := complete(gctx, pc, o)
	cancel()
	if err != nil {
		c.finish("no offer")
		return nil, &trunk.StatusError{Code: 500, Reason: "Server Internal Error"}
	}
	l.post(Event{Type: "incoming", Call: c.id, From: from, SDP: text})
	if progress != nil {
		progress(180)
	}
	var answer string
	select {
	case answer = <-c.browserSDP:
	case <-c.declined:
		c.finish("declined")
		return nil, &trunk.StatusError{Code: 603, Reason: "Decline"}
	case <-ctx.Done():
		c.finish("Cancelled: the caller hung up")
		return nil, ctx.Err()
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.finish("the page's answer was refused")
		return nil, &trunk.StatusError{Code: 488, Reason: "Not Acceptable Here"}
	}
	c.mu.Lock()
	c.established = true
	c.remoteSDP = bridge.PlainSDP(p.set.RTPAddr, c.conn.LocalAddr().Port(), codecs, "sendrecv")
	c.mu.Unlock()
	go c.relay(codecs)
	return c, nil
}

// answer takes the page's answer to a call it was offered.
func (c *pcall) answer(sdp string) error {
	if !hasG711(sdp) {
		return ErrBadState
	}
	select {
	case c.browserSDP <- sdp:
		return nil
	default:
		return ErrBadState
	}
}
