package component

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/tapback"
)

var _ carriers.Receiver = (*Component)(nil)

// pending is an inbound message waiting in Redis for the XMPP server.
type pending struct {
	Message outMessage `json:"m"`
	Expires int64      `json:"e"` // unix seconds
}

// Receive delivers an SMS from a carrier to the number's owner as a chat
// message from the sender's number JID. It returns nil once the message is
// delivered or safely queued, or is a duplicate; carriers.ErrUnknownNumber
// for a number nobody owns; any other error tells the carrier to retry.
func (c *Component) Receive(ctx context.Context, m carriers.Message) error {
	log := c.log.With("carrier", m.Carrier, "id", m.ID, "to", c.redact(m.To))
	to, err := c.numbers.normalize(m.To, "")
	if err != nil {
		log.Warn("component: message for something that is not a phone number; dropped")
		return carriers.ErrUnknownNumber
	}
	if len(m.Cc) > 0 {
		// A group text names every participant; the carrier may put any of
		// them first. It is for the one this gateway serves.
		if m, to, err = c.ownRecipient(ctx, m, to); err != nil {
			return err
		}
	}
	claim, err := c.store.ClaimInbound(ctx, m.Carrier, m.ID, to, claimHold)
	switch {
	case err != nil:
		return err
	case claim.Busy:
		log.Info("component: webhook retried while the first attempt is under way; asking for a later retry")
		return ErrBusy
	case !claim.First:
		log.Info("component: duplicate webhook ignored")
		return nil
	case claim.Owner.Number == "":
		log.Warn("component: message for a number nobody owns; dropped")
		c.taken(ctx, log, m)
		return carriers.ErrUnknownNumber
	case claim.Owner.Carrier != m.Carrier:
		// Only the number's own carrier can say who texted it: the
		// sandbox must not reach a Twilio user "from" any number. The
		// sender hears what an unknown number gets.
		log.Warn("component: message for a number from another carrier than its own; dropped", "number_carrier", claim.Owner.Carrier)
		c.taken(ctx, log, m)
		return carriers.ErrUnknownNumber
	}
	recent, err := c.take(ctx, log, m, to, claim.Owner.JID)
	if err != nil {
		if m.ID != "" {
			// Let the carrier's retry through.
			if uerr := c.store.Unsee(ctx, m.Carrier, m.ID); uerr != nil {
				log.Error("component: cannot forget webhook id", "err", uerr)
			}
		}
		return err
	}
	c.taken(ctx, log, m, recent...)
	c.chargeInbound(ctx, claim.Owner.JID, m)
	return nil
}

// mediaLost tells the user what became of attachments that could not be
// fetched.
func mediaLost(n int, err error) string {
	what := "A picture or file sent with this message"
	if n > 1 {
		what = fmt.Sprintf("%d pictures or files sent with this message", n)
	}
	why := "the carrier's copy could not be fetched"
	if errors.Is(err, mms.ErrTooLarge) {
		why = "it is larger than this gateway takes"
	}
	return "[" + what + " could not be delivered: " + why + ".]"
}

// ownRecipient makes the first of a group text's recipients that a user of
// this gateway holds (through m's carrier) its To, the others its Cc. With
// none, m is left as it is (and refused as for an unknown number).
func (c *Component) ownRecipient(ctx context.Context, m carriers.Message, to string) (carriers.Message, string, error) {
	all := append([]string{to}, m.Cc...)
	for i, n := range all {
		n, err := c.numbers.normalize(n, "")
		if err != nil {
			continue
		}
		b, err := c.store.Lookup(ctx, n)
		if errors.Is(err, store.ErrNotFound) || err == nil && b.Carrier != m.Carrier {
			continue
		}
		if err != nil {
			return m, to, err
		}
		if i > 0 {
			m.To, m.Cc = n, append(append([]string{to}, all[1:i]...), all[i+1:]...)
		}
		return m, n, nil
	}
	return m, to, nil
}

// ErrBusy: a carrier retried a webhook whose first attempt is still under
// way (or died less than claimHold ago); it should retry later.
var ErrBusy = errors.New("component: message being taken; retry later")

// claimHold is how long one attempt at an inbound message holds it:
// longer than re-hosting and delivery can take, so a retry never races a
// live attempt, and short enough that a crashed attempt's retry gets
// through soon.
const claimHold = 30 * time.Second

// taken ends the claim on m (retries are now duplicates) and remembers
// what was delivered for phones' reactions, in one round trip. Should this
// fail, the claim lapses and a retry delivers m again: twice rather than
// never.
func (c *Component) taken(ctx context.Context, log *slog.Logger, m carriers.Message, recent ...store.Recent) {
	if m.ID == "" && len(recent) == 0 {
		return
	}
	if err := c.store.Taken(ctx, m.Carrier, m.ID, c.set.SeenTTL, recent...); err != nil {
		log.Warn("component: cannot mark a webhook taken", "err", err)
	}
}

