package bridge

import (
	"context"
	"encoding/json"
	"time"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
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
	return b.reserveIncoming(ctx, in, &billing.Event{Account: owner, ID: sid, Kind: billing.CallIn, Remote: caller, Quantity: b.stepSeconds()},
		caller, "was not put through")
}

// reserveIncoming holds ev, the first step of a leg of a call from caller
// that owner pays for. ok is false when the owner cannot pay: the caller is
// refused with 480 and the owner told that the call what (was not put
// through, say). When the ledger cannot be asked the call goes through
// unmetered, as a received text is delivered whatever the charge.
func (b *Bridge) reserveIncoming(ctx context.Context, in Incoming, ev *billing.Event, caller, what string) (*billing.Event, bool) {
	d, err := b.set.Meter.Reserve(ctx, *ev)
	switch {
	case err != nil:
		b.log.Warn("bridge: cannot reserve an incoming call's credit; it goes through unmetered", "kind", ev.Kind, "err", err)
		return nil, true
	case !d.Allowed:
		b.log.Info("bridge: incoming call refused by billing", "kind", ev.Kind, "reason", d.Reason)
		_ = in.Reject(480, "Temporarily Unavailable")
		who := "an unknown caller"
		if phone.IsE164(caller) {
			who = phone.Display(caller)
		}
		b.notify(ctx, ev.Account, "A call from "+who+" "+what+": "+d.Text())
		return nil, false
	}
	return ev, true
}

// reserveForward holds the first step of both legs of a call forwarded to
// target, which the number's owner pays for: the leg to the target as a
// call to it (a SIP address is no phone call, and is free), and the
// caller's leg where the rates price inbound calls. ok is false when the
// owner cannot pay for either: the caller has been refused, the owner
// told, and nothing is held.
func (b *Bridge) reserveForward(ctx context.Context, in Incoming, owner, sid, caller, target string) (out, leg *billing.Event, ok bool) {
	if b.set.Meter == nil {
		return nil, nil, true
	}
	what := "could not be forwarded to " + target
	if phone.IsE164(target) {
		what = "could not be forwarded to " + phone.Display(target)
		ev := &billing.Event{Account: owner, ID: sid, Kind: billing.Call, Remote: target, Quantity: b.stepSeconds()}
		if out, ok = b.reserveIncoming(ctx, in, ev, caller, what); !ok {
			return nil, nil, false
		}
	}
	if b.set.Meter.Priced(billing.CallIn, caller) {
		ev := &billing.Event{Account: owner, ID: sid + "-in", Kind: billing.CallIn, Remote: caller, Quantity: b.stepSeconds()}
		if leg, ok = b.reserveIncoming(ctx, in, ev, caller, what); !ok {
			b.release(out)
			return nil, nil, false
		}
	}
	return out, leg, true
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
	bills := c.bills()
	if len(bills) == 0 {
		return false
	}
	c.talkFrom, c.billed = c.b.set.Clock.Now(), bills[0].Quantity
	return true
}

// bills are the call's ledger events: one, or a forwarded call's two
// legs, each reserved, extended and settled for the same seconds.
func (c *call) bills() []*billing.Event {
	var out []*billing.Event
	for _, ev := range []*billing.Event{c.bill, c.billIn} {
		if ev != nil {
			out = append(out, ev)
		}
	}
	return out
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
		total := int64((reserved + step) / time.Second)
		d, err := c.extend(total)
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
		c.billed = total
		c.mu.Unlock()
		next = from.Add(reserved - margin)
	}
}

// extend grows each of the call's holds to total seconds; the first
// refusal or error stops it (a retry extends again to the same total,
// which changes nothing where it was allowed).
func (c *call) extend(total int64) (billing.Decision, error) {
	var d billing.Decision
	for _, b := range c.bills() {
		ev := *b
		ev.Quantity = total
		ctx, cancel := context.WithTimeout(c.ctx, c.b.set.SendTimeout)
		var err error
		d, err = c.b.set.Meter.Extend(ctx, ev)
		cancel()
		if err != nil || !d.Allowed {
			return d, err
		}
	}
	return d, nil
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
	c.mu.Lock()
	from, limit := c.talkFrom, c.billCap
	c.mu.Unlock()
	var seconds int64
	if !from.IsZero() {
		talk := c.b.set.Clock.Now().Sub(from)
		seconds = int64((talk + time.Second - 1) / time.Second) // every started second
		if limit > 0 {
			seconds = min(seconds, limit)
		}
	}
	for _, b := range c.bills() {
		ev := *b
		if from.IsZero() {
			c.b.release(&ev)
			continue
		}
		ev.Quantity = seconds
		d, err := c.b.set.Meter.Settle(ctx, ev, "")
		if err != nil {
			// The hold lapses; the call goes uncharged rather than twice.
			c.log.Error("bridge: cannot charge the call", "kind", ev.Kind, "err", err)
			continue
		}
		c.log.Debug("bridge: call charged", "kind", ev.Kind, "seconds", ev.Quantity, "amount", d.Amount.String())
		if d.LowCrossed {
			c.b.notify(ctx, c.owner.String(), d.Text())
		}
	}
}

// callMeter is what an answered, metered call leaves in the store for the
// instance that may have to charge it (endOrphan).
type callMeter struct {
	Events []billing.Event `json:"events"`
}

// answeredNow keeps the record of the call, just answered, and its
// ledger events where it is metered, for whichever instance finds it
// orphaned.
func (c *call) answeredNow(answered time.Time) {
	var meter []byte
	if bills := c.bills(); len(bills) > 0 && c.b.set.Meter != nil {
		m := callMeter{}
		for _, ev := range bills {
			m.Events = append(m.Events, *ev)
		}
		meter, _ = json.Marshal(m) // plain fields: never fails
	}
	r := store.CDR{ID: c.sid, Direction: string(c.dir), From: c.from, To: c.to, JID: c.owner.String(), Start: c.start, Answer: answered}
	ctx, cancel := context.WithTimeout(c.ctx, c.b.set.SendTimeout)
	defer cancel()
	if err := c.b.store.CallAnswered(ctx, r, meter, c.b.set.OwnerTTL+store.AnsweredGrace); err != nil {
		c.log.Warn("bridge: cannot keep the answered call's record; were this instance to die, the call would go uncharged", "err", err)
	}
}

// chargeOrphan settles an orphaned call's ledger events for talk; false
// when the ledger could not be reached (the sweep tries again).
func (b *Bridge) chargeOrphan(ctx context.Context, meter []byte, talk time.Duration) bool {
	var m callMeter
	if err := json.Unmarshal(meter, &m); err != nil {
		b.log.Error("bridge: an orphaned call's billing record is unreadable; it goes uncharged", "err", err)
		return true
	}
	if b.set.Meter == nil {
		b.log.Warn("bridge: an orphaned call was metered, but billing is off here; it goes uncharged")
		return true
	}
	seconds := int64((talk + time.Second - 1) / time.Second)
	for _, ev := range m.Events {
		ev.Quantity = seconds
		d, err := b.set.Meter.Settle(ctx, ev, "")
		if err != nil {
			b.log.Warn("bridge: cannot charge an orphaned call; will try again", "kind", ev.Kind, "err", err)
			return false
		}
		b.log.Debug("bridge: orphaned call charged", "kind", ev.Kind, "seconds", seconds, "amount", d.Amount.String())
	}
	return true
}
