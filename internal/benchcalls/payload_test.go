package benchcalls

import (
	"encoding/binary"
	"errors"
)

// The load generator's 160-byte PCMU payload (20 ms at 8 kHz) carries, in
// its first bytes, what the receiver needs once the packet has crossed the
// bridge twice: the bridge keeps payloads untouched, and SIPp echoes them.
//
//	0..3   magic "SBbc"
//	4..7   call index, big-endian
//	8..11  packet index within the call
//	12..19 send time, nanoseconds since the run's clock base
//
// The rest is PCMU silence (0xFF).
const (
	payloadSize = 160
	headerSize  = 20
	packetTime  = 20 // ms
	samplesPer  = 160
)

var magic = [4]byte{'S', 'B', 'b', 'c'}

var errNotOurs = errors.New("benchcalls: not a load-generator payload")

// stamp is what a payload says about itself.
type stamp struct {
	call  uint32
	index uint32
	sent  int64 // ns since the clock base
}

// putPayload writes s into p, which must hold payloadSize bytes.
func putPayload(p []byte, s stamp) {
	copy(p, magic[:])
	binary.BigEndian.PutUint32(p[4:], s.call)
	binary.BigEndian.PutUint32(p[8:], s.index)
	binary.BigEndian.PutUint64(p[12:], uint64(s.sent))
	for i := headerSize; i < len(p); i++ {
		p[i] = 0xFF
	}
}

// parsePayload reads a payload written by putPayload.
func parsePayload(p []byte) (stamp, error) {
	if len(p) < headerSize || [4]byte(p[:4]) != magic {
		return stamp{}, errNotOurs
	}
	return stamp{
		call:  binary.BigEndian.Uint32(p[4:]),
		index: binary.BigEndian.Uint32(p[8:]),
		sent:  int64(binary.BigEndian.Uint64(p[12:])),
	}, nil
}
