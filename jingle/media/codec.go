package media

import (
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Codec is one payload type negotiated in an SDP media section.
type Codec struct {
	Name      string // encoding name as written, e.g. "PCMU", "telephone-event"
	ClockRate uint32
	Channels  uint16 // 1 when the rtpmap omits it
	PT        uint8
}

// staticCodec gives the RFC 3551 audio payload types that may appear
// without an rtpmap line.
func staticCodec(pt uint8) (Codec, bool) {
	name := ""
	switch pt {
	case 0:
		name = "PCMU"
	case 3:
		name = "GSM"
	case 4:
		name = "G723"
	case 8:
		name = "PCMA"
	case 9:
		name = "G722" // 8000 in SDP although it samples at 16 kHz (RFC 3551 4.5.2)
	case 13:
		name = "CN"
	case 18:
		name = "G729"
	default:
		return Codec{}, false
	}
	return Codec{Name: name, ClockRate: 8000, Channels: 1, PT: pt}, true
}

// Codecs lists the payload types of md in m-line order: from a=rtpmap, or
// from the static table for 0, 3, 4, 8, 9, 13 and 18 when it has none.
// Formats that are not numbers in 0-127, dynamic types without rtpmap and
// malformed rtpmap lines are skipped.
func Codecs(md *sdp.MediaDescription) []Codec {
	if md == nil {
		return nil
	}
	rtpmaps := map[uint8]Codec{}
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		if c, ok := parseRtpmap(a.Value); ok {
			if _, dup := rtpmaps[c.PT]; !dup {
				rtpmaps[c.PT] = c
			}
		}
	}
	var out []Codec
	seen := map[uint8]bool{}
	for _, f := range md.MediaName.Formats {
		pt, ok := parsePT(f)
		if !ok || seen[pt] {
			continue
		}
		c, ok := rtpmaps[pt]
		if !ok {
			if c, ok = staticCodec(pt); !ok {
				continue
			}
		}
		seen[pt] = true
		out = append(out, c)
	}
	return out
}

func parsePT(s string) (uint8, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 8)
	if err != nil || n > 127 {
		return 0, false
	}
	return uint8(n), true
}

// parseRtpmap reads "<pt> <name>/<rate>[/<channels>]".
func parseRtpmap(v string) (Codec, bool) {
	ptText, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return Codec{}, false
	}
	pt, ok := parsePT(ptText)
	if !ok {
		return Codec{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return Codec{}, false
	}
	rate, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil || rate == 0 {
		return Codec{}, false
	}
	c := Codec{Name: parts[0], ClockRate: uint32(rate), Channels: 1, PT: pt}
	if len(parts) == 3 {
		ch, err := strconv.ParseUint(parts[2], 10, 16)
		if err != nil || ch == 0 {
			return Codec{}, false
		}
		c.Channels = uint16(ch)
	}
	return c, true
}

// PTMap maps payload types from one leg to the other; the Relay drops
// packets whose PT is absent.
type PTMap map[uint8]uint8

// MapCodecs maps each PCMU/8000, PCMA/8000 and telephone-event/8000 payload
// type of from to the first codec of to with the same name (any case),
// clock rate and channel count. Other codecs are left out: the Relay
// drops them.
func MapCodecs(from, to []Codec) PTMap {
	m := PTMap{}
	for _, f := range from {
		if !isRelayable(f) {
			continue
		}
		if _, done := m[f.PT]; done {
			continue
		}
		for _, t := range to {
			if sameCodec(f, t) {
				m[f.PT] = t.PT
				break
			}
		}
	}
	return m
}

// isRelayable tells the codecs that pass through without transcoding. All
// run at 8 kHz, which Relay relies on when it re-bases timestamps.
func isRelayable(c Codec) bool {
	if c.ClockRate != relayClockRate {
		return false
	}
	return strings.EqualFold(c.Name, "PCMU") || strings.EqualFold(c.Name, "PCMA") ||
		strings.EqualFold(c.Name, "telephone-event")
}

func sameCodec(a, b Codec) bool {
	return strings.EqualFold(a.Name, b.Name) && a.ClockRate == b.ClockRate && channels(a) == channels(b)
}

func channels(c Codec) uint16 {
	if c.Channels == 0 {
		return 1
	}
	return c.Channels
}
