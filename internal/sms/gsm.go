package sms

// escape introduces a character of the GSM 03.38 extension table.
const escape = 0x1B

// septet returns r's code in the GSM 03.38 default alphabet, or, with ext
// true, its code in the extension table (sent after the escape septet).
// ok is false when GSM-7 cannot carry r.
//
// A switch rather than a lookup map keeps the table immutable and lets the
// common ASCII letters and digits through with two comparisons.
func septet(r rune) (code byte, ext, ok bool) {
	switch {
	case 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		return byte(r), false, true
	}
	switch r {
	// ASCII punctuation that keeps its ASCII code.
	case '\n', '\r', ' ', '!', '"', '#', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
		':', ';', '<', '=', '>', '?':
		return byte(r), false, true
	case '@':
		return 0x00, false, true
	case '£':
		return 0x01, false, true
	case '$':
		return 0x02, false, true
	case '¥':
		return 0x03, false, true
	case 'è':
		return 0x04, false, true
	case 'é':
		return 0x05, false, true
	case 'ù':
		return 0x06, false, true
	case 'ì':
		return 0x07, false, true
	case 'ò':
		return 0x08, false, true
	case 'Ç': // the standard's 0x09 is the capital; ç is not in the alphabet
		return 0x09, false, true
	case 'Ø':
		return 0x0B, false, true
	case 'ø':
		return 0x0C, false, true
	case 'Å':
		return 0x0E, false, true
	case 'å':
		return 0x0F, false, true
	case 'Δ':
		return 0x10, false, true
	case '_':
		return 0x11, false, true
	case 'Φ':
		return 0x12, false, true
	case 'Γ':
		return 0x13, false, true
	case 'Λ':
		return 0x14, false, true
	case 'Ω':
		return 0x15, false, true
	case 'Π':
		return 0x16, false, true
	case 'Ψ':
		return 0x17, false, true
	case 'Σ':
		return 0x18, false, true
	case 'Θ':
		return 0x19, false, true
	case 'Ξ':
		return 0x1A, false, true
	case 'Æ':
		return 0x1C, false, true
	case 'æ':
		return 0x1D, false, true
	case 'ß':
		return 0x1E, false, true
	case 'É':
		return 0x1F, false, true
	case '¤':
		return 0x24, false, true
	case '¡':
		return 0x40, false, true
	case 'Ä':
		return 0x5B, false, true
	case 'Ö':
		return 0x5C, false, true
	case 'Ñ':
		return 0x5D, false, true
	case 'Ü':
		return 0x5E, false, true
	case '§':
		return 0x5F, false, true
	case '¿':
		return 0x60, false, true
	case 'ä':
		return 0x7B, false, true
	case 'ö':
		return 0x7C, false, true
	case 'ñ':
		return 0x7D, false, true
	case 'ü':
		return 0x7E, false, true
	case 'à':
		return 0x7F, false, true

	// The extension table.
	case '\f':
		return 0x0A, true, true
	case '^':
		return 0x14, true, true
	case '{':
		return 0x28, true, true
	case '}':
		return 0x29, true, true
	case '\\':
		return 0x2F, true, true
	case '[':
		return 0x3C, true, true
	case '~':
		return 0x3D, true, true
	case ']':
		return 0x3E, true, true
	case '|':
		return 0x40, true, true
	case '€':
		return 0x65, true, true
	}
	return 0, false, false
}

// IsGSM7 reports whether GSM-7 can carry every character of s.
func IsGSM7(s string) bool {
	for _, r := range s {
		if _, _, ok := septet(r); !ok {
			return false
		}
	}
	return true
}

// EncodeGSM7 returns s as unpacked GSM-7 septets, one a byte, each extension
// character as the escape 0x1B and its code: the form SMPP's submit_sm
// carries with data_coding 0 (packing eight septets into seven octets is the
// SMSC's business). ok is false, and the septets nil, when a character of s
// has no GSM-7 code.
func EncodeGSM7(s string) (septets []byte, ok bool) {
	septets = make([]byte, 0, len(s))
	for _, r := range s {
		code, ext, ok := septet(r)
		if !ok {
			return nil, false
		}
		if ext {
			septets = append(septets, escape)
		}
		septets = append(septets, code)
	}
	return septets, true
}
