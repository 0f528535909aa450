// Package store keeps Switchboard's state in Redis.
//
// Key layout (all keys start with the configured prefix, "sb:" by default):
//
//	sb:{b}:num:<E164>     hash   jid, carrier, assigned (unix s), forward, carrier_id   number -> owner
//	sb:{b}:jid:<bare JID> zset   E164 scored by assignment time     owner -> numbers
//	sb:{b}:numbers        set    every bound number                  for listing
//	sb:{b}:set:<bare JID> hash   voicemail, ring_timeout, group_texts, low_balance  a user's settings (settings.go)
//	sb:{cmd:<JID>}:s      hash   command session id -> JSON; expires   ad-hoc command sessions (sessions.go)
//	sb:{cmd:<JID>}:exp    zset   command session ids by expiry (unix ms); expires
//	sb:seen:<carrier>:<k> string "taking" (30 s), then "taken"; expires  webhook de-duplication
//	sb:{ob}:q             stream accepted outbound messages (group "senders")  outbox.go
//	sb:{ob}:retry         zset   outbound messages by due time (retries, pacing)
//	sb:{ob}:sent:<key>    string "" in flight, then the carrier's id; expires  at most once
//	sb:{ob}:optout:<from>:<to> string an opt-out the carrier reported; expires after a year
//	sb:recent:<conv>      list   recent stanza ids and text fingerprints; expires  recent.go
//	sb:track:<carrier>:<id> hash jid, stanza, number, receipt; expires  delivery reports
//	sb:pending            list   JSON inbound messages the XMPP side has not taken yet; expires
//	sb:call:<id>          string instance id owning a live call; refreshed, expires when the owner dies
//	sb:calls              set    ids of live calls                   to find orphans
//	sb:cdrs               stream call detail records (no audio)      for billing; capped length
//	sb:media:<id>         hash   type, data; expires                 voicemail recordings served over HTTP
//	sb:mms:<id>           hash   type, name, data; expires           MMS media served over HTTP (internal/mms, [mms] store = "redis")
//	sb:{vm}:bytes         string bytes of recordings and reservations  voicemail budget
//	sb:{vm}:expiry        zset   entry id scored by expiry (unix ms)   ... shrinks as entries expire
//	sb:{vm}:size          hash   entry id -> bytes                   ... (voicemail.go)
//	sb:{vm}:num:<E164>    zset   entry id scored by time; expires after 1 h  recordings per number per hour
//	sb:jidchange:<bare JID> string JSON change of Jabber ID waiting for this JID; expires  move.go
//	sb:jidchange:n:<bare JID> string changes this JID asked for this hour; expires
//	sb:topup:sandbox:<token> string account and amount of a sandbox payment; expires (billing/topup)
//	sb:{bl:<account>}:*   hash, zset, stream  one billing account's ledger (package billing, doc.go)
//	sb:{bl}:due           zset   billing accounts by plan renewal time
//	sb:{bl}:accounts      set    every billing account
//	sb:hold:<name>        string the bare JID holding a sign-up's pick or run; expires  holds.go
//	sb:count:<name>       string a count in a window (a JID's number searches); expires
//	sb:{inv}:code:<code>  hash   uses, left, bonus, currency, expires (unix s), created; expires  invites.go
//	sb:{inv}:by:<code>    set    bare JIDs that redeemed the code; expires with it
//	sb:{inv}:codes        zset   invite codes by creation time
//
// The binding keys share the {b} hash tag so that one Lua script can update
// them atomically on Redis Cluster too; the voicemail ledger's share {vm},
// the outbound queue's {ob}. Message bodies are kept only in sb:{ob}:q and
// sb:{ob}:retry until the carrier takes them, and in
// sb:pending, only while the XMPP server is unreachable, and never longer than
// the pending TTL.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/commit"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrTaken    = errors.New("store: number belongs to another JID")
)

// Store is the Redis-backed state.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	batch  commit.Group[batchReq]
	route  hints // each JID's first number, as last read
}

// Open connects lazily to the Redis at rawURL (redis:// or rediss://); it
// does not fail when Redis is down, so the gateway can start and retry.
func Open(rawURL string) (*Store, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: bad redis url: %w", err)
	}
	return New(redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:     []string{opt.Addr},
		Username:  opt.Username,
		Password:  opt.Password,
		DB:        opt.DB,
		TLSConfig: opt.TLSConfig,
		// Fail fast so that callers can answer users and carriers while
		// Redis is away, instead of hanging on the defaults.
		DialTimeout: 2 * time.Second,
		// RESP2: RESP3 makes go-redis look for push notifications after
		// every reply, an extra read the gateway has no use for.
		Protocol:      2,
		MaxRetries:    1,
		DialerRetries: 1,
	}), ""), nil
}

// New wraps an existing client; prefix defaults to "sb:".
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "sb:"
	}
	return &Store{rdb: rdb, prefix: prefix, batch: commit.Group[batchReq]{Max: maxBatch}}
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store: redis: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error { return s.rdb.Close() }

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}
