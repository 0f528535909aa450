package api

import (
	"errors"
	"time"
)

// ErrAmbiguous: several messages of the pair since an interrupted send
// could be the one asked about, and the carrier's records hold nothing
// that tells them apart (no text, no key); the send stays in doubt.
var ErrAmbiguous = errors.New("carriers: several sent messages could be the one asked about")

// Record is what a carrier's record of a message tells Find about it.
type Record struct {
	ID       string
	From, To string
	// Sent is false when the record says it is not an outbound message
	// (inbound, or another kind of record); true when it says so or says
	// nothing.
	Sent bool
	At   string // when the carrier took it, RFC 3339; "" when not given
}

// Pick finds the message sent from `from` to `to` no earlier than since
// among a carrier's records: the one record that may be it (found), none
// (not found), or ErrAmbiguous. The carrier's search already asks for
// these; the records are checked again, so one that is plainly another
// message is never taken for it. A time that does not parse leaves the
// record a candidate.
func Pick(recs []Record, from, to string, since time.Time) (id string, found bool, err error) {
	var ids []string
	for _, r := range recs {
		if r.ID == "" || r.From != from || r.To != to || !r.Sent {
			continue
		}
		if t, err := time.Parse(time.RFC3339, r.At); err == nil && t.Before(since) {
			continue
		}
		ids = append(ids, r.ID)
	}
	switch len(ids) {
	case 0:
		return "", false, nil
	case 1:
		return ids[0], true, nil
	}
	return "", false, ErrAmbiguous
}