// take re-hosts m's media, notes an opt-in, and delivers m to owner. It
// returns what to remember of the messages delivered.
func (c *Component) take(ctx context.Context, log *slog.Logger, m carriers.Message, to, owner string) ([]store.Recent, error) {
	if len(m.Media) > 0 && c.set.Rehost != nil {
		rctx, cancel := context.WithTimeout(ctx, c.set.RehostTimeout)
		media, err := c.set.Rehost(rctx, c.carriers[m.Carrier], m.Media)
		cancel()
		switch {
		case err != nil && mms.Permanent(err):
			// No retry will fetch them: the text goes on, saying so.
			log.Warn("component: media cannot be fetched; delivering the text without it", "err", err)
			m.Body = strings.TrimSpace(m.Body + "\n" + mediaLost(len(m.Media), err))
			m.Media = nil
		case err != nil:
			log.Warn("component: cannot re-host media; the carrier will retry", "err", err)
			return nil, fmt.Errorf("component: re-host media: %w", err)
		default:
			m.Media = media
		}
	}
	if optInWord(m.Body) {
		// The carrier lets texts through again; so does the gateway. The
		// word still reaches the user as an ordinary text.
		if from, err := c.numbers.normalize(m.From, ""); err == nil {
			if err := c.store.OptIn(ctx, to, from); err != nil {
				return nil, err
			}
		}
	}
	return c.deliverInbound(ctx, log, m, owner)
}

// recentOf is a delivered message's entry in its conversation.
func (c *Component) recentOf(cv, id, body string, media bool) store.Recent {
	b, ttl := c.recentEntry(id, body, media)
	return store.Recent{Conv: cv, Entry: b, Keep: recentKeep, TTL: ttl}
}

// deliverInbound sends m to owner, or queues it while the stream is down.
func (c *Component) deliverInbound(ctx context.Context, log *slog.Logger, m carriers.Message, owner string) ([]store.Recent, error) {
	msg := outMessage{Type: "chat", ID: randomID(), From: c.senderJID(m.From), To: owner, Body: m.Body}
	if msg.From == c.set.Domain.String() {
		// No JID can stand for this sender: say who it was in the text.
		msg.Body = "From " + m.From + ": " + msg.Body
	}
	if m.Name != "" {
		msg.Nick = m.Name
		c.RememberName(c.senderLocal(m.From), m.Name)
	}
	other := c.senderLocal(m.From)
	if len(m.Cc) > 0 {
		c.groupInbound(&msg, m, owner, c.groupJIDs(ctx, owner))
		other = groupLocal(m.To, append([]string{m.From}, m.Cc...))
	}
	cv := conv(owner, other)
	tap, isTap := tapback.Parse(m.Body)
	if isTap {
		if id, ok := c.reacted(ctx, cv, tap); ok {
			msg.Reactions = &reactions{ID: id}
			if !tap.Remove {
				msg.Reactions.Emojis = []string{tap.Emoji}
			}
		}
	}
	// The text, then each media item as its own message whose body is
	// its URL: the form Conversations and others show inline.
	var msgs []outMessage
	if msg.Body != "" || len(m.Media) == 0 {
		msgs = append(msgs, msg)
	}
	var recent []store.Recent
	if msg.Body != "" && msg.Reactions == nil {
		recent = append(recent, c.recentOf(cv, msg.ID, m.Body, false))
	}
	for _, u := range m.Media {
		mm := msg
		mm.ID, mm.Body, mm.OOB, mm.Reactions = randomID(), u.URL, []oobInfo{{URL: u.URL}}, nil
		msgs = append(msgs, mm)
		recent = append(recent, c.recentOf(cv, mm.ID, "", true))
	}
	sess := c.session()
	for i, mm := range msgs {
		err := ErrNotConnected
		if sess != nil {
			// Shared with other deliveries under way: one write for many.
			err = c.out.Do(outStanza{sess, mm.tokens()}, c.writeBatch)
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrNotConnected) {
			log.Warn("component: delivery failed; queueing", "err", err)
		}
		return recent, c.queueInbound(ctx, log, msgs[i:])
	}
	if err := c.flush(ctx, sess); err != nil {
		// The server may have died before reading them: keep them for
		// the next stream. It may also have taken them; twice is better
		// than never.
		log.Warn("component: the XMPP server did not confirm delivery; queueing", "err", err)
		return recent, c.queueInbound(ctx, log, msgs)
	}
	return recent, nil
}

// queueInbound keeps msgs, in order, until the XMPP server is back.
func (c *Component) queueInbound(ctx context.Context, log *slog.Logger, msgs []outMessage) error {
	for _, msg := range msgs {
		item, err := json.Marshal(pending{Message: msg, Expires: time.Now().Add(c.set.PendingTTL).Unix()})
		if err != nil {
			return fmt.Errorf("component: encode pending: %w", err)
		}
		if err := c.store.PushPending(ctx, item, c.set.PendingTTL); err != nil {
			return err
		}
	}
	log.Info("component: XMPP server unreachable; message queued")
	if c.Connected() {
		// The stream came back while this was queued, perhaps after its
		// drain ended: drain again rather than wait for the next outage.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c.drainPending(ctx)
		}()
	}
	return nil
}

