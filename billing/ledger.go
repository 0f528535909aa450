package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Errors.
var (
	ErrConfig  = errors.New("billing: configuration not checked")
	ErrEvent   = errors.New("billing: bad event")
	ErrAccount = errors.New("billing: no such account")
	ErrRedis   = errors.New("billing: redis")
)

// Ledger is the Redis-backed ledger. It is safe for concurrent use by any
// number of goroutines and gateway instances sharing one Redis.
type Ledger struct {
	rdb    redis.UniversalClient
	prefix string
	cfg    *Config
	now    func() time.Time
}

// New returns the ledger over rdb, its keys under prefix ("sb:" when
// empty, as internal/store). cfg must have passed Check. now is the clock
// (time.Now when nil).
func New(rdb redis.UniversalClient, prefix string, cfg *Config, now func() time.Time) (*Ledger, error) {
	if cfg == nil || cfg.tariff == nil {
		return nil, ErrConfig
	}
	if prefix == "" {
		prefix = "sb:"
	}
	if now == nil {
		now = time.Now
	}
	return &Ledger{rdb: rdb, prefix: prefix, cfg: cfg, now: now}, nil
}

// Currency is the ledger's currency.
func (l *Ledger) Currency() string { return l.cfg.Currency }

// Tariff is the rate table the ledger prices with.
func (l *Ledger) Tariff() *Tariff { return l.cfg.tariff }

// keys are one account's keys, all under the hash tag {bl:<account>}.
func (l *Ledger) keys(account string) []string {
	tag := l.prefix + "{bl:" + escape(account) + "}:"
	return []string{tag + "acct", tag + "holds", tag + "hexp", tag + "posted", tag + "log"}
}

// index keys span accounts; they share their own tag.
func (l *Ledger) dueKey() string      { return l.prefix + "{bl}:due" }
func (l *Ledger) accountsKey() string { return l.prefix + "{bl}:accounts" }

// escape keeps an account id from closing the hash tag early or running
// into the key's suffix: %, { and } are written %25, %7B, %7D.
func escape(s string) string {
	if !strings.ContainsAny(s, "%{}") {
		return s
	}
	r := strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")
	return r.Replace(s)
}

func checkAccount(account string) error {
	if account == "" || len(account) > 1024 {
		return fmt.Errorf("%w: account id must be 1 to 1024 bytes", ErrEvent)
	}
	return nil
}

// checkID refuses ids that would not survive the hold record or the
// posting key: empty, over 256 bytes, or with spaces or control
// characters.
func checkID(id string) error {
	if id == "" || len(id) > 256 {
		return fmt.Errorf("%w: id must be 1 to 256 bytes", ErrEvent)
	}
	for i := range len(id) {
		if id[i] <= ' ' || id[i] == 0x7f {
			return fmt.Errorf("%w: id %q has a space or control character", ErrEvent, clip(id))
		}
	}
	return nil
}

// run runs script on account's keys with the common arguments first.
func (l *Ledger) run(ctx context.Context, s *redis.Script, account string, args ...any) (any, error) {
	low := l.cfg.thresholds()
	argv := make([]any, 0, 3+len(low)+len(args))
	argv = append(argv, l.now().UnixMilli(), l.cfg.Currency, len(low))
	for _, t := range low {
		argv = append(argv, t)
	}
	argv = append(argv, args...)
	res, err := s.Run(ctx, l.rdb, l.keys(account), argv...).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRedis, err)
	}
	return res, nil
}

// decide runs a script that answers with the common reply.
func (l *Ledger) decide(ctx context.Context, s *redis.Script, account string, kind Kind, args ...any) (Decision, error) {
	res, err := l.run(ctx, s, account, args...)
	if err != nil {
		return Decision{}, err
	}
	return l.decision(res, kind)
}

func (l *Ledger) decision(res any, kind Kind) (Decision, error) {
	v, ok := res.([]any)
	if !ok || len(v) != 9 {
		return Decision{}, fmt.Errorf("%w: unexpected reply %v", ErrRedis, res)
	}
	n := make([]int64, len(v))
	for i, x := range v {
		if i == 1 {
			continue
		}
		if n[i], ok = x.(int64); !ok {
			return Decision{}, fmt.Errorf("%w: unexpected reply %v", ErrRedis, res)
		}
	}
	reason, _ := v[1].(string)
	cur := l.cfg.Currency
	d := Decision{
		Allowed:   n[0] == 1,
		Reason:    Reason(reason),
		Kind:      kind,
		Amount:    Money{n[2], cur},
		Balance:   Money{n[3], cur},
		Reserved:  Money{n[4], cur},
		Allowance: n[5],
		Replay:    n[7] == 1,
	}
	if n[6] >= 0 {
		d.Low, d.LowCrossed = Money{n[6], cur}, true
	}
	if n[8] > 0 {
		d.Time = time.UnixMilli(n[8]).UTC()
	}
	if d.Allowed {
		d.Reason = OK
	}
	return d, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
