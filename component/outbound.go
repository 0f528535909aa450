package component

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/outbox"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/sms"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// handleMessage takes a user's message to one number JID, a group JID, or
// the gateway with XEP-0033 addresses, checks it, and puts it in the
// outbound queue; the queue's worker sends it (see outboxHandler).
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
	if (st.Body == nil || *st.Body == "") && len(st.OOB) == 0 && st.Reactions == nil {
		return // chat states, receipts, markers: nothing to send
	}
	if st.to.Localpart() == "" && st.Addresses == nil {
		c.chat(ctx, st)
		return
	}
	tos, ok := c.recipients(ctx, st)
	if !ok {
		return
	}
	log := c.log.With("to", c.redact(tos[0]), "recipients", len(tos))

	b, recipient, err := c.store.Route(ctx, st.from.Bare().String(), tos[0])
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.replyError(ctx, st, stanza.Error{Type: stanza.Auth, Condition: stanza.RegistrationRequired,
			Text: text("You have no phone number on this gateway, so this message was not sent. Ask the operator of " + c.set.Domain.Domainpart() + " to assign you one.")})
		return
	case err != nil:
		log.Error("component: cannot look up sender's number", "err", err)
		c.replyError(ctx, st, storageError)
		return
	}
	if recipient.Number != "" && len(tos) == 1 {
		c.local(ctx, st, b.Number, recipient.JID)
		return
	}
	if d := c.set.Destinations; d != nil {
		for _, to := range tos {
			if err := d.Allow(ctx, st.from.Bare().String(), to); err != nil {
				log.Info("component: destination refused by policy", "err", err)
				c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAllowed, Text: text(policyText(err) + " This message was not sent.")})
				return
			}
		}
	}
	cr, ok := c.carriers[b.Carrier]
	if !ok {
		log.Error("component: number bound to a carrier that is not configured", "carrier", b.Carrier)
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.InternalServerError, Text: text("Your number's carrier is not configured on this gateway; this message was not sent.")})
		return
	}
	msg := carriers.Message{Carrier: cr.Name(), From: b.Number, To: tos[0], Cc: tos[1:]}
	cv := conv(st.from.Bare().String(), groupLocal("", tos))
	msg.Body = c.phoneText(ctx, st, cv)
	for _, u := range st.OOB {
		msg.Media = append(msg.Media, carriers.Media{URL: u})
		// Clients put the URL in the body for readers without OOB; as
		// MMS it travels as media, not as text.
		msg.Body = strings.TrimSpace(strings.Replace(msg.Body, u, "", 1))
	}
	if e, bad := overLimits(cr, msg); bad {
		c.replyError(ctx, st, e)
		return
	}
	if e, bad := c.probeMedia(ctx, cr, msg); bad {
		c.replyError(ctx, st, e)
		return
	}
	job := &outbox.Job{Key: outbox.NewKey(), Message: msg, Origin: outbox.Origin{JID: st.From, StanzaID: st.ID, Receipt: st.Request != nil},
		After: c.afterSend(st, cr, msg, cv)}
	if e, bad := c.reserve(ctx, log, job); bad {
		c.replyError(ctx, st, e)
		return
	}
	if err := c.outbox().Add(ctx, job); err != nil {
		log.Error("component: cannot queue message", "err", err)
		c.settle(ctx, job, "")
		c.replyError(ctx, st, storageError)
		return
	}
	c.warnSegments(ctx, st, msg.Body)
}

// storageError is what a user hears when Redis is away: nothing was taken.
var storageError = stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError,
	Text: text("The gateway's storage is unavailable; this message was not sent. Try again shortly.")}

// overLimits checks msg against what its carrier declares, and names the
// limit it breaks.
func overLimits(cr carriers.Carrier, msg carriers.Message) (stanza.Error, bool) {
	lim := cr.Limits()
	refuse := func(s string) (stanza.Error, bool) {
		return stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, Text: text(s + " It was not sent.")}, true
	}
	if n := utf8.RuneCountInString(msg.Body); lim.MaxBodyChars > 0 && n > lim.MaxBodyChars {
		return refuse(fmt.Sprintf("This message is %d characters long; the carrier accepts at most %d: split it into shorter messages.", n, lim.MaxBodyChars))
	}
	if n := len(msg.Media); n > 0 && lim.MaxMedia == 0 {
		return refuse(fmt.Sprintf("The carrier %s cannot send pictures or files (MMS).", cr.Name()))
	} else if n > lim.MaxMedia {
		return refuse(fmt.Sprintf("This message has %d attachments; the carrier %s accepts at most %d per message.", n, cr.Name(), lim.MaxMedia))
	}
	if n := len(msg.Cc); n > 0 && !lim.Group() {
		return refuse(fmt.Sprintf("The carrier %s cannot send group texts.", cr.Name()))
	} else if n+1 > lim.MaxRecipients && n > 0 {
		return refuse(fmt.Sprintf("This group text has %d recipients; the carrier %s accepts at most %d.", n+1, cr.Name(), lim.MaxRecipients))
	}
	return stanza.Error{}, false
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

