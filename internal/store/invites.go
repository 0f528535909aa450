package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Invite code errors.
var (
	ErrInviteUnknown = errors.New("store: no such invite code (or it expired)")
	ErrInviteUsed    = errors.New("store: the invite code has been used up")
	ErrInviteExists  = errors.New("store: the invite code exists already")
)

// Invite is an invite code for sign-up: it admits Uses JIDs, each once,
// and may carry a bonus credit for each of them.
type Invite struct {
	Code     string
	Uses     int64 // JIDs it admits in all
	Left     int64 // JIDs it admits still
	Bonus    int64 // minor units credited to each JID redeeming it; 0: none
	Currency string
	Expires  time.Time // zero: never
	Created  time.Time
}

func (s *Store) inviteKey(code string) string   { return s.key("{inv}", "code", code) }
func (s *Store) inviteByKey(code string) string { return s.key("{inv}", "by", code) }
func (s *Store) invitesKey() string             { return s.key("{inv}", "codes") }

// createInviteScript: KEYS code hash, codes zset; ARGV code, uses, bonus,
// currency, expires (unix s, 0 never), created (unix s), ttl ms (0 none),
// created (unix ms, the index's order).
var createInviteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'uses', ARGV[2], 'left', ARGV[2], 'bonus', ARGV[3], 'cur', ARGV[4], 'expires', ARGV[5], 'created', ARGV[6])
if tonumber(ARGV[7]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[7]) end
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[1])
return 1
`)

// CreateInvite stores inv (Left is set to Uses); an existing code is
// ErrInviteExists. An invite with an expiry vanishes at it.
func (s *Store) CreateInvite(ctx context.Context, inv Invite) error {
	if inv.Code == "" || inv.Uses < 1 || inv.Bonus < 0 {
		return fmt.Errorf("store: invite needs a code, at least one use and no negative bonus")
	}
	if inv.Created.IsZero() {
		inv.Created = time.Now()
	}
	var exp, ttl int64
	if !inv.Expires.IsZero() {
		exp = inv.Expires.Unix()
		if ttl = time.Until(inv.Expires).Milliseconds(); ttl <= 0 {
			return fmt.Errorf("store: invite expires in the past")
		}
	}
	n, err := createInviteScript.Run(ctx, s.rdb, []string{s.inviteKey(inv.Code), s.invitesKey()},
		inv.Code, inv.Uses, inv.Bonus, inv.Currency, exp, inv.Created.Unix(), ttl, inv.Created.UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	if n == 0 {
		return ErrInviteExists
	}
	return nil
}

// redeemScript: KEYS code hash, by set; ARGV jid, now (unix s). Returns
// "none", "used", "again" (the JID redeemed it before) or "ok".
var redeemScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'none' end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0')
if exp > 0 and exp <= tonumber(ARGV[2]) then return 'none' end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'again' end
if tonumber(redis.call('HGET', KEYS[1], 'left') or '0') <= 0 then return 'used' end
redis.call('HINCRBY', KEYS[1], 'left', -1)
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 'ok'
`)

// RedeemInvite uses code for jid, once however often it is called for
// the same JID (first tells whether this call used it). An unknown or
// expired code is ErrInviteUnknown, one whose uses are gone ErrInviteUsed.
func (s *Store) RedeemInvite(ctx context.Context, code, jid string, now time.Time) (inv Invite, first bool, err error) {
	res, err := redeemScript.Run(ctx, s.rdb, []string{s.inviteKey(code), s.inviteByKey(code)}, jid, now.Unix()).Text()
	if err != nil {
		return Invite{}, false, fmt.Errorf("store: redeem invite: %w", err)
	}
	switch res {
	case "none":
		return Invite{}, false, ErrInviteUnknown
	case "used":
		return Invite{}, false, ErrInviteUsed
	}
	m, err := s.rdb.HGetAll(ctx, s.inviteKey(code)).Result()
	if err != nil {
		return Invite{}, false, fmt.Errorf("store: redeem invite: %w", err)
	}
	return inviteFrom(code, m), res == "ok", nil
}

// Invites lists the invite codes that have not expired, oldest first.
func (s *Store) Invites(ctx context.Context) ([]Invite, error) {
	codes, err := s.rdb.ZRange(ctx, s.invitesKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: invites: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(codes))
	for i, c := range codes {
		cmds[i] = pipe.HGetAll(ctx, s.inviteKey(c))
	}
	if len(codes) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("store: invites: %w", err)
		}
	}
	out := make([]Invite, 0, len(codes))
	var gone []any
	for i, c := range codes {
		if m := cmds[i].Val(); len(m) > 0 {
			out = append(out, inviteFrom(c, m))
		} else {
			gone = append(gone, c)
		}
	}
	if len(gone) > 0 {
		// Expired codes leave the index as they are found.
		_ = s.rdb.ZRem(ctx, s.invitesKey(), gone...).Err()
	}
	return out, nil
}

func inviteFrom(code string, m map[string]string) Invite {
	num := func(k string) int64 { n, _ := strconv.ParseInt(m[k], 10, 64); return n }
	inv := Invite{Code: code, Uses: num("uses"), Left: num("left"), Bonus: num("bonus"), Currency: m["cur"], Created: time.Unix(num("created"), 0)}
	if e := num("expires"); e > 0 {
		inv.Expires = time.Unix(e, 0)
	}
	return inv
}
