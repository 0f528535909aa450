package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Calls are owned by one gateway instance at a time. The owner keeps
// sb:call:<id> alive with Heartbeat; when an instance dies its keys expire
// and another instance finds the calls with Orphans, ends them and records
// them. Ended calls become call detail records in the sb:cdrs stream, which
// billing reads.

// CDR is a call detail record. Times are zero when the call never got there.
type CDR struct {
	ID        string
	Direction string // "outbound" (XMPP to phone) or "inbound"
	From, To  string // E.164 numbers (or the caller's SIP user when it is not a number)
	JID       string // the gateway user's bare JID
	Start     time.Time
	Answer    time.Time
	End       time.Time
	Reason    string // Jingle reason condition: success, busy, decline, …
}

// Duration is the billable time: from answer to end.
func (r CDR) Duration() time.Duration {
	if r.Answer.IsZero() || r.End.Before(r.Answer) {
		return 0
	}
	return r.End.Sub(r.Answer)
}

func (s *Store) callKey(id string) string     { return s.key("call", id) }
func (s *Store) answeredKey(id string) string { return s.key("call", id, "answered") }
func (s *Store) callsKey() string             { return s.key("calls") }
func (s *Store) cdrsKey() string              { return s.key("cdrs") }

// ClaimCall records that owner (an instance id) runs call id, for ttl unless
// refreshed. It fails with ErrTaken when another instance owns the call.
func (s *Store) ClaimCall(ctx context.Context, id, owner string, ttl time.Duration) error {
	var set *redis.BoolCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetNX(ctx, s.callKey(id), owner, ttl)
		p.SAdd(ctx, s.callsKey(), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: claim call: %w", err)
	}
	if !set.Val() {
		return fmt.Errorf("store: claim call: %w", ErrTaken)
	}
	return nil
}

// AnsweredGrace is how long what CallAnswered keeps outlives its call's
// ownership: the time other instances have to find the orphan.
const AnsweredGrace = 24 * time.Hour

// Heartbeat extends the ownership of owner's live calls by ttl.
func (s *Store) Heartbeat(ctx context.Context, ids []string, ttl time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Expire(ctx, s.callKey(id), ttl)
			p.Expire(ctx, s.answeredKey(id), ttl+AnsweredGrace) // none before the answer: nothing done
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: heartbeat: %w", err)
	}
	return nil
}

// CallOwner returns the instance running call id, or ErrNotFound.
func (s *Store) CallOwner(ctx context.Context, id string) (string, error) {
	v, err := s.rdb.Get(ctx, s.callKey(id)).Result()
	if err == redis.Nil {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: call owner: %w", err)
	}
	return v, nil
}

// Orphans lists calls whose owner stopped refreshing them.
func (s *Store) Orphans(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, s.callsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: orphans: %w", err)
	}
	var out []string
	for _, id := range ids {
		n, err := s.rdb.Exists(ctx, s.callKey(id)).Result()
		if err != nil {
			return nil, fmt.Errorf("store: orphans: %w", err)
		}
		if n == 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// Retention bounds the sb:cdrs stream.
type Retention struct {
	MaxLen int64         // entries kept (approximately); 0: no cap
	MaxAge time.Duration // entries older than this are removed; 0: kept
}

// EndCall releases call r.ID and appends its record to the sb:cdrs stream,
// trimming the stream to keep: records older than keep.MaxAge go on every
// append (stream ids are millisecond timestamps, so XTRIM MINID does it),
// and the stream keeps about keep.MaxLen entries.
func (s *Store) EndCall(ctx context.Context, r CDR, keep Retention) error {
	unix := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.callKey(r.ID), s.answeredKey(r.ID))
		p.SRem(ctx, s.callsKey(), r.ID)
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.cdrsKey(), MaxLen: keep.MaxLen, Approx: keep.MaxLen > 0, Values: []string{
			"id", r.ID, "direction", r.Direction, "from", r.From, "to", r.To, "jid", r.JID,
			"start", unix(r.Start), "answer", unix(r.Answer), "end", unix(r.End),
			"duration_ms", strconv.FormatInt(r.Duration().Milliseconds(), 10), "reason", r.Reason,
		}})
		if keep.MaxAge > 0 {
			// Exact, not "~": an approximate trim removes only whole
			// radix-tree nodes, which can keep old records indefinitely
			// on a quiet gateway.
			p.XTrimMinID(ctx, s.cdrsKey(), strconv.FormatInt(time.Now().Add(-keep.MaxAge).UnixMilli(), 10))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: end call: %w", err)
	}
	return nil
}

// answered is what CallAnswered keeps.
type answered struct {
	CDR   CDR
	Meter []byte `json:",omitempty"`
}

// CallAnswered keeps, for ttl or until EndCall, what an instance that
// finds call r.ID orphaned needs to end it properly: its record so far
// (answered) and meter, opaque here, what its billing needs.
func (s *Store) CallAnswered(ctx context.Context, r CDR, meter []byte, ttl time.Duration) error {
	b, err := json.Marshal(answered{CDR: r, Meter: meter})
	if err != nil {
		return fmt.Errorf("store: call answered: %w", err)
	}
	if err := s.rdb.Set(ctx, s.answeredKey(r.ID), b, ttl).Err(); err != nil {
		return fmt.Errorf("store: call answered: %w", err)
	}
	return nil
}

// AnsweredCall returns what CallAnswered kept of call id, or ErrNotFound.
func (s *Store) AnsweredCall(ctx context.Context, id string) (CDR, []byte, error) {
	b, err := s.rdb.Get(ctx, s.answeredKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return CDR{}, nil, ErrNotFound
	}
	if err != nil {
		return CDR{}, nil, fmt.Errorf("store: answered call: %w", err)
	}
	var a answered
	if err := json.Unmarshal(b, &a); err != nil {
		return CDR{}, nil, fmt.Errorf("store: answered call: %w", err)
	}
	return a.CDR, a.Meter, nil
}

// CDRs returns the most recent n call detail records, newest first.
func (s *Store) CDRs(ctx context.Context, n int64) ([]CDR, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.cdrsKey(), "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("store: cdrs: %w", err)
	}
	out := make([]CDR, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		ms := func(k string) time.Time {
			v, err := strconv.ParseInt(str(k), 10, 64)
			if err != nil {
				return time.Time{}
			}
			return time.UnixMilli(v)
		}
		out = append(out, CDR{
			ID: str("id"), Direction: str("direction"), From: str("from"), To: str("to"), JID: str("jid"),
			Start: ms("start"), Answer: ms("answer"), End: ms("end"), Reason: str("reason"),
		})
	}
	return out, nil
}
