package smpp

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// TLV tags read from deliver_sm (SMPP 3.4 5.3.2).
const (
	tagReceiptedMessageID = 0x001E
	tagMessageState       = 0x0427
	tagMessagePayload     = 0x0424
	tagSarMsgRefNum       = 0x020C
	tagSarTotalSegments   = 0x020E
	tagSarSegmentSeqnum   = 0x020F
)

// esm_class bits (SMPP 3.4 5.2.12).
const (
	esmUDHI        = 0x40 // the short message starts with a user data header
	esmTypeMask    = 0x3C // message type
	esmReceipt     = 0x04 // SMSC delivery receipt
	esmIntermed    = 0x20 // intermediate delivery notification
	esmDefaultType = 0x00 // a mobile-originated message
)

var errBadPDU = errors.New("smpp: malformed deliver_sm")

// address is an SMPP address with its type of number and numbering plan.
type address struct {
	TON, NPI byte
	Addr     string
}

// deliverSM is the part of a deliver_sm body the adapter uses. The adapter
// parses it itself rather than through gosmpp so that a malformed PDU
// from the SMSC is answered and skipped, never a reason to drop the bind,
// and so that the user data reaches the adapter's own UDH parser whole.
type deliverSM struct {
	Source, Dest address
	EsmClass     byte
	DataCoding   byte
	Message      []byte // short_message, or message_payload when that is empty
	TLVs         map[uint16][]byte
}

// parseDeliverSM reads a deliver_sm body (the PDU after its 16-octet
// header).
func parseDeliverSM(b []byte) (d deliverSM, err error) {
	r := reader{b: b}
	r.cstring(6) // service_type
	d.Source = r.address()
	d.Dest = r.address()
	d.EsmClass = r.byte()
	r.byte()      // protocol_id
	r.byte()      // priority_flag
	r.cstring(17) // schedule_delivery_time
	r.cstring(17) // validity_period
	r.byte()      // registered_delivery
	r.byte()      // replace_if_present_flag
	d.DataCoding = r.byte()
	r.byte() // sm_default_msg_id
	n := int(r.byte())
	d.Message = r.take(n)
	if r.bad {
		return deliverSM{}, errBadPDU
	}
	d.TLVs = make(map[uint16][]byte)
	for len(r.b) > 0 {
		if len(r.b) < 4 {
			return deliverSM{}, errBadPDU
		}
		tag, l := binary.BigEndian.Uint16(r.b), int(binary.BigEndian.Uint16(r.b[2:]))
		r.b = r.b[4:]
		v := r.take(l)
		if r.bad {
			return deliverSM{}, errBadPDU
		}
		if _, dup := d.TLVs[tag]; !dup {
			d.TLVs[tag] = v
		}
	}
	if len(d.Message) == 0 {
		d.Message = d.TLVs[tagMessagePayload]
	}
	return d, nil
}

// reader reads a PDU body; the first overrun sets bad and every later
// read returns zero values.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) take(n int) []byte {
	if n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// cstring reads a NUL-terminated string of at most max octets before the
// NUL; SMSCs overrunning the limits of SMPP 3.4 are tolerated up to 64.
func (r *reader) cstring(max int) string {
	if max < 64 {
		max = 64
	}
	i := bytes.IndexByte(r.b, 0)
	if i < 0 || i > max {
		r.bad = true
		r.b = nil
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

func (r *reader) address() address {
	ton, npi := r.byte(), r.byte()
	return address{TON: ton, NPI: npi, Addr: r.cstring(21)}
}
