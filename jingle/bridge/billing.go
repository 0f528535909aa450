package bridge

import (
	"context"
	"time"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/jingle"
)

// Meter prices calls (*billing.Ledger). A call to a phone reserves its
// first step of seconds before the trunk is dialled, extends to a new
// total before each step runs out and settles its talk time at the end;
// a call from a phone does the same where the rates price inbound calls.
type Meter interface {
	// Priced reports whether kind toward remote costs anything.
	Priced(kind billing.Kind, remote string) bool
	Reserve(ctx context.Context, ev billing.Event) (billing.Decision, error)
	Extend(ctx context.Context, ev billing.Event) (billing.Decision, error)
	Settle(ctx context.Context, ev billing.Event, ref string) (billing.Decision, error)
	Release(ctx context.Context, ev billing.Event) error
}

// defaultBillingStep is how much of a call is reserved at a time.
const defaultBillingStep = time.Minute

// stepSeconds is the billing step in whole seconds (at least one).
func (b *Bridge) stepSeconds() int64 { return max(int64(b.set.BillingStep/time.Second), 1) }

// reserveOutbound holds the first step of a call from account to number
// before anything is dialled. It returns the call's ledger event (nil
// without a Meter) or the refusal the user gets.
func (b *Bridge) reserveOutbound(ctx context.Context, account, sid, number string) (*billing.Event, *stanza.Error) {
	if b.set.Meter == nil {
		return nil, nil
	}
	ev := &billing.Event{Account: account, ID: sid, Kind: billing.Call, Remote: number, Quantity: b.stepSeconds()}
	d, err := b.set.Meter.Reserve(ctx, *ev)
	switch {
	case err != nil:
		b.log.Error("bridge: cannot reserve the call's credit", "err", err)
		return nil, storageUnavailable()
	case !d.Allowed:
		b.log.Info("bridge: call refused by billing", "reason", d.Reason, "to", b.redact(number))
		return nil, refusal(stanza.Auth, stanza.PolicyViolation, d.Text()+" This call was not placed.")
	}
	return ev, nil
}

// reserveInbound holds the first step of a call from caller to owner's
// number when the rates price inbound calls. ok is false when the owner
// cannot pay for it: the caller has been refused and the owner told.
// When the ledger cannot be asked the call goes through unmetered, as a
// received text is delivered whatever the charge.
func (b *Bridge) reserveInbound(ctx context.Context, in Incoming, owner, sid, caller string) (ev *billing.Event, ok bool) {
	if b.set.Meter == nil || !b.set.Meter.Priced(billing.CallIn, caller) {
		return nil, true
	}
	ev = &billing.Event{Account: owner, ID: sid, Kind: billing.CallIn, Remote: caller, Quantity: b.stepSeconds()}
	d, err := b.set.Meter.Reserve(ctx, *ev)
	switch {
	case err != nil:
		b.log.Warn("bridge: cannot reserve an incoming call's credit; it goes through unmetered", "err", err)
		return nil, true
	case !d.Allowed:
		b.log.Info("bridge: incoming call refused by billing", "reason", d.Reason)
		_ = in.Reject(480, "Temporarily Unavailable")
		who := "an unknown caller"
		if phone.IsE164(caller) {
			who = phone.Display(caller)
		}
		b.notify(ctx, owner, "A call from "+who+" was not put through: "+d.Text())
		return nil, false
	}
	return ev, true
}

// release gives back the hold of a call that never started.
func (b *Bridge) release(ev *billing.Event) {
	if ev == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.set.SendTimeout)
	defer cancel()
	if err := b.set.Meter.Release(ctx, *ev); err != nil {
		b.log.Warn("bridge: cannot release the call's credit", "err", err)
	}
}

// notify sends the user a chat message from the gateway's own JID, as
// the component's low-balance notices come.
func (b *Bridge) notify(ctx context.Context, user, body string) {
	msg := chatMessage{ID: newSID(), Type: "chat", From: b.set.Domain.String(), To: user, Body: "⚠️ " + body}
	if err := b.xmpp.Send(ctx, msg); err != nil {
		b.log.Warn("bridge: cannot send a billing notice", "err", err)
	}
}

