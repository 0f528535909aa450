// Package outbox is the gateway's durable outbound queue: every message a
// user sends is written to it before anything else happens, and workers
// take it from there to the carrier, paced per sending number and per
// carrier, retried with backoff while the carrier is unavailable, and given
// up after a configured age. Each job reaches the carrier at most once: the
// carrier's id is recorded before the queue entry is acknowledged, and a
// redelivered entry whose id is recorded is not sent again.
//
// The queue itself lives in Redis (internal/store); this package knows
// nothing of XMPP: what to do with a job's outcome is its Handler's.
package outbox

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Job is one accepted message and what its outcome is reported to.
type Job struct {
	// Key identifies the accepted stanza; it keys the "sent" marker and is
	// the carrier's idempotency key where it has one.
	Key      string           `json:"k"`
	Message  carriers.Message `json:"m"`
	Origin   Origin           `json:"o"`
	Accepted time.Time        `json:"a"`
	Attempt  int              `json:"n,omitempty"` // sends tried so far
	// Paced is set once the job has waited for its turn, so that it is not
	// paced twice.
	Paced bool `json:"p,omitempty"`
}

// Origin is whom a job's outcome goes back to; the queue only carries it.
type Origin struct {
	JID      string `json:"j"`           // the sender's full JID
	StanzaID string `json:"s,omitempty"` // the stanza the user sent
	Receipt  bool   `json:"r,omitempty"` // a XEP-0184 receipt was asked for
	// Recall: remember the message once sent, for phones' reactions to it.
	Recall bool `json:"c,omitempty"`
}

// NewKey returns a fresh job key: 128 random bits.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
