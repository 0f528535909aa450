package topup

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
)

// allow counts a top-up started by account in this clock hour and
// refuses it beyond PerHour: a user cannot have the gateway open
// sessions at Stripe without end. A fixed window in Redis, so that every
// gateway instance counts alike.
func (s *Stripe) allow(ctx context.Context, account string) error {
	hour := s.now().Unix() / 3600
	key := s.prefix + "topup:limit:" + strconv.FormatInt(hour, 10) + ":" + account
	pipe := s.rdb.TxPipeline()
	n := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 2*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: %w", billing.ErrRedis, err)
	}
	if n.Val() > int64(s.cfg.PerHour) {
		return fmt.Errorf("%w: %d an hour", ErrLimit, s.cfg.PerHour)
	}
	return nil
}
