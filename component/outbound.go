package component

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// handleMessage relays a user's message to a number JID as an SMS sent from
// the user's own number.
func (c *Component) handleMessage(ctx context.Context, st *inbound) {
	switch st.Type {
	case "error":
		return
	case "groupchat":
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.FeatureNotImplemented, Text: text("group chat is not supported by this gateway")})
		return
	}
	if st.JMI != nil && st.to.Localpart() != "" {
		if c.calls != nil {
			c.calls.JMI(ctx, st.from, st.to, st.ID, st.JMI)
		}
		return // without voice, JMI is ignored as the XEP says
	}
	if (st.Body == nil || *st.Body == "") && len(st.OOB) == 0 {
		return // chat states, receipts, markers: nothing to send
	}
	if st.to.Localpart() == "" {
		c.help(ctx, st)
		return
	}
	to, ok := c.number(ctx, st)
	if !ok {
		return
	}
	log := c.log.With("to", c.redact(to))

	b, recipient, err := c.store.Route(ctx, st.from.Bare().String(), to)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.replyError(ctx, st, stanza.Error{Type: stanza.Auth, Condition: stanza.RegistrationRequired,
			Text: text("You have no phone number on this gateway, so this message was not sent. Ask the operator of " + c.set.Domain.Domainpart() + " to assign you one.")})
		return
	case err != nil:
		log.Error("component: cannot look up sender's number", "err", err)
		c.replyError(ctx, st, stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: text("The gateway's storage is unavailable; this message was not sent. Try again shortly.")})
		return
	}
	if recipient.Number != "" {
		c.local(ctx, st, b.Number, recipient.JID)
		return
	}
	if d := c.set.Destinations; d != nil {
		if err := d.Allow(ctx, st.from.Bare().String(), to); err != nil {
			log.Info("component: destination refused by policy", "err", err)
			c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAllowed, Text: text(policyText(err) + " This message was not sent.")})
			return
		}
	}
	cr, ok := c.carriers[b.Carrier]
	if !ok {
		log.Error("component: number bound to a carrier that is not configured", "carrier", b.Carrier)
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.InternalServerError, Text: text("Your number's carrier is not configured on this gateway; this message was not sent.")})
		return
	}
	msg := carriers.Message{Carrier: cr.Name(), From: b.Number, To: to}
	if st.Body != nil {
		msg.Body = *st.Body
	}
	for _, u := range st.OOB {
		msg.Media = append(msg.Media, carriers.Media{URL: u})
		// Clients put the URL in the body for readers without OOB; as
		// MMS it travels as media, not as text.
		if strings.TrimSpace(msg.Body) == u {
			msg.Body = ""
		}
	}
	if n, max := utf8.RuneCountInString(msg.Body), cr.Limits().MaxBodyChars; max > 0 && n > max {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable,
			Text: text(fmt.Sprintf("This message is %d characters long; the carrier accepts at most %d. It was not sent: split it into shorter messages.", n, max))})
		return
	}

	sctx, cancel := context.WithTimeout(ctx, c.set.SendTimeout)
	id, err := cr.Send(sctx, msg)
	cancel()
	if err != nil {
		log.Warn("component: carrier send failed", "carrier", cr.Name(), "err", err)
		c.replyError(ctx, st, sendError(err))
		return
	}
	log.Debug("component: sent", "carrier", cr.Name(), "id", id)
	sent := store.Sent{JID: st.From, StanzaID: st.ID, Number: to, Receipt: st.Request != nil}
	if err := c.store.Track(ctx, cr.Name(), id, sent, c.set.TrackTTL); err != nil {
		// The SMS is out; only its delivery report will be lost.
		log.Warn("component: cannot track sent message", "err", err)
	}
}

// local delivers a message between two numbers of this gateway over XMPP:
// no carrier, no cost, no copy at a third party.
func (c *Component) local(ctx context.Context, st *inbound, from, owner string) {
	msg := outMessage{Type: "chat", ID: randomID(), From: from + "@" + c.set.Domain.Domainpart(), To: owner}
	if st.Body != nil {
		msg.Body = *st.Body
	}
	for _, u := range st.OOB {
		msg.OOB = append(msg.OOB, oobInfo{URL: u})
	}
	if err := c.send(ctx, msg.tokens()); err != nil {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Wait, Condition: stanza.RemoteServerTimeout, Text: text("The message could not be delivered; try again shortly.")})
		return
	}
	if st.Request != nil {
		_ = c.send(ctx, outMessage{ID: randomID(), From: st.To, To: st.From, Received: &receiptInfo{ID: st.ID}}.tokens())
	}
}

// sendError turns a carrier failure into what the user sees.
func sendError(err error) stanza.Error {
	var ce *carriers.Error
	detail := ""
	if errors.As(err, &ce) {
		detail = ": " + ce.Message
		if ce.Code != "" {
			detail += " (carrier code " + ce.Code + ")"
		}
	}
	if errors.Is(err, carriers.ErrRejected) {
		return stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAcceptable, Text: text("The carrier refused this message" + detail)}
	}
	return stanza.Error{Type: stanza.Wait, Condition: stanza.RemoteServerTimeout, Text: text("The carrier could not be reached; this message was not sent" + detail + ". Try again shortly.")}
}

// policyText is a destination policy's refusal as the user reads it.
func policyText(err error) string {
	var r *policy.Refusal
	if errors.As(err, &r) {
		return r.Text() + "."
	}
	return "This number is refused by this gateway's destination policy."
}

// help answers messages to the gateway itself.
func (c *Component) help(ctx context.Context, st *inbound) {
	body := "This is an SMS gateway. To text a phone number, write to +<country code><number>@" +
		c.set.Domain.Domainpart() + ", for example +12015550123@" + c.set.Domain.Domainpart() + "."
	if err := c.send(ctx, outMessage{Type: "chat", ID: randomID(), From: st.To, To: st.From, Body: body}.tokens()); err != nil {
		c.log.Warn("component: could not send help", "err", err)
	}
}
