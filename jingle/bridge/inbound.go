package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
)

// Ring takes a call from the phone side to one of the gateway's numbers and
// rings every resource of the number's owner (XEP-0353 propose to the bare
// JID). The first resource to proceed gets the session; the others are
// told to stop ringing.
func (b *Bridge) Ring(ctx context.Context, in Incoming) {
	number, err := phone.Normalize(in.Callee(), b.set.DefaultRegion)
	if err != nil {
		_ = in.Reject(404, "Not Found")
		return
	}
	// Limits come before any work for the call (Redis included). Over one,
	// the caller hears busy: 486 concerns this call only, where 503 would
	// tell the trunk that the whole gateway is down, and proxies then stop
	// sending it every call for a while (RFC 3261 21.5.4) — one caller's
	// flood would cut everyone off.
	slot, over := b.limits.admitIncoming(in.Source(), number)
	if over != "" {
		b.limits.logRefusal(b.log, over, "source", in.Source(), "to", b.redact(number))
		_ = in.Reject(486, "Busy Here")
		return
	}
	handed := false // to a call, whose end gives it back
	defer func() {
		if !handed {
			slot.release()
		}
	}()
	bind, err := b.store.Lookup(ctx, number)
	switch {
	case errors.Is(err, store.ErrNotFound):
		b.log.Info("bridge: call for a number nobody owns", "to", b.redact(number))
		_ = in.Reject(404, "Not Found")
		return
	case err != nil:
		b.log.Error("bridge: cannot look up the called number", "err", err)
		_ = in.Reject(503, "Service Unavailable")
		return
	}
	owner, err := ownerJID(bind.JID)
	if err != nil {
		_ = in.Reject(404, "Not Found")
		return
	}
	caller := in.Caller()
	if !in.CallerTrusted() {
		// Anyone can claim any number: only the trunk's word is shown,
		// forwarded or recorded as a caller ID.
		caller = anonymousCaller
	}
	callerJID := b.set.Domain.Domainpart()
	if n, err := phone.Normalize(caller, b.set.DefaultRegion); err == nil {
		caller = n
		callerJID = n + "@" + callerJID
	} else {
		callerJID = "anonymous@" + callerJID
	}
	if _, err := ParsePlainSDP(in.Offer()); err != nil {
		b.log.Info("bridge: refusing a call with no usable audio", "err", err)
		_ = in.Reject(488, "Not Acceptable Here")
		return
	}
	if bind.Forward != "" {
		handed = true
		b.forward(in, bind, caller, slot)
		return
	}
	sid := newSID()
	bill, ok := b.reserveInbound(ctx, in, owner.String(), sid, caller)
	if !ok {
		return
	}
	c := b.newCall(sid, inbound, callerJID)
	c.jmi, c.owner, c.slot, c.bill, handed = true, owner, slot, bill, true
	c.from, c.to = caller, number
	c.ringFor, c.voicemailOn = b.answering(ctx, bind.JID)
	if !b.openIncoming(ctx, c, in) {
		b.release(bill) // end settled it already, or the call never opened
		return
	}
	defer b.wg.Done()
	c.log.Debug("bridge: incoming call", "from", b.redact(caller), "to", b.redact(number))
	c.ring(in)
}

// anonymousCaller stands for a caller whose identity is not believed.
const anonymousCaller = "anonymous"