// startMetering starts counting talk time once the phone side answered,
// and the goroutine that extends the call's credit. c.mu is held.
func (c *call) startMeteringLocked() bool {
	if c.bill == nil {
		return false
	}
	c.talkFrom, c.billed = c.b.set.Clock.Now(), c.bill.Quantity
	return true
}

// meter extends the call's credit a step at a time, margin before each
// step runs out. A refusal ends the call when what was reserved runs out;
// a ledger it cannot reach does not end it (Settle charges the whole
// call, even below zero).
func (c *call) meter() {
	defer c.b.wg.Done()
	b := c.b
	step := time.Duration(b.stepSeconds()) * time.Second
	margin := min(10*time.Second, step/2)
	c.mu.Lock()
	from, reserved := c.talkFrom, time.Duration(c.billed)*time.Second
	c.mu.Unlock()
	next := from.Add(reserved - margin)
	for {
		if !c.sleepUntil(next) {
			return
		}
		ev := *c.bill
		ev.Quantity = int64((reserved + step) / time.Second)
		ctx, cancel := context.WithTimeout(c.ctx, b.set.SendTimeout)
		d, err := b.set.Meter.Extend(ctx, ev)
		cancel()
		switch {
		case c.ctx.Err() != nil:
			return
		case err != nil:
			c.log.Warn("bridge: cannot extend the call's credit; the call goes on", "err", err)
			next = b.set.Clock.Now().Add(time.Second)
			continue
		case !d.Allowed:
			c.log.Info("bridge: the call's credit runs out", "reason", d.Reason)
			if !c.sleepUntil(from.Add(reserved)) {
				return
			}
			// Ended at the reserved second: the moments end takes are not
			// the user's to pay.
			c.mu.Lock()
			c.billCap = c.billed
			c.mu.Unlock()
			c.outOfCredit(d)
			return
		}
		reserved += step
		c.mu.Lock()
		c.billed = ev.Quantity
		c.mu.Unlock()
		next = from.Add(reserved - margin)
	}
}

// sleepUntil waits for the bridge's clock to reach t; false when the call
// ended first.
func (c *call) sleepUntil(t time.Time) bool {
	clock := c.b.set.Clock
	select {
	case <-clock.After(t.Sub(clock.Now())):
		return true
	case <-c.ctx.Done():
		return false
	}
}

// outOfCredit ends the call (BYE to the phone, session-terminate
// <expired/> to the user) and tells the user why.
func (c *call) outOfCredit(d billing.Decision) {
	why := "Your call ended: "
	if d.Reason == billing.NoFunds {
		why += "your balance ran out. "
	}
	c.end(sideNone, jingle.NewReason(jingle.Expired, why+d.Text()))
	ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
	defer cancel()
	c.b.notify(ctx, c.owner.String(), why+d.Text())
}

// settle posts the call's talk time, rated by its increments, or gives
// the hold back when it was never answered. end calls it once.
func (c *call) settle(ctx context.Context) {
	if c.bill == nil {
		return
	}
	ev := *c.bill
	c.mu.Lock()
	from, limit := c.talkFrom, c.billCap
	c.mu.Unlock()
	if from.IsZero() {
		c.b.release(&ev)
		return
	}
	talk := c.b.set.Clock.Now().Sub(from)
	ev.Quantity = int64((talk + time.Second - 1) / time.Second) // every started second
	if limit > 0 {
		ev.Quantity = min(ev.Quantity, limit)
	}
	d, err := c.b.set.Meter.Settle(ctx, ev, "")
	if err != nil {
		// The hold lapses; the call goes uncharged rather than twice.
		c.log.Error("bridge: cannot charge the call", "err", err)
		return
	}
	c.log.Debug("bridge: call charged", "seconds", ev.Quantity, "amount", d.Amount.String())
	if d.LowCrossed {
		c.b.notify(ctx, c.owner.String(), d.Text())
	}
}
