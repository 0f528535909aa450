package smpp

import (
	"errors"
	"strings"

	"github.com/switchboard-gw/switchboard/carriers"
)

// receipt is a delivery receipt as an SMSC writes it in a deliver_sm's
// text (SMPP 3.4 Appendix B):
//
//	id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
//
// Only id, stat and err matter here; SMSCs differ in case, field order
// and the width of err, so the parser looks the fields up by name.
type receipt struct {
	ID   string
	Stat string // DELIVRD, UNDELIV, ... upper case
	Err  string // the SMSC's own error code, as written; "" when absent
}

var errNoReceipt = errors.New("smpp: not a delivery receipt")

// parseReceipt reads a receipt text. It needs an id or a stat; the text
// field, which is the start of the original message, is ignored.
func parseReceipt(s string) (receipt, error) {
	var r receipt
	lower := asciiLower(s)
	if i := strings.Index(lower, " text:"); i >= 0 {
		lower, s = lower[:i], s[:i]
	} else if strings.HasPrefix(lower, "text:") {
		return r, errNoReceipt
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id:", &r.ID}, {"stat:", &r.Stat}, {"err:", &r.Err}} {
		i := fieldAt(lower, f.name)
		if i < 0 {
			continue
		}
		v := s[i+len(f.name):]
		if j := strings.IndexByte(v, ' '); j >= 0 {
			v = v[:j]
		}
		*f.dst = v
	}
	r.Stat = strings.ToUpper(r.Stat)
	if r.ID == "" || r.Stat == "" {
		return receipt{}, errNoReceipt
	}
	return r, nil
}

// fieldAt returns where field name starts in s: at the start or after a
// space, so that "id:" is not found inside "msgid:".
func fieldAt(s, name string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], name)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || s[i-1] == ' ' {
			return i
		}
		off = i + len(name)
	}
}

// States of a receipt's stat field and of the message_state TLV.
var stats = map[string]carriers.State{
	"DELIVRD": carriers.StateDelivered,
	"ACCEPTD": carriers.StateSent,
	"ENROUTE": carriers.StateSent,
	"UNKNOWN": carriers.StateSent, // the SMSC does not know yet: not final
	"UNDELIV": carriers.StateFailed,
	"REJECTD": carriers.StateFailed,
	"EXPIRED": carriers.StateFailed,
	"DELETED": carriers.StateFailed,
}

// messageStates maps the message_state TLV (SMPP 3.4 5.2.28) onto the
// receipt words.
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED",
	5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// errReasons maps the err field onto shared reasons. SMPP leaves err to
// the SMSC; most write the GSM MAP error of the failed delivery (3GPP TS
// 29.002), which is what these are. Codes are compared without leading
// zeros ("001" and "1" alike).
var errReasons = map[string]carriers.Reason{
	"1":  carriers.ReasonInvalid,     // unknown subscriber
	"5":  carriers.ReasonUnreachable, // unidentified subscriber
	"9":  carriers.ReasonInvalid,     // illegal subscriber
	"11": carriers.ReasonInvalid,     // teleservice not provisioned: cannot take texts
	"13": carriers.ReasonBlocked,     // call barred
	"27": carriers.ReasonUnreachable, // absent subscriber
	"31": carriers.ReasonUnreachable, // subscriber busy for MT SMS
	"36": carriers.ReasonBlocked,     // unauthorised (barred by the operator)
}

// reasonOf returns the shared reason for a failed receipt.
func reasonOf(stat, code string) carriers.Reason {
	if r, ok := errReasons[strings.TrimLeft(code, "0")]; ok {
		return r
	}
	if stat == "EXPIRED" {
		// Undelivered for the whole validity period: the phone was off.
		return carriers.ReasonUnreachable
	}
	return carriers.ReasonUnknown
}

// asciiLower lowers A-Z only, so that offsets in the result are offsets in
// s (strings.ToLower can change a string's length).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
