package smpp

import (
	"context"
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

// deliver handles one deliver_sm and returns the deliver_sm_resp status:
// OK once the receiver took it (or it is to be dropped), ESME_RX_T_APPN
// to have the SMSC retry, ESME_RX_P_APPN for what will never be taken.
func (c *Carrier) deliver(ctx context.Context, r carriers.Receiver, body []byte) uint32 {
	d, err := parseDeliverSM(body)
	if err != nil {
		c.log.Warn("smpp: malformed deliver_sm refused", "err", err)
		return statusXPAppn
	}
	switch d.EsmClass & esmTypeMask {
	case esmReceipt, esmIntermed:
		return c.receipt(ctx, r, d)
	case esmDefaultType:
		return c.mo(ctx, r, d)
	}
	c.log.Debug("smpp: deliver_sm of a kind the gateway does not use, acknowledged", "esm_class", d.EsmClass)
	return statusOK
}

// receipt passes a delivery receipt on as a status. The id is the
// receipted_message_id TLV when there is one (SMPP 3.4 sends it; the text's
// id may be truncated to 10 characters or written in another base), else
// the text's; the state is the text's stat, else the message_state TLV.
func (c *Carrier) receipt(ctx context.Context, r carriers.Receiver, d deliverSM) uint32 {
	text := decodeText(d.DataCoding, d.Message)
	rc, _ := parseReceipt(text)
	if v, ok := d.TLVs[tagReceiptedMessageID]; ok && cstring(v) != "" {
		rc.ID = cstring(v)
	}
	if v, ok := d.TLVs[tagMessageState]; ok && len(v) == 1 && rc.Stat == "" {
		rc.Stat = messageStates[v[0]]
	}
	state, ok := stats[rc.Stat]
	if rc.ID == "" || !ok {
		c.log.Warn("smpp: delivery receipt without an id or a known state; dropped", "stat", rc.Stat)
		return statusOK
	}
	st := carriers.Status{Carrier: name, ID: rc.ID, State: state, ErrorCode: rc.Err}
	if state == carriers.StateFailed {
		st.Reason = reasonOf(rc.Stat, rc.Err)
		st.ErrorText = rc.Stat
	} else {
		st.ErrorCode = ""
	}
	if err := r.Status(ctx, st); err != nil {
		c.log.Warn("smpp: status not taken; the SMSC will retry", "id", rc.ID, "err", err)
		return statusXTAppn
	}
	return statusOK
}

// mo passes a mobile-originated message on, once whole.
func (c *Carrier) mo(ctx context.Context, r carriers.Receiver, d deliverSM) uint32 {
	payload := d.Message
	var cc concat
	var parted bool
	if d.EsmClass&esmUDHI != 0 {
		var err error
		if cc, parted, payload, err = parseUDH(d.Message); err != nil {
			c.log.Warn("smpp: MO message with a malformed header refused", "err", err)
			return statusXPAppn
		}
	}
	if !parted {
		cc, parted = sarOf(d.TLVs)
	}
	m := carriers.Message{Carrier: name, From: numberOf(d.Source), To: numberOf(d.Dest)}
	var key partKey
	coding := d.DataCoding
	if parted && cc.Total > 1 {
		key = partKey{From: m.From, To: m.To, Ref: cc.Ref, Total: cc.Total}
		whole, first, complete := c.asm.add(time.Now(), key, cc, d.DataCoding, payload)
		if !complete {
			return statusOK
		}
		payload, coding = whole, first
	}
	m.Body = decodeText(coding, payload)
	err := r.Receive(ctx, m)
	switch {
	case err == nil:
	case errors.Is(err, carriers.ErrUnknownNumber):
		c.log.Info("smpp: MO message for a number nobody holds", "to", phone.Redact(m.To))
	default:
		c.log.Warn("smpp: MO message not taken; the SMSC will retry", "from", phone.Redact(m.From), "err", err)
		return statusXTAppn // the parts stay for the retry
	}
	if parted && cc.Total > 1 {
		c.asm.forget(key)
	}
	if err != nil {
		return statusXPAppn
	}
	return statusOK
}

// sarOf reads the sar_ TLVs, the other way SMPP numbers the parts of a
// message (SMPP 3.4 5.3.2.22-24).
func sarOf(tlvs map[uint16][]byte) (concat, bool) {
	ref, rok := tlvs[tagSarMsgRefNum]
	total, tok := tlvs[tagSarTotalSegments]
	seq, sok := tlvs[tagSarSegmentSeqnum]
	if !rok || !tok || !sok || len(ref) != 2 || len(total) != 1 || len(seq) != 1 {
		return concat{}, false
	}
	c := concat{Ref: binary.BigEndian.Uint16(ref), Total: int(total[0]), Seq: int(seq[0])}
	if c.Total < 1 || c.Seq < 1 || c.Seq > c.Total {
		return concat{}, false
	}
	return c, true
}

// decodeText decodes user data in its data coding: UCS-2 (read as UTF-16,
// so surrogate pairs survive), Latin-1, or else the GSM 03.38 default
// alphabet (unpacked), which is also what receipts are written in.
func decodeText(coding byte, b []byte) string {
	switch {
	case coding == codingUCS2, coding&0xF0 == 0x10 && coding&0x0C == 0x08:
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u))
	case coding == codingLatin1:
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs)
	case coding == 0x01: // IA5: ASCII
		return string(b)
	}
	s, err := data.GSM7BIT.Decode(b)
	if err != nil {
		return string(b)
	}
	return s
}