// sendError turns a failed send into what the user sees.
func sendError(err error) stanza.Error {
	var ce *carriers.Error
	code := ""
	reason := carriers.ReasonUnknown
	detail := ""
	if errors.As(err, &ce) {
		reason, code, detail = ce.Reason, ce.Code, ce.Message
	}
	if code != "" {
		code = " (carrier code " + code + ")"
	}
	switch {
	case errors.Is(err, outbox.ErrGaveUp):
		return stanza.Error{Type: stanza.Wait, Condition: stanza.RemoteServerTimeout, Text: text("Not sent: the carrier stayed unavailable, and the gateway gave up" + code + ".")}
	case errors.Is(err, carriers.ErrRejected) && reason == carriers.ReasonOptedOut:
		return stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAllowed, Text: text("Not sent: " + reason.Text() + code + ".")}
	case errors.Is(err, carriers.ErrRejected) && reason != carriers.ReasonUnknown:
		return stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAcceptable, Text: text("Not sent: " + reason.Text() + code + ".")}
	case errors.Is(err, carriers.ErrRejected):
		if detail != "" {
			detail = ": " + detail
		}
		return stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAcceptable, Text: text("The carrier refused this message" + detail + code + ".")}
	}
	return stanza.Error{Type: stanza.Wait, Condition: stanza.RemoteServerTimeout, Text: text("The carrier could not be reached; this message was not sent" + code + ". Try again shortly.")}
}

// policyText is a destination policy's refusal as the user reads it.
func policyText(err error) string {
	var r *policy.Refusal
	if errors.As(err, &r) {
		return r.Text() + "."
	}
	return "This number is refused by this gateway's destination policy."
}

// Hint tells a user who writes to the gateway at domain how to text a
// phone; the chat-text help starts with it too.
func Hint(domain string) string {
	return "This is an SMS gateway. To text a phone number, write to +<country code><number>@" +
		domain + ", for example +12015550123@" + domain + "."
}

// help answers messages to the gateway itself that are no command, with
// more at the end.
func (c *Component) help(ctx context.Context, st *inbound, more string) {
	body := Hint(c.set.Domain.Domainpart()) + more
	if err := c.send(ctx, outMessage{Type: "chat", ID: randomID(), From: st.To, To: st.From, Body: body}.tokens()); err != nil {
		c.log.Warn("component: could not send help", "err", err)
	}
}

// probeMedia checks the user's attachments against the carrier's declared
// types and total size, with a HEAD through the fetcher that refuses
// internal addresses. An attachment that cannot be looked at (no HEAD, no
// length) passes: the carrier has the last word.
func (c *Component) probeMedia(ctx context.Context, cr carriers.Carrier, msg carriers.Message) (stanza.Error, bool) {
	if len(msg.Media) == 0 || c.set.ProbeMedia == nil {
		return stanza.Error{}, false
	}
	lim := cr.Limits()
	refuse := func(s string) (stanza.Error, bool) {
		return stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, Text: text(s + " It was not sent.")}, true
	}
	var total int64
	for _, m := range msg.Media {
		typ, n, err := c.set.ProbeMedia(ctx, m.URL)
		if errors.Is(err, mms.ErrForbiddenAddress) {
			return refuse("The attachment's address points into a private network, which the gateway does not fetch from.")
		}
		if err != nil {
			c.log.Debug("component: cannot look at an attachment; sending it unchecked", "err", err)
			continue
		}
		if typ != "" && !typeAllowed(typ, lim.MediaTypes) {
			return refuse(fmt.Sprintf("The carrier %s does not take attachments of type %s.", cr.Name(), typ))
		}
		if n > 0 {
			total += n
		}
	}
	if lim.MaxMediaBytes > 0 && total > lim.MaxMediaBytes {
		return refuse(fmt.Sprintf("The attachments total %s; the carrier %s accepts at most %s per message.", size(total), cr.Name(), size(lim.MaxMediaBytes)))
	}
	return stanza.Error{}, false
}

// typeAllowed matches a content type against a carrier's list, where
// "image/*" stands for every image type; an empty list allows all.
func typeAllowed(typ string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	typ, _, _ = strings.Cut(strings.ToLower(typ), ";")
	typ = strings.TrimSpace(typ)
	for _, a := range allowed {
		if a == typ || (strings.HasSuffix(a, "/*") && strings.HasPrefix(typ, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// size writes n bytes for people, in the decimal units carriers write
// their limits in: 5.0 MB, 750 KB.
func size(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%d KB", n/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// warnSegments tells the user when a text goes out as several messages
// (each billed by the carrier), from WarnSegments parts on.
func (c *Component) warnSegments(ctx context.Context, st *inbound, body string) {
	if c.set.WarnSegments <= 0 || body == "" {
		return
	}
	if n := sms.Count(body).Segments; n < c.set.WarnSegments {
		return
	}
	w := outMessage{Type: "chat", ID: randomID(), From: st.To, To: st.From, Body: "ℹ️ " + sms.Warning(body)}
	if err := c.send(ctx, w.tokens()); err != nil {
		c.log.Debug("component: cannot send a length warning", "err", err)
	}
}

// afterSend is what the queue writes once the carrier takes msg: the
// record that turns the carrier's delivery report into a receipt or an
// error, and the message's recent entry for phones' reactions to it.
func (c *Component) afterSend(st *inbound, cr carriers.Carrier, msg carriers.Message, cv string) *store.AfterSend {
	a := &store.AfterSend{Carrier: cr.Name(), TTL: c.set.TrackTTL, Sent: store.Sent{
		JID: st.From, StanzaID: st.ID, Number: msg.To, From: msg.From,
		// A receipt means delivered: never from a carrier that cannot say.
		Receipt: st.Request != nil && cr.Limits().Delivery,
	}}
	if st.ID != "" && st.Reactions == nil {
		entry, ttl := c.recentEntry(st.ID, msg.Body, len(msg.Media) > 0)
		a.Recent = &store.Recent{Conv: cv, Entry: entry, Keep: recentKeep, TTL: ttl}
	}
	return a
}
