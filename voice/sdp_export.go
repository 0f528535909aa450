package voice

import (
	"net/netip"

	"github.com/switchboard-gw/switchboard/media"
)

// PlainSDP writes a plain RTP/AVP audio description (as the bridge sends to
// trunks) for the given payload types and direction.
func PlainSDP(ip netip.Addr, port uint16, codecs []media.Codec, dir string) []byte {
	return sipSDP(ip, port, codecs, dir)
}

// ParsePlainSDP reads the first audio stream of a plain RTP/AVP
// description: where to send RTP, the relayable payload types, the
// direction. It fails when no G.711 codec is offered.
func ParsePlainSDP(b []byte) (addr netip.AddrPort, codecs []media.Codec, dir string, err error) {
	m, err := parseSIPSDP(b)
	return m.addr, m.codecs, m.dir, err
}

// G711Codecs are the payload types the bridge offers: PCMU, PCMA and
// telephone-event.
func G711Codecs() []media.Codec { return append([]media.Codec(nil), sipCodecs...) }
