package bridge

import (
	"context"
	"net/netip"

	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// The phone side of the bridge: the SIP trunk, or the sandbox page's
// softphone. Both speak in plain RTP/AVP descriptions.

// PhoneCall is an established call on the phone side (*trunk.Call).
type PhoneCall interface {
	RemoteSDP() []byte
	Hangup(ctx context.Context) error
	Done() <-chan struct{}
	EndedByRemote() bool
	Reinvite(ctx context.Context, offer []byte) (answer []byte, err error)
	OnReinvite(f func(offer []byte) (answer []byte, err error))
}

// Incoming is a call from the phone side waiting for an answer.
type Incoming interface {
	Caller() string // the caller's number, or whatever user part it has
	// CallerTrusted reports whether Caller is the phone side's word (the
	// trunk, from a trusted address) rather than the claim of whoever
	// sent the call; an untrusted caller is presented as anonymous.
	CallerTrusted() bool
	Callee() string // the number called
	Offer() []byte  // its SDP offer
	Ringing() error
	Answer(ctx context.Context, sdp []byte) (PhoneCall, error)
	Reject(code int, reason string) error
	Cancelled() <-chan struct{}
	// Source is the network address the call came from, for the limits
	// per source; invalid when the phone side has none (the sandbox page).
	Source() netip.Addr
}

// Dialer places calls to phone numbers. A refusal is a *trunk.StatusError
// whatever the dialer.
type Dialer interface {
	Dial(ctx context.Context, from, to string, offer []byte, progress func(code int)) (PhoneCall, error)
}

// SIP makes a trunk a Dialer.
func SIP(t *trunk.Trunk) Dialer { return sipDialer{t} }

type sipDialer struct{ t *trunk.Trunk }

func (d sipDialer) Dial(ctx context.Context, from, to string, offer []byte, progress func(int)) (PhoneCall, error) {
	c, err := d.t.Dial(ctx, from, to, offer, progress)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// sipIncoming is a trunk's incoming call.
type sipIncoming struct{ in *trunk.Incoming }

func (s sipIncoming) Caller() string                       { return s.in.From }
func (s sipIncoming) CallerTrusted() bool                  { return s.in.Trusted }
func (s sipIncoming) Callee() string                       { return s.in.To }
func (s sipIncoming) Offer() []byte                        { return s.in.Offer }
func (s sipIncoming) Ringing() error                       { return s.in.Ringing() }
func (s sipIncoming) Reject(code int, reason string) error { return s.in.Reject(code, reason) }
func (s sipIncoming) Cancelled() <-chan struct{}           { return s.in.Cancelled() }
func (s sipIncoming) Source() netip.Addr                   { return s.in.Source() }

func (s sipIncoming) Answer(ctx context.Context, sdp []byte) (PhoneCall, error) {
	c, err := s.in.Answer(ctx, sdp)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Incoming takes a call from the trunk (trunk.Handler).
func (b *Bridge) Incoming(ctx context.Context, in *trunk.Incoming) { b.Ring(ctx, sipIncoming{in}) }
