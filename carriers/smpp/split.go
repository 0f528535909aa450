package smpp

import (
	"fmt"

	"github.com/switchboard-gw/switchboard/internal/sms"
)

// Data codings the adapter sends (SMPP 3.4 5.2.19).
const (
	codingDefault = 0x00 // the SMSC default alphabet: GSM 03.38, unpacked
	codingLatin1  = 0x03
	codingUCS2    = 0x08
)

// maxParts is what an 8-bit concatenation reference can number.
const maxParts = 255

// segments encodes text as the short_message of each submit_sm: GSM-7 when
// every character has a GSM-7 code, else UCS-2, cut by internal/sms so
// that no part exceeds 140 octets on the air (153 septets or 67 UTF-16
// units after the 6-octet header) and no part ends inside a surrogate
// pair or an escape sequence. A text of several parts gets a UDH with the
// concatenation element (IEI 0x00) and reference ref on each part.
//
// gosmpp's own splitting is not used: it cuts UCS-2 by runes, so a part
// can end up over 140 octets.
func segments(text string, ref byte) (coding byte, parts [][]byte, err error) {
	enc, cut := sms.Split(text)
	if len(cut) > maxParts {
		return 0, nil, fmt.Errorf("smpp: %d parts; a concatenated message holds at most %d", len(cut), maxParts)
	}
	coding = codingUCS2
	if enc == sms.GSM7 {
		coding = codingDefault
	}
	for i, p := range cut {
		var b []byte
		if len(cut) > 1 {
			b = udh(ref, len(cut), i+1)
		}
		if coding == codingDefault {
			septets, _ := sms.EncodeGSM7(p.Text) // Split chose GSM-7: every character has a code
			b = append(b, septets...)
		} else {
			b = append(b, sms.UTF16BE(p.Text)...)
		}
		parts = append(parts, b)
	}
	return coding, parts, nil
}
