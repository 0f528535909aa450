package component

import (
	"context"
	"log/slog"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/outbox"
	"github.com/switchboard-gw/switchboard/internal/sms"
)

// Meter prices what users send and receive (package billing). A send is
// reserved before it is queued, so that no balance means no carrier call,
// committed once the carrier took it, released if it never will.
type Meter interface {
	Reserve(ctx context.Context, ev billing.Event) (billing.Decision, error)
	Commit(ctx context.Context, ev billing.Event, ref string) (billing.Decision, error)
	Release(ctx context.Context, ev billing.Event) error
	Charge(ctx context.Context, ev billing.Event) (billing.Decision, error)
}

// SetMeter has sends and receipts priced by m; without one, nothing is.
func (c *Component) SetMeter(m Meter) { c.meter = m }

// account is the ledger account of a user: their bare JID.
func account(user string) string {
	j, err := jid.Parse(user)
	if err != nil {
		return user
	}
	return j.Bare().String()
}

// sendEvent is what sending m costs: its segments (or one picture
// message) to each recipient, priced by the first recipient's prefix.
// The job's key makes it happen once however often it is retried.
func sendEvent(key, user string, m carriers.Message) billing.Event {
	ev := billing.Event{Account: account(user), ID: key, Kind: billing.SMS, Remote: m.To, Quantity: int64(max(sms.Count(m.Body).Segments, 1))}
	if len(m.Media) > 0 {
		ev.Kind, ev.Quantity = billing.MMS, 1
	}
	ev.Quantity *= int64(len(m.Recipients()))
	return ev
}

// reserve holds the price of job's message before it is queued. bad is set,
// with the error to answer, when the user cannot pay for it or the ledger
// cannot be asked.
func (c *Component) reserve(ctx context.Context, log *slog.Logger, job *outbox.Job) (e stanza.Error, bad bool) {
	if c.meter == nil {
		return stanza.Error{}, false
	}
	d, err := c.meter.Reserve(ctx, sendEvent(job.Key, job.Origin.JID, job.Message))
	switch {
	case err != nil:
		log.Error("component: cannot reserve the price of a message", "err", err)
		return storageError, true
	case !d.Allowed:
		log.Info("component: message refused by billing", "reason", d.Reason)
		return stanza.Error{Type: stanza.Auth, Condition: stanza.PolicyViolation, Text: text(d.Text() + " This message was not sent.")}, true
	}
	return stanza.Error{}, false
}

// settle commits (the carrier took it: id) or releases the price of a job.
func (c *Component) settle(ctx context.Context, j *outbox.Job, id string) {
	if c.meter == nil {
		return
	}
	ev := sendEvent(j.Key, j.Origin.JID, j.Message)
	if id == "" {
		if err := c.meter.Release(ctx, ev); err != nil {
			c.log.Warn("component: cannot release the price of an unsent message", "err", err)
		}
		return
	}
	d, err := c.meter.Commit(ctx, ev, id)
	if err != nil {
		// The reservation lapses; the charge is lost, never doubled.
		c.log.Error("component: cannot charge a sent message", "err", err)
		return
	}
	c.lowBalance(ctx, ev.Account, d)
}

// chargeInbound prices a message the user received, where the rates say
// so. It is delivered whatever the answer: a text cannot be sent back.
func (c *Component) chargeInbound(ctx context.Context, owner string, m carriers.Message) {
	if c.meter == nil || m.ID == "" {
		return
	}
	ev := billing.Event{Account: account(owner), ID: m.Carrier + ":" + m.ID, Kind: billing.SMSIn, Remote: m.From, Quantity: int64(max(sms.Count(m.Body).Segments, 1))}
	if len(m.Media) > 0 {
		ev.Kind, ev.Quantity = billing.MMSIn, 1
	}
	d, err := c.meter.Charge(ctx, ev)
	if err != nil {
		c.log.Warn("component: cannot charge a received message", "err", err)
		return
	}
	c.lowBalance(ctx, ev.Account, d)
}

// lowBalance tells the user, from the gateway's JID, that their balance
// went below a threshold: once per crossing (the ledger says when).
func (c *Component) lowBalance(ctx context.Context, user string, d billing.Decision) {
	if !d.LowCrossed {
		return
	}
	if err := c.Notify(ctx, user, "⚠️ "+d.Text()); err != nil {
		c.log.Warn("component: cannot send a low-balance notice", "err", err)
	}
}

// Notify sends user (a bare JID) a chat message from the gateway's JID:
// a top-up credited, a renewal unpaid.
func (c *Component) Notify(ctx context.Context, user, text string) error {
	m := outMessage{Type: "chat", ID: randomID(), From: c.set.Domain.String(), To: user, Body: text}
	return c.send(ctx, m.tokens())
}
