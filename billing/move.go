package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Errors of Move.
var (
	// ErrExists: the account moved to already exists.
	ErrExists = errors.New("billing: the account moved to already exists")
	// ErrBusy: the account has a send or call in flight (a reservation);
	// move it once that is over.
	ErrBusy = errors.New("billing: the account has reservations in flight")
)

// moveScript: KEYS are the old account's five keys, then the new one's;
// ARGV from, to. Renames every key of from to to's, unless to exists or
// from holds reservations. A move already done (from gone, to marked as
// moved from from) is a replay.
var moveScript = redis.NewScript(`
local from, to = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('HGET', KEYS[6], 'movedfrom') == from then return 'replay' end
  return 'no_account'
end
if redis.call('EXISTS', KEYS[6]) == 1 then return 'exists' end
if tonumber(redis.call('HGET', KEYS[1], 'res') or '0') ~= 0 or redis.call('HLEN', KEYS[2]) > 0 then return 'busy' end
for i = 1, 5 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 5]) end
end
redis.call('HSET', KEYS[6], 'movedfrom', from)
return 'ok'
`)

// Move gives account from's balance, plan, period, allowances, settings
// and postings (the same stream, so a statement runs on unbroken) to the
// account to, which must not exist (ErrExists), and removes from: for a
// user who changes their Jabber ID. It is one script, so it is atomic and
// applied once: a retried Move that already happened returns nil. An
// account with a send or call in flight is ErrBusy, as its settlement
// would find no account.
//
// The two accounts' keys have different hash tags: Move needs them on one
// Redis server (a single server or a replicated one), not spread over a
// Redis Cluster, where it fails with CROSSSLOT and moves nothing.
func (l *Ledger) Move(ctx context.Context, from, to string) error {
	if err := checkAccount(from); err != nil {
		return err
	}
	if err := checkAccount(to); err != nil {
		return err
	}
	if from == to {
		return fmt.Errorf("%w: moving %q to itself", ErrEvent, from)
	}
	// Reading the account lets its lapsed holds go first.
	if _, err := l.Account(ctx, from); err != nil && !errors.Is(err, ErrAccount) {
		return err
	}
	keys := append(l.keys(from), l.keys(to)...)
	res, err := moveScript.Run(ctx, l.rdb, keys, from, to).Text()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	switch res {
	case "no_account":
		return fmt.Errorf("%w: %q", ErrAccount, from)
	case "exists":
		return fmt.Errorf("%w: %q", ErrExists, to)
	case "busy":
		return fmt.Errorf("%w: %q", ErrBusy, from)
	}
	// The indexes follow (they may lag, as everywhere).
	if err := l.rdb.SAdd(ctx, l.accountsKey(), to).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	if err := l.rdb.SRem(ctx, l.accountsKey(), from).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	score, err := l.rdb.ZScore(ctx, l.dueKey(), from).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	if err := l.rdb.ZAdd(ctx, l.dueKey(), redis.Z{Score: score, Member: to}).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	if err := l.rdb.ZRem(ctx, l.dueKey(), from).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return nil
}
