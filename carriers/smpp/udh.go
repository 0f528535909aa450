package smpp

import "errors"

// The information elements of a user data header (3GPP TS 23.040
// 9.2.3.24) the adapter reads and writes.
const (
	ieiConcat8  = 0x00 // concatenated SMS, 8-bit reference
	ieiConcat16 = 0x08 // concatenated SMS, 16-bit reference
)

// udhLen is the octets of the header the adapter writes: UDHL, then IEI
// 0x00, its length 3, reference, total, sequence number.
const udhLen = 6

var errBadUDH = errors.New("smpp: malformed user data header")

// concat is a message part's place in a concatenated message.
type concat struct {
	Ref   uint16 // the sender's reference, shared by every part
	Total int    // parts in the message, 1..255
	Seq   int    // this part's number, 1..Total
}

// udh returns the header of part seq of total with reference ref.
func udh(ref byte, total, seq int) []byte {
	return []byte{udhLen - 1, ieiConcat8, 3, ref, byte(total), byte(seq)}
}

// parseUDH splits user data that starts with a header (esm_class UDHI)
// into the header's concatenation element, if any, and the payload after
// the header. A header that does not fit the data, or whose elements
// overrun it, is an error: the SMSC is not trusted to send sane lengths.
// Concatenation elements with a zero total or a sequence number outside
// 1..total are ignored, as TS 23.040 tells receivers to.
func parseUDH(ud []byte) (c concat, found bool, payload []byte, err error) {
	if len(ud) == 0 {
		return concat{}, false, nil, errBadUDH
	}
	n := int(ud[0])
	if n+1 > len(ud) {
		return concat{}, false, nil, errBadUDH
	}
	h := ud[1 : n+1]
	for len(h) > 0 {
		if len(h) < 2 || int(h[1])+2 > len(h) {
			return concat{}, false, nil, errBadUDH
		}
		id, d := h[0], h[2:2+int(h[1])]
		h = h[2+int(h[1]):]
		var cc concat
		switch {
		case id == ieiConcat8 && len(d) == 3:
			cc = concat{Ref: uint16(d[0]), Total: int(d[1]), Seq: int(d[2])}
		case id == ieiConcat16 && len(d) == 4:
			cc = concat{Ref: uint16(d[0])<<8 | uint16(d[1]), Total: int(d[2]), Seq: int(d[3])}
		default:
			continue
		}
		if cc.Total >= 1 && cc.Seq >= 1 && cc.Seq <= cc.Total && !found {
			c, found = cc, true
		}
	}
	return c, found, ud[n+1:], nil
}
