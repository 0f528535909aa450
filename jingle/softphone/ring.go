package softphone

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

// place starts a call from the page holding l to the gateway number to,
// with the browser's offer.
func (p *Phone) place(l *line, to, offer string) (*pcall, error) {
	if p.ringer == nil {
		return nil, errors.New("softphone: calls are not enabled")
	}
	if !hasG711(offer) {
		return nil, errors.New("softphone: the browser offered no G.711 (PCMU or PCMA)")
	}
	c, err := p.newCall(l, to)
	if err != nil {
		return nil, err
	}
	// Our answer reaches the page only when the bridge answers, after
	// ringing that may outlast the connect timeout: it counts from then.
	c.leg.DeferConnectTimeout()
	pc := c.leg.PC()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.finish("bad offer")
		return nil, fmt.Errorf("softphone: the browser's offer: %w", err)
	}
	a, err := pc.CreateAnswer(nil)
	if err != nil {
		c.finish("bad offer")
		return nil, fmt.Errorf("softphone: answering the browser: %w", err)
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	answer, err := complete(ctx, pc, a)
	cancel()
	if err != nil {
		c.finish("no answer")
		return nil, fmt.Errorf("softphone: answering the browser: %w", err)
	}
	in := &incoming{c: c, answer: answer,
		offer: bridge.PlainSDP(p.set.RTPAddr, c.conn.LocalAddr().Port(), bridge.G711Codecs(), "sendrecv")}
	go func() {
		p.ringer.Ring(c.ctx, in)
		// Ring returns once the call is answered or refused; a call it
		// neither answered nor refused is over.
		if !in.settled() {
			c.finish("No answer")
		}
	}()
	return c, nil
}

// incoming is the page's call as the bridge sees it (bridge.Incoming).
type incoming struct {
	c      *pcall
	offer  []byte
	answer string // the browser's answer, sent when the bridge answers
	done   bool
}

func (in *incoming) settled() bool {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return in.done
}

func (in *incoming) Caller() string { return in.c.line.number }

// CallerTrusted: the sandbox plays the phone network for its own numbers;
// the line's number is the sandbox's word, as a trunk's caller ID is.
func (in *incoming) CallerTrusted() bool { return true }

func (in *incoming) Callee() string             { return in.c.peer }
func (in *incoming) Offer() []byte              { return in.offer }
func (in *incoming) Cancelled() <-chan struct{} { return in.c.cancelled }

// Source is invalid: the page's calls have no network source of their own
// (the sandbox caps its lines instead).
func (in *incoming) Source() netip.Addr { return netip.Addr{} }

func (in *incoming) Ringing() error {
	in.c.line.post(Event{Type: "ringing", Call: in.c.id})
	return nil
}

// Reject ends the page's call with the code in words (see refusal), not
// SIP's phrase.
func (in *incoming) Reject(code int, _ string) error {
	in.c.mu.Lock()
	in.done = true
	in.c.mu.Unlock()
	in.c.refused(code)
	return nil
}

func (in *incoming) Answer(_ context.Context, sdp []byte) (bridge.PhoneCall, error) {
	m, err := bridge.ParsePlainSDP(sdp)
	if err != nil {
		return nil, err
	}
	addr, codecs := m.Addr, m.Codecs
	c := in.c
	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		return nil, errors.New("softphone: the page hung up")
	}
	in.done, c.established = true, true
	c.mu.Unlock()
	c.conn.SetPeer(addr, c.p.fromBridge)
	c.leg.StartConnectTimeout()
	c.line.post(Event{Type: "answered", Call: c.id, SDP: in.answer})
	go c.relay(codecs)
	return c, nil
}
