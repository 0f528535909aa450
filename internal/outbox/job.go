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
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Job is one accepted message and what its outcome is reported to.
type Job struct {
	// Key identifies the accepted stanza; it keys the "sent" marker and is
	// the carrier's idempotency key where it has one.
	Key      string
	Message  carriers.Message
	Origin   Origin
	Accepted time.Time
	Attempt  int // sends tried so far
	// Paced is set once the job has waited for its turn, so that it is not
	// paced twice.
	Paced bool
	// After is written when the carrier takes the job, with its done mark
	// (one round trip): the delivery tracking record, the recent entry.
	After *store.AfterSend
}

// Origin is whom a job's outcome goes back to; the queue only carries it.
type Origin struct {
	JID      string // the sender's full JID
	StanzaID string // the stanza the user sent
	Receipt  bool   // a XEP-0184 receipt was asked for
}

// NewKey returns a fresh job key: 128 random bits.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
