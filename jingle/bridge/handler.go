package bridge

import (
	"context"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
)

func unknownSession() *stanza.Error {
	return refusal(stanza.Cancel, stanza.ItemNotFound, "unknown Jingle session")
}

// Jingle handles a Jingle IQ set from a user to a number JID.
func (b *Bridge) Jingle(ctx context.Context, from, to jid.JID, j *jingle.Jingle) *stanza.Error {
	c := b.lookup(j.SID)
	if c == nil {
		if j.Action != jingle.SessionInitiate {
			return unknownSession()
		}
		// A client that calls without XEP-0353 (Dino towards a contact
		// that does not advertise it, StanzaJS).
		c, e := b.startOutbound(ctx, from, to, j.SID, false)
		if e != nil {
			return e
		}
		if e := c.acceptOffer(j); e != nil {
			go c.end(sideNone, jingle.NewReason(jingle.FailedApplication, e.Text["en"]))
			return e
		}
		if !b.track() {
			go c.end(sideNone, shuttingDown())
			return nil
		}
		go c.dial()
		return nil
	}
	c.mu.Lock()
	withdrawn, handedFrom := c.withdrawn, c.handedFrom
	c.mu.Unlock()
	if j.Action == jingle.SessionTerminate && to.Bare().String() == c.numberJID &&
		(withdrawn && from.Equal(c.peer()) || from.Equal(handedFrom)) {
		// A client rung directly ends the session we removed its content
		// from (removeRinging), as Gajim does: nothing is left to end.
		return nil
	}
	if !from.Equal(c.peer()) || to.Bare().String() != c.numberJID {
		return unknownSession() // someone else's session
	}
	if withdrawn {
		return unknownSession() // ended unanswered; the call is voicemail's now
	}
	switch j.Action {
	case jingle.SessionInitiate:
		c.mu.Lock()
		dup := c.sessionUp || c.dir != outbound
		c.mu.Unlock()
		if dup {
			return refusal(stanza.Cancel, stanza.UnexpectedRequest, "this session already exists")
		}
		return c.acceptOffer(j)
	case jingle.SessionAccept:
		if c.dir != inbound {
			return refusal(stanza.Cancel, stanza.UnexpectedRequest, "the gateway did not offer this session")
		}
		if !c.claimDirect(from) {
			return unknownSession() // another device took the call first
		}
		return c.takeAnswer(j)
	case jingle.TransportInfo:
		return c.remoteCandidates(j)
	case jingle.SessionTerminate:
		reason := j.Reason
		if reason == nil {
			reason = jingle.NewReason(jingle.Success, "")
		}
		if c.refuseDirect(reason) {
			return nil
		}
		go c.end(sideXMPP, reason)
		return nil
	case jingle.SessionInfoAction:
		c.sessionInfo(j.SessionInfo())
		return nil
	case jingle.DescriptionInfo:
		// Gajim (farstream) sends its final codec parameters after the
		// session-accept; the payload types were agreed already and
		// nothing in them changes what the relay maps, so it is only
		// acknowledged (an error would make Gajim log a failure).
		return nil
	}
	return refusal(stanza.Cancel, stanza.FeatureNotImplemented, "the gateway does not support "+string(j.Action))
}

// JMI handles an XEP-0353 message from a user to a number JID.
func (b *Bridge) JMI(ctx context.Context, from, to jid.JID, id string, m jingle.JMI) {
	if p, ok := m.(*jingle.Propose); ok {
		b.propose(ctx, from, to, p)
		return
	}
	c := b.lookup(m.SessionID())
	if c == nil || !from.Bare().Equal(c.owner) || to.Bare().String() != c.numberJID {
		return
	}
	switch m := m.(type) {
	case *jingle.Retract:
		if c.dir == outbound {
			go c.end(sideXMPP, orCancel(m.Reason))
		}
	case *jingle.Ringing:
		if c.dir != inbound {
			return
		}
		c.mu.Lock()
		// Beside a client rung directly that has not answered (mixed),
		// XEP-0353 clients still ring.
		taken := c.user.String() != "" && !from.Equal(c.user) && !c.mixed && !from.Equal(c.handoverTo)
		if !taken {
			c.ringing[from.String()] = true
		}
		c.mu.Unlock()
		if taken { // it rang late, after another resource took the call
			c.sendJMI(ctx, from.String(), &jingle.Retract{ID: c.sid, Reason: jingle.NewReason(jingle.Cancel, "answered on another device")})
		}
	case *jingle.Proceed:
		if c.dir != inbound || from.Resourcepart() == "" {
			return
		}
		// The first proceed takes the call, decided under mu: with the
		// channel alone, a proceed after ring had read the first one went
		// into the emptied buffer and that resource was never retracted.
		c.mu.Lock()
		first := c.user.String() == ""
		// A client rung directly (Gajim) still rings beside this one and
		// has not answered: the call is this one's; ring hands it over.
		handover := !first && c.mixed
		switch {
		case first:
			c.user = from
		case handover:
			c.mixed, c.handoverTo = false, from
		}
		taken := !first && !handover && !from.Equal(c.user) && !from.Equal(c.handoverTo)
		c.mu.Unlock()
		switch {
		case first:
			c.proceeded <- from // buffered for the one send there is
		case handover:
			c.handover <- struct{}{} // buffered: mixed is cleared once
		case taken: // another resource was first
			c.sendJMI(ctx, from.String(), &jingle.Retract{ID: c.sid, Reason: jingle.NewReason(jingle.Cancel, "answered on another device")})
		}
	case *jingle.Reject:
		if c.dir != inbound {
			return
		}
		r := orReason(m.Reason, jingle.Decline)
		c.mu.Lock()
		mixed := c.mixed
		if mixed {
			// The user said no on a XEP-0353 client while one rung
			// directly rings too: no to the call. Their other XEP-0353
			// clients see this <reject/> as a carbon, so need no
			// <retract/>; ring ends the direct session.
			c.retracted = true
		}
		c.mu.Unlock()
		if mixed {
			select {
			case c.rejected <- r:
			default:
			}
			return
		}
		if p := c.peer(); p.String() != "" {
			// The resource that took the call changes its mind before
			// the answer: as a session-terminate (ring gives the caller
			// the matching status).
			if from.Equal(p) {
				go c.end(sideXMPP, r)
			}
			return
		}
		select {
		case c.rejected <- r:
		default:
		}
	}
}

func orCancel(r *jingle.Reason) *jingle.Reason { return orReason(r, jingle.Cancel) }

func orReason(r *jingle.Reason, c jingle.Condition) *jingle.Reason {
	if r == nil || r.Condition == "" {
		return jingle.NewReason(c, "")
	}
	return r
}