// senderLocal names the sender in a conversation key.
func (c *Component) senderLocal(from string) string {
	if n, err := c.numbers.normalize(from, ""); err == nil {
		return n
	}
	return strings.TrimSpace(from)
}

// senderJID is the JID an inbound message comes from: the sender's number
// in E.164, or for senders that are not phone numbers (alphanumeric sender
// IDs, short codes) their name escaped per XEP-0106. The gateway's own JID
// stands in when neither makes a JID.
func (c *Component) senderJID(from string) string {
	local, err := c.numbers.normalize(from, "")
	if err != nil {
		local = jid.Escape.String(strings.TrimSpace(from))
	}
	j, err := jid.New(local, c.set.Domain.Domainpart(), "")
	if err != nil || local == "" {
		return c.set.Domain.String()
	}
	return j.String()
}

// drainPending delivers messages queued while the stream was down, oldest
// first. It stops at the first failure; the next connection tries again.
func (c *Component) drainPending(ctx context.Context) {
	c.drainMu.Lock()
	defer c.drainMu.Unlock()
	n := 0
	for ctx.Err() == nil {
		item, err := c.store.PeekPending(ctx)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			c.log.Warn("component: cannot read queued messages", "err", err)
			return
		}
		var p pending
		if err := json.Unmarshal(item, &p); err == nil && time.Now().Unix() < p.Expires {
			sess := c.session()
			if sess == nil {
				return
			}
			err := c.write(sess, func() error { return sess.Send(context.Background(), p.Message.tokens()) })
			if err == nil {
				err = c.flush(ctx, sess)
			}
			if err != nil {
				c.log.Warn("component: queued delivery failed", "err", err)
				return
			}
			n++
		}
		if err := c.store.AckPending(ctx, item); err != nil {
			c.log.Warn("component: cannot remove delivered message from queue", "err", err)
			return
		}
	}
	if n > 0 {
		c.log.Info("component: delivered queued messages", "count", n)
	}
}

// Status turns a carrier's delivery report into a XEP-0184 receipt (when the
// sender asked for one) or an error message the sender's client shows
// against the failed message.
func (c *Component) Status(ctx context.Context, s carriers.Status) error {
	if !s.State.Final() {
		return nil
	}
	sent, err := c.store.Tracked(ctx, s.Carrier, s.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // unknown, expired, or a duplicate of a report already handled
	}
	if err != nil {
		return err
	}
	from := sent.Number + "@" + c.set.Domain.Domainpart()
	switch {
	case s.State == carriers.StateDelivered:
		if sent.From != "" {
			// A delivery proves the recipient takes texts again.
			if err := c.store.OptIn(ctx, sent.From, sent.Number); err != nil {
				return err
			}
		}
		if sent.Receipt {
			err = c.send(ctx, outMessage{ID: randomID(), From: from, To: sent.JID, Received: &receiptInfo{ID: sent.StanzaID}}.tokens())
		}
	case s.State == carriers.StateFailed:
		if s.Reason == carriers.ReasonOptedOut && sent.From != "" {
			c.optOut(ctx, sent.From, sent.Number)
		}
		why := "Not delivered: " + s.Reason.Text()
		if s.Reason == carriers.ReasonUnknown && s.ErrorText != "" {
			why += ": " + s.ErrorText
		}
		if s.ErrorCode != "" {
			why += " (carrier code " + s.ErrorCode + ")"
		}
		cond := stanza.RecipientUnavailable
		if s.Reason == carriers.ReasonOptedOut {
			cond = stanza.NotAllowed
		}
		err = c.send(ctx, errorStanza("message", sent.StanzaID, from, sent.JID,
			stanza.Error{Type: stanza.Cancel, Condition: cond, Text: text(why + ".")}))
	}
	if err != nil {
		return err
	}
	return c.store.Untrack(ctx, s.Carrier, s.ID)
}

// optInWord reports whether body is a keyword carriers take as "send me
// texts again".
func optInWord(body string) bool {
	switch strings.ToUpper(strings.TrimSpace(body)) {
	case "START", "UNSTOP", "YES":
		return true
	}
	return false
}

// groupInbound marks msg as part of a group text: XEP-0033 addresses
// listing every other participant as already delivered (Cheogram's
// GroupMMS contract), and, with group JIDs on (for this owner), the
// group's JID as sender and the sender's number in front of the text.
func (c *Component) groupInbound(msg *outMessage, m carriers.Message, owner string, groupJIDs bool) {
	msg.Addresses = []address{{Type: "to", JID: owner}}
	for _, p := range m.Cc {
		if p != m.To {
			msg.Addresses = append(msg.Addresses, address{Type: "to", URI: "sms:" + p, Delivered: true})
		}
	}
	if groupJIDs {
		all := append([]string{m.From}, m.Cc...)
		msg.From = groupLocal(m.To, all) + "@" + c.set.Domain.Domainpart()
		msg.Body = m.From + ": " + msg.Body
	}
}