// ring runs an incoming call up to the moment both sides are connected.
func (c *call) ring(in Incoming) {
	c.sendJMI(c.ctx, c.owner.String(), jingle.NewAudioPropose(c.sid))
	if err := in.Ringing(); err != nil {
		c.log.Debug("bridge: 180 not sent", "err", err)
	}
	c.ringDirect()
	t := time.NewTimer(c.ringFor)
	defer t.Stop()
	select {
	case <-in.Cancelled():
		c.end(sideSIP, jingle.NewReason(jingle.Cancel, "the caller hung up"))
		c.missed()
		return
	case <-t.C:
		c.retract(jingle.NewReason(jingle.Timeout, "nobody answered"))
		c.unanswered(in)
		return
	case r := <-c.rejected:
		c.mu.Lock()
		c.retracted = true // the user said no: nothing to withdraw
		c.mu.Unlock()
		c.refused(in, r)
		return
	case <-c.ctx.Done(): // only shutdown ends a call that nobody took
		_ = in.Reject(503, "Service Unavailable")
		c.end(sideSIP, shuttingDown())
		c.missed()
		return
	case <-c.proceeded:
	}
	select {
	case <-c.handover:
		// A XEP-0353 client proceeded before the client rung directly was
		// offered anything: the call is simply its.
		c.handOver()
	default:
	}
	c.mu.Lock()
	user := c.user
	var others map[string]bool
	if !c.mixed { // else they ring on until a client answers
		others = c.ringing
		c.ringing = map[string]bool{}
	}
	c.mu.Unlock()
	for r := range others {
		if r != user.String() {
			c.sendJMI(c.ctx, r, &jingle.Retract{ID: c.sid, Reason: jingle.NewReason(jingle.Cancel, "answered on another device")})
		}
	}
	// Offer the client only the G.711 laws the phone offered; answer() then
	// answers the phone with those.
	if sm, err := ParsePlainSDP(in.Offer()); err == nil {
		c.mu.Lock()
		c.sipCodecs = sm.Codecs
		c.mu.Unlock()
	}
	if !c.offer(in) {
		return
	}
	t.Reset(c.ringFor)
	for answered := false; !answered; {
		select {
		case <-c.jingleReady:
			answered = true
			if c.mixedRing && c.rungDirect() {
				// The client rung directly answered: the XEP-0353
				// clients stop ringing.
				c.retract(jingle.NewReason(jingle.Cancel, "answered on another device"))
			}
		case <-c.handover:
			c.handOver()
			if !c.offer(in) {
				return
			}
		case r := <-c.rejected: // a client rung directly ended the session unanswered
			if c.mixedRing && c.rungDirect() {
				c.withdraw(r)
				c.retract(r)
			}
			c.refused(in, r)
			return
		case <-in.Cancelled():
			direct := c.rungDirect() // it was still ringing
			c.end(sideSIP, jingle.NewReason(jingle.Cancel, "the caller hung up"))
			if direct {
				c.missed()
			}
			return
		case <-t.C:
			if c.rungDirect() {
				// The session-initiate rang the client all this time:
				// nobody answered, so the caller gets voicemail and the
				// owner a notice, as with XEP-0353 clients.
				reason := jingle.NewReason(jingle.Timeout, "nobody answered")
				c.withdraw(reason)
				if c.mixedRing {
					c.retract(reason)
				}
				c.unanswered(in)
				return
			}
			_ = in.Reject(480, "Temporarily Unavailable")
			c.end(sideSIP, jingle.NewReason(jingle.Timeout, "the session was not accepted"))
			return
		case <-c.ctx.Done():
			c.rejectEnded(in)
			return
		}
	}
	if c.ended() {
		// session-accept and session-terminate came together and select
		// picked the accept: the call is over all the same.
		c.rejectEnded(in)
		return
	}
	if err := c.answer(in); errors.Is(err, errEnded) {
		return
	} else if err != nil {
		c.log.Warn("bridge: cannot answer the trunk", "err", err)
		c.end(sideNone, jingle.NewReason(jingle.GeneralError, "the phone call could not be answered"))
		return
	}
	go c.bridgeMedia()
}

// offer sends the session-initiate to the resource that took the call; on
// failure it refuses the caller and reports false.
func (c *call) offer(in Incoming) bool {
	if err := c.sendInitiate(); err != nil {
		if c.ended() {
			// The user ended the session before acknowledging our
			// session-initiate (a decline, say), or its acknowledgement and
			// the session-terminate behind it arrived together and the
			// cancelled context won the race in the IQ's wait: the caller
			// must hear why, not a generic failure.
			c.rejectEnded(in)
			return false
		}
		c.log.Warn("bridge: cannot offer the session", "err", err)
		_ = in.Reject(480, "Temporarily Unavailable")
		c.end(sideSIP, jingle.NewReason(jingle.GeneralError, "the session could not be set up"))
		return false
	}
	return true
}

