package component

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/outbox"
)

// Outbox is the durable queue a user's message goes into once accepted
// (internal/outbox); its worker reports through OutboxHandler.
type Outbox interface {
	Add(ctx context.Context, j *outbox.Job) error
}

// SetOutbox routes accepted messages through ob. Without one, messages are
// sent at once, which loses them if the gateway stops mid-send: for tests.
func (c *Component) SetOutbox(ob Outbox) { c.ob = ob }

func (c *Component) outbox() Outbox {
	if c.ob == nil {
		return inline{c}
	}
	return c.ob
}

// OutboxHandler is what the queue's workers send through.
func (c *Component) OutboxHandler() outbox.Handler { return outboxHandler{c} }

type outboxHandler struct{ c *Component }

var (
	_ outbox.Handler    = outboxHandler{}
	_ outbox.Reconciler = outboxHandler{}
)

func (h outboxHandler) Limits(carrier string) (carriers.Limits, bool) {
	cr, ok := h.c.carriers[carrier]
	if !ok {
		return carriers.Limits{}, false
	}
	return cr.Limits(), true
}

func (h outboxHandler) Send(ctx context.Context, j *outbox.Job) (string, error) {
	cr, ok := h.c.carriers[j.Message.Carrier]
	if !ok {
		return "", outbox.ErrNoCarrier
	}
	m := j.Message
	m.Key = j.Key
	ctx, cancel := context.WithTimeout(ctx, h.c.set.SendTimeout)
	defer cancel()
	return cr.Send(ctx, m)
}

// Sent is told once the queue wrote the job's After (its tracking record
// and recent entry) with its done mark.
func (h outboxHandler) Sent(ctx context.Context, j *outbox.Job, id string) {
	h.c.log.Debug("component: sent", "carrier", j.Message.Carrier, "id", id)
	h.c.settle(ctx, j, id)
}

// Failed tells the user, on the stanza they sent, and remembers an
// opt-out so the next message to that recipient fails without the carrier.
func (h outboxHandler) Failed(ctx context.Context, j *outbox.Job, err error) {
	c := h.c
	c.log.Warn("component: message not sent", "carrier", j.Message.Carrier, "to", c.redact(j.Message.To), "err", err)
	c.settle(ctx, j, "")
	var ce *carriers.Error
	if errors.As(err, &ce) && ce.Reason == carriers.ReasonOptedOut {
		c.optOut(ctx, j.Message.From, j.Message.To)
	}
	from := c.senderFor(j.Message)
	if serr := c.send(ctx, errorStanza("message", j.Origin.StanzaID, from, j.Origin.JID, sendError(err))); serr != nil {
		c.log.Warn("component: could not report a failed send", "err", serr)
	}
}

// senderFor is the JID a user wrote to for m: the number's, or the group's.
func (c *Component) senderFor(m carriers.Message) string {
	if len(m.Cc) > 0 {
		return groupLocal(m.From, m.Recipients()) + "@" + c.set.Domain.Domainpart()
	}
	return m.To + "@" + c.set.Domain.Domainpart()
}

// optOutTTL bounds how long an opt-out is remembered without news: a year,
// like the carriers' own lists.
const optOutTTL = 365 * 24 * time.Hour

func (c *Component) optOut(ctx context.Context, from, to string) {
	if err := c.store.OptOut(ctx, from, to, optOutTTL); err != nil {
		c.log.Warn("component: cannot remember an opt-out", "err", err)
	}
}

// inline sends at once, without a queue, writing what the queue would.
type inline struct{ c *Component }

func (i inline) Add(ctx context.Context, j *outbox.Job) error {
	h := i.c.OutboxHandler()
	if j.Key == "" {
		j.Key = outbox.NewKey()
	}
	id, err := h.Send(ctx, j)
	if err != nil {
		h.Failed(ctx, j, err)
		return nil
	}
	if a := j.After; a != nil {
		if err := i.c.store.Track(ctx, a.Carrier, id, a.Sent, a.TTL); err != nil {
			i.c.log.Warn("component: cannot track sent message", "err", err)
		}
		if a.Recent != nil {
			_ = i.c.store.Remember(ctx, *a.Recent)
		}
	}
	h.Sent(ctx, j, id)
	return nil
}

// errCannotFind: the carrier offers no way to ask about a message.
var errCannotFind = errors.New("component: the carrier cannot look up sent messages")

// Reconcile asks the job's carrier whether an interrupted send reached it.
func (h outboxHandler) Reconcile(ctx context.Context, j *outbox.Job) (string, bool, error) {
	f, ok := h.c.carriers[j.Message.Carrier].(carriers.Finder)
	if !ok {
		return "", false, errCannotFind
	}
	ctx, cancel := context.WithTimeout(ctx, h.c.set.SendTimeout)
	defer cancel()
	return f.Find(ctx, j.Message, j.Accepted)
}
