package app

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
)

// renewEvery is how often plans that are due are renewed. The ledger
// files each account at its period end (an unpaid one an hour on), so a
// sweep finds only what is due; every instance may run it, as a period
// is charged once however many try.
const renewEvery = time.Minute

// renewBatch bounds the accounts one RenewDue asks the ledger for, and
// renewRounds the batches one sweep runs.
const (
	renewBatch  = 100
	renewRounds = 10
)

// startRenewals runs RenewDue every renewEvery until ctx is done, when
// billing is on; the returned channel is closed when it has stopped.
func (g *Gateway) startRenewals(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if g.ledger == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		t := time.NewTicker(renewEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := g.RenewDue(ctx); err != nil && ctx.Err() == nil {
					g.log.Warn("app: plan renewals", "err", err)
				}
			}
		}
	}()
	return done
}

// RenewDue renews every plan that is due and tells each user whose
// renewal went unpaid (once: the ledger says which renewal found it so)
// or took the balance below a threshold, with a message from the
// gateway's JID. Without billing it does nothing.
func (g *Gateway) RenewDue(ctx context.Context) error {
	if g.ledger == nil {
		return nil
	}
	for range renewRounds {
		rs, err := g.ledger.RenewDue(ctx, renewBatch)
		for _, r := range rs {
			g.renewalNotice(ctx, r)
		}
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		if len(rs) < renewBatch {
			return nil
		}
	}
	return nil
}

// renewalNotice tells the account's owner what their renewal needs them
// to know, if anything.
func (g *Gateway) renewalNotice(ctx context.Context, r billing.Renewal) {
	var text string
	switch {
	case r.Closing:
		g.closeCancelled(ctx, r)
		return
	case r.Notice:
		text = r.Text()
	case r.LowCrossed:
		text = billing.Decision{Allowed: true, LowCrossed: true, Low: r.Low, Balance: r.Account.Balance}.Text()
	default:
		return
	}
	if err := g.comp.Notify(ctx, r.Account.ID, "⚠️ "+text); err != nil {
		g.log.Warn("app: cannot tell a user about their plan's renewal", "err", err)
	}
}
