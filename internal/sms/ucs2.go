package sms

import "unicode/utf16"

// UTF16BE returns s in UTF-16, big-endian, without a byte order mark: the
// form SMPP's submit_sm carries with data_coding 8. A character outside the
// Basic Multilingual Plane becomes a surrogate pair; an invalid UTF-8 byte
// becomes U+FFFD.
func UTF16BE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r < 0x10000 {
			b = append(b, byte(r>>8), byte(r))
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		b = append(b, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
	}
	return b
}
