package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadWAV is returned for audio files the gateway cannot use.
var ErrBadWAV = errors.New("wav: not a 16-bit PCM WAV file")

// Encode writes 16-bit mono PCM samples at rate Hz as a WAV file, the
// format every XMPP client can play.
func Encode(samples []int16, rate int) []byte {
	n := len(samples) * 2
	b := make([]byte, 44+n)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}

// Decode reads a 16-bit PCM WAV file of one or two channels; two are
// mixed down to one (their mean). rate is the file's sample rate, which
// Decode does not judge (To8k does).
func Decode(b []byte) (samples []int16, rate int, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%w: no RIFF/WAVE header", ErrBadWAV)
	}
	channels := 0
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8:]
		if size < 0 || size > len(body) {
			return nil, 0, fmt.Errorf("%w: chunk %q runs past the end", ErrBadWAV, id)
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, fmt.Errorf("%w: short fmt chunk", ErrBadWAV)
			}
			format, ch, bits := binary.LittleEndian.Uint16(body), int(binary.LittleEndian.Uint16(body[2:])), binary.LittleEndian.Uint16(body[14:])
			// 0xFFFE (extensible) holds plain PCM as often as not; its
			// sub-format is not checked, the bit depth is.
			if (format != 1 && format != 0xFFFE) || (ch != 1 && ch != 2) || bits != 16 {
				return nil, 0, fmt.Errorf("%w: format %d, %d channels, %d bits", ErrBadWAV, format, ch, bits)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			channels = ch
		case "data":
			if channels == 0 {
				return nil, 0, fmt.Errorf("%w: data before fmt", ErrBadWAV)
			}
			samples = make([]int16, size/(2*channels))
			for i := range samples {
				if channels == 1 {
					samples[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
					continue
				}
				l := int32(int16(binary.LittleEndian.Uint16(body[4*i:])))
				r := int32(int16(binary.LittleEndian.Uint16(body[4*i+2:])))
				samples[i] = int16((l + r) / 2)
			}
			return samples, rate, nil
		}
		p += 8 + size + size&1 // chunks are padded to even sizes
	}
	return nil, 0, fmt.Errorf("%w: no data chunk", ErrBadWAV)
}
