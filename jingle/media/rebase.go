package media

import (
	"time"

	"github.com/pion/rtp"
)

// relayClockRate is the RTP clock of every codec MapCodecs lets through.
const relayClockRate = 8000

// defaultStep is the timestamp step assumed before one was observed:
// 20 ms at 8 kHz, the usual G.711 ptime.
const defaultStep = 160

// rebaser gives one relay direction a constant outgoing SSRC and keeps
// sequence numbers and timestamps continuous when the source's SSRC
// changes (a SIP peer re-INVITEs, a media server switches streams).
//
// Within one source SSRC every packet is shifted by the same offsets, so
// loss and reordering survive and all packets of a telephone-event keep
// their common timestamp. On a new source SSRC the offsets are re-based:
// the next sequence number follows the last one sent and the timestamp
// advances by the wall-clock time since the last packet, at least one
// packet duration (the last observed step, else 20 ms).
type rebaser struct {
	ssrc uint32 // outgoing SSRC

	started  bool
	inSSRC   uint32
	seqDelta uint16
	tsDelta  uint32

	lastSeq  uint16 // highest outgoing sequence number sent
	lastTS   uint32 // its timestamp
	lastWall time.Time
	step     uint32 // last observed timestamp step between consecutive packets
}

func newRebaser(ssrc uint32) *rebaser { return &rebaser{ssrc: ssrc} }

// rewrite changes h in place.
func (r *rebaser) rewrite(h *rtp.Header, now time.Time) {
	switch {
	case !r.started:
		r.started = true
		r.inSSRC = h.SSRC
	case h.SSRC != r.inSSRC:
		step := uint32(0)
		if el := now.Sub(r.lastWall); el > 0 {
			step = uint32(el.Seconds() * relayClockRate)
		}
		minStep := r.step
		if minStep == 0 {
			minStep = defaultStep
		}
		step = max(step, minStep)
		r.inSSRC = h.SSRC
		r.seqDelta = r.lastSeq + 1 - h.SequenceNumber
		r.tsDelta = r.lastTS + step - h.Timestamp
	}
	seq := h.SequenceNumber + r.seqDelta
	ts := h.Timestamp + r.tsDelta
	h.SSRC = r.ssrc
	h.SequenceNumber = seq
	h.Timestamp = ts

	if d := int16(seq - r.lastSeq); d > 0 || r.lastWall.IsZero() {
		if d == 1 {
			// Only steps between neighbours say how long a packet lasts;
			// 0 (inside an event) and jumps of a second or more do not.
			if s := ts - r.lastTS; s > 0 && s < relayClockRate {
				r.step = s
			}
		}
		r.lastSeq = seq
		r.lastTS = ts
		r.lastWall = now
	}
}
