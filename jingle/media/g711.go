package media

// G.711 (ITU-T G.711) sample conversions, after the public-domain Sun
// reference implementation. The relay never uses them: audio passes
// through untouched. They exist for audio the gateway makes or keeps
// itself (voicemail greetings and recordings).

// DecodeULaw turns one μ-law (PCMU) byte into a 16-bit linear sample.
func DecodeULaw(u byte) int16 {
	u = ^u
	t := (int(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// EncodeULaw turns a 16-bit linear sample into μ-law.
func EncodeULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	if x > clip {
		x = clip
	}
	x += bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0F
	return ^byte(sign | exp<<4 | mant)
}

// DecodeALaw turns one A-law (PCMA) byte into a 16-bit linear sample.
func DecodeALaw(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	switch seg := int(a&0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// segment ends of A-law's 13-bit magnitudes.
var alawSegEnd = [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}

// EncodeALaw turns a 16-bit linear sample into A-law.
func EncodeALaw(s int16) byte {
	x := int(s) >> 3
	mask := byte(0xD5)
	if x < 0 {
		mask, x = 0x55, -x-1
	}
	seg := 0
	for seg < 8 && x > alawSegEnd[seg] {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte(x>>1) & 0x0F
	} else {
		a |= byte(x>>seg) & 0x0F
	}
	return a ^ mask
}