// answer answers the trunk's INVITE with G.711 on a new RTP socket.
func (c *call) answer(in Incoming) error {
	sm, err := ParsePlainSDP(in.Offer())
	if err != nil {
		_ = in.Reject(488, "Not Acceptable Here")
		return err
	}
	// Answer the phone with what the client accepted, in the phone's
	// payload types.
	web, err := c.clientLeg().Codecs()
	if err != nil {
		_ = in.Reject(500, "Server Internal Error")
		return err
	}
	codecs := commonCodecs(sm.Codecs, web)
	if !hasG711(codecs) {
		_ = in.Reject(488, "Not Acceptable Here")
		return errNoCommonCodec
	}
	conn, err := c.listenRTP()
	if err != nil {
		_ = in.Reject(503, "Service Unavailable")
		return err
	}
	c.mu.Lock()
	c.rtp, c.sipCodecs = conn, codecs
	c.mu.Unlock()
	conn.SetPeer(sm.Addr, c.b.set.TrustedMedia)
	sc, err := in.Answer(c.ctx, PlainSDP(c.b.set.PublicIP, conn.LocalAddr().Port(), codecs, answerDirection(sm.Dir)))
	if err != nil {
		return err
	}
	if !c.setAnswered(sc) {
		return errEnded
	}
	c.watchSIP(sc)
	return nil
}

// errEnded: the call ended while the phone side was being answered.
var errEnded = errors.New("bridge: the call ended while it was being answered")

// unanswered goes on with a call nobody took in time: to voicemail where
// it is on, else 480; the owner is told of the missed call either way,
// unless voicemail took a message (which is its own notice).
func (c *call) unanswered(in Incoming) {
	if c.voicemailOn && c.reserveVoicemail() {
		if !c.voicemail(in) { // it refused the caller
			c.missed()
		}
		return
	}
	_ = in.Reject(480, "Temporarily Unavailable")
	c.end(sideSIP, jingle.NewReason(jingle.Timeout, "nobody answered"))
	c.missed()
}

// refused goes on with a call the user's client refused with r: to
// voicemail where it is on, else the caller hears why. A decline is the
// user's own doing; busy (a device already in a call) and the like are
// missed calls.
func (c *call) refused(in Incoming, r *jingle.Reason) {
	declined := r.Condition == jingle.Decline
	if c.voicemailOn && c.reserveVoicemail() {
		if !c.voicemail(in) && !declined {
			c.missed()
		}
		return
	}
	_ = in.Reject(sipForCondition(r.Condition), string(r.Condition))
	c.end(sideXMPP, r)
	if !declined {
		c.missed()
	}
}

// ended reports whether end has run (or is running).
func (c *call) ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason != nil
}

// retract stops the owner's clients ringing, once.
func (c *call) retract(r *jingle.Reason) {
	c.mu.Lock()
	done := c.retracted
	c.retracted = true
	c.mu.Unlock()
	if !done {
		c.sendJMI(c.ctx, c.owner.String(), &jingle.Retract{ID: c.sid, Reason: r})
	}
}

// rejectEnded refuses the caller of a call that ended before it was
// answered, with the status that matches why (the user's session-terminate
// <decline/> is a 603, say).
func (c *call) rejectEnded(in Incoming) {
	c.mu.Lock()
	r := c.reason
	c.mu.Unlock()
	switch {
	case r == nil || r.Condition == jingle.Success:
		_ = in.Reject(487, "Request Terminated")
		return
	case r.Condition == jingle.GeneralError:
		_ = in.Reject(503, "Service Unavailable")
		return
	}
	code := sipForCondition(r.Condition)
	_ = in.Reject(code, string(r.Condition))
}

// missed tells the owner about a call none of their clients took: clients
// show a JMI proposal only while it rings, and nothing at all when they
// were offline. It goes to the bare JID as a chat message with a
// store hint, so offline storage and archives keep it.
func (c *call) missed() {
	ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
	defer cancel()
	msg := chatMessage{ID: newSID(), Type: "chat", From: c.numberJID, To: c.owner.String(),
		Body: missedBody(c.from, c.numberJID, c.start), Store: &storeHint{}}
	if err := c.b.xmpp.Send(ctx, msg); err != nil {
		c.log.Warn("bridge: cannot send the missed call notice", "err", err)
		return
	}
	c.log.Debug("bridge: missed call notice sent")
}

// missedBody is the notice's text: the caller's number as people write
// it, or no number for callers that are not one (numberJID is then the
// anonymous JID), and when it rang.
func missedBody(caller, numberJID string, at time.Time) string {
	who := "an unknown caller"
	if !strings.HasPrefix(numberJID, "anonymous@") && phone.IsE164(caller) {
		who = phone.Display(caller)
	}
	return fmt.Sprintf("Missed call from %s on %s at %s UTC", who, at.UTC().Format("2 Jan"), at.UTC().Format("15:04"))
}
