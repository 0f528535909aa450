package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binding ties a number to the bare JID that owns it and the carrier it is
// reached through.
type Binding struct {
	Number   string
	JID      string
	Carrier  string
	Assigned time.Time
	Forward  string // where inbound calls go instead: a number or SIP URI; empty: to the owner
}

// assignScript binds KEYS[1] (number hash) to ARGV[2] (jid) unless another
// JID holds it. KEYS[2] is the JID's zset, KEYS[3] the set of numbers.
var assignScript = redis.NewScript(`
local owner = redis.call('HGET', KEYS[1], 'jid')
if owner and owner ~= ARGV[2] then return redis.error_reply('TAKEN ' .. owner) end
redis.call('HSET', KEYS[1], 'jid', ARGV[2], 'carrier', ARGV[3], 'assigned', ARGV[4])
redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
`)

// releaseScript removes KEYS[1] and its entries; returns the old hash.
var releaseScript = redis.NewScript(`
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return h end
local jid
for i = 1, #h, 2 do if h[i] == 'jid' then jid = h[i+1] end end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[2] .. jid, ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
return h
`)

func (s *Store) numKey(number string) string { return s.key("{b}", "num", number) }
func (s *Store) jidKey(jid string) string    { return s.key("{b}", "jid", jid) }
func (s *Store) numbersKey() string          { return s.key("{b}", "numbers") }

// Assign binds b.Number to b.JID through b.Carrier. Re-assigning a number to
// its owner updates the carrier; a number owned by someone else is ErrTaken.
func (s *Store) Assign(ctx context.Context, b Binding) error {
	if b.Assigned.IsZero() {
		b.Assigned = time.Now()
	}
	err := assignScript.Run(ctx, s.rdb,
		[]string{s.numKey(b.Number), s.jidKey(b.JID), s.numbersKey()},
		b.Number, b.JID, b.Carrier, b.Assigned.Unix()).Err()
	if err != nil {
		var re redis.Error
		if errors.As(err, &re) && len(re.Error()) > 6 && re.Error()[:6] == "TAKEN " {
			return fmt.Errorf("%w (%s)", ErrTaken, re.Error()[6:])
		}
		return fmt.Errorf("store: assign: %w", err)
	}
	return nil
}

// Release unbinds number and returns the binding it had.
func (s *Store) Release(ctx context.Context, number string) (Binding, error) {
	res, err := releaseScript.Run(ctx, s.rdb,
		[]string{s.numKey(number), s.numbersKey()}, number, s.jidKey("")).StringSlice()
	if err != nil {
		return Binding{}, fmt.Errorf("store: release: %w", err)
	}
	if len(res) == 0 {
		return Binding{}, ErrNotFound
	}
	m := map[string]string{}
	for i := 0; i+1 < len(res); i += 2 {
		m[res[i]] = res[i+1]
	}
	return bindingFrom(number, m), nil
}

// Lookup returns the binding of number, or ErrNotFound.
func (s *Store) Lookup(ctx context.Context, number string) (Binding, error) {
	m, err := s.rdb.HGetAll(ctx, s.numKey(number)).Result()
	if err != nil {
		return Binding{}, fmt.Errorf("store: lookup: %w", err)
	}
	if len(m) == 0 {
		return Binding{}, ErrNotFound
	}
	return bindingFrom(number, m), nil
}

// routeScript reads, in one round trip, the binding a JID sends from (its
// first assigned number, KEYS[1]) and the binding of the recipient number
// (KEYS[2]). ARGV[1] is the number key prefix: the sender's number key is
// only known inside the script, and shares the {b} slot.
var routeScript = redis.NewScript(`
local n = redis.call('ZRANGE', KEYS[1], 0, 0)
local s = {}
if n[1] then s = redis.call('HGETALL', ARGV[1] .. n[1]) end
return {n[1] or '', s, redis.call('HGETALL', KEYS[2])}
`)

// Route returns the binding jid sends from (ErrNotFound when it has no
// number) and the binding of the number it writes to (Number empty when
// nobody here owns it).
// It is written with concurrent calls in one pipeline (see batcher).
func (s *Store) Route(ctx context.Context, jid, to string) (from, recipient Binding, err error) {
	var cmd *redis.Cmd
	err = s.batched(ctx, func(p redis.Pipeliner) func() error {
		cmd = routeScript.EvalSha(ctx, p, []string{s.jidKey(jid), s.numKey(to)}, s.numKey(""))
		return cmd.Err
	})
	var res []any
	if err == nil {
		res, err = cmd.Slice()
	}
	if err != nil {
		return Binding{}, Binding{}, fmt.Errorf("store: route: %w", err)
	}
	if len(res) == 3 {
		if r := pairs(res[2]); len(r) > 0 {
			recipient = bindingFrom(to, r)
		}
		if n, _ := res[0].(string); n != "" {
			if m := pairs(res[1]); len(m) > 0 {
				return bindingFrom(n, m), recipient, nil
			}
		}
	}
	return Binding{}, recipient, ErrNotFound
}

// pairs turns a flat HGETALL reply from a script into a map.
func pairs(v any) map[string]string {
	l, _ := v.([]any)
	m := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		k, _ := l[i].(string)
		m[k], _ = l[i+1].(string)
	}
	return m
}

// List returns every binding, ordered by number.
func (s *Store) List(ctx context.Context) ([]Binding, error) {
	nums, err := s.rdb.SMembers(ctx, s.numbersKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	sort.Strings(nums)
	bs, err := s.readBindings(ctx, nums, nil)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	return bs, nil
}

// readBindings reads the bindings of nums in one round trip, in order,
// skipping numbers no longer bound and those keep (if not nil) refuses.
func (s *Store) readBindings(ctx context.Context, nums []string, keep func(m map[string]string) bool) ([]Binding, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(nums))
	for i, n := range nums {
		cmds[i] = pipe.HGetAll(ctx, s.numKey(n))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]Binding, 0, len(nums))
	for i, n := range nums {
		if m := cmds[i].Val(); len(m) > 0 && (keep == nil || keep(m)) {
			out = append(out, bindingFrom(n, m))
		}
	}
	return out, nil
}

func bindingFrom(number string, m map[string]string) Binding {
	sec, _ := strconv.ParseInt(m["assigned"], 10, 64)
	return Binding{Number: number, JID: m["jid"], Carrier: m["carrier"], Assigned: time.Unix(sec, 0), Forward: m["forward"]}
}

// forwardScript sets (ARGV[1] not empty) or clears the forward field of an
// existing binding KEYS[1]; 0 when there is none.
var forwardScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'forward') else redis.call('HSET', KEYS[1], 'forward', ARGV[1]) end
return 1
`)

// SetForward sends inbound calls for number to target (a number or SIP
// URI), or back to the owner when target is empty. ErrNotFound when the
// number is not bound.
func (s *Store) SetForward(ctx context.Context, number, target string) error {
	n, err := forwardScript.Run(ctx, s.rdb, []string{s.numKey(number)}, target).Int()
	if err != nil {
		return fmt.Errorf("store: forward: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
