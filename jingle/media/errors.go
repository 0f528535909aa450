package media

import "errors"

var (
	// ErrNoPorts means every even port of the range (with its RTCP
	// neighbour) is taken.
	ErrNoPorts = errors.New("media: no free RTP port in range")
	// ErrBadPortRange is wrapped by ParsePortRange errors.
	ErrBadPortRange = errors.New("media: bad port range")
	// ErrNoRemote is returned by RTPConn.WriteRTP before SetRemote was
	// called and before any packet arrived to latch onto.
	ErrNoRemote = errors.New("media: no remote RTP address")
	// ErrNotReady is returned by Leg.WriteRTP before negotiation has bound
	// the local track; the packet is discarded.
	ErrNotReady = errors.New("media: webrtc leg not ready to send")
	// ErrLegFailed is returned by Leg.ReadRTP when the leg failed before
	// the remote track arrived.
	ErrLegFailed = errors.New("media: webrtc leg failed")
	// ErrClosed is returned by Leg methods after Close.
	ErrClosed = errors.New("media: closed")
)
