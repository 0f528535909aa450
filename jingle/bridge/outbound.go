package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// propose starts a call from a user to a phone (XEP-0353).
func (b *Bridge) propose(ctx context.Context, from, to jid.JID, p *jingle.Propose) {
	if b.lookup(p.ID) != nil {
		return // a resent proposal
	}
	audio := false
	for _, m := range p.Media() {
		switch m {
		case "audio":
			audio = true
		default:
			b.refuse(ctx, from, to, p.ID, jingle.NewReason(jingle.UnsupportedApplications, "this gateway carries voice calls only"))
			return
		}
	}
	if !audio {
		b.refuse(ctx, from, to, p.ID, jingle.NewReason(jingle.UnsupportedApplications, "this gateway carries voice calls only"))
		return
	}
	c, e := b.startOutbound(ctx, from, to, p.ID, true)
	if e != nil {
		b.refuse(ctx, from, to, p.ID, jingle.NewReason(jingle.GeneralError, e.Text["en"]))
		return
	}
	if !b.track() {
		c.end(sideNone, shuttingDown())
		return
	}
	go c.dial()
}

// refuse rejects a proposal for which no call was set up.
func (b *Bridge) refuse(ctx context.Context, from, to jid.JID, sid string, r *jingle.Reason) {
	c := &call{b: b, log: b.log, sid: sid, numberJID: to.Bare().String(), user: from}
	c.sendJMI(ctx, from.String(), &jingle.Reject{ID: sid, Reason: r})
}

// startOutbound registers a call from user from to the phone number JID to.
func (b *Bridge) startOutbound(ctx context.Context, from, to jid.JID, sid string, jmi bool) (*call, *stanza.Error) {
	if sid == "" {
		return nil, badRequest("no session id")
	}
	number, err := phone.Normalize(to.Localpart(), b.set.DefaultRegion)
	if err != nil {
		return nil, refusal(stanza.Modify, stanza.JIDMalformed, "\""+to.Localpart()+"\" is not a phone number")
	}
	if err := b.allow(ctx, from.Bare().String(), number); err != nil {
		b.log.Info("bridge: call refused by the destination policy", "to", b.redact(number), "err", err)
		return nil, refusal(stanza.Cancel, stanza.NotAllowed, policyText(err))
	}
	fromB, _, err := b.store.Route(ctx, from.Bare().String(), number)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, refusal(stanza.Auth, stanza.RegistrationRequired, "You have no phone number on this gateway, so you cannot call. Ask the operator of "+b.set.Domain.Domainpart()+" to assign you one.")
	case err != nil:
		b.log.Error("bridge: cannot look up caller's number", "err", err)
		return nil, storageUnavailable()
	}
	slot, over := b.limits.admitOutbound(from.Bare().String())
	if over != "" {
		b.limits.logRefusal(b.log, over)
		if over == limitPerUser {
			return nil, refusal(stanza.Wait, stanza.ResourceConstraint, fmt.Sprintf("You have %d calls in progress, the most this gateway allows (%s); end one to call again.", b.set.MaxCallsPerUser, limitPerUser))
		}
		return nil, refusal(stanza.Wait, stanza.ResourceConstraint, fmt.Sprintf("The gateway carries %d calls at once, the most it allows (%s); try again shortly.", b.set.MaxCalls, limitTotal))
	}
	// Nothing is dialled that the user cannot pay for.
	bill, e := b.reserveOutbound(ctx, from.Bare().String(), sid, number)
	if e != nil {
		slot.release()
		return nil, e
	}
	c := b.newCall(sid, outbound, to.Bare().String())
	c.jmi, c.user, c.owner, c.slot, c.bill = jmi, from, from.Bare(), slot, bill
	if !jmi {
		c.addressed = to.String()
	}
	c.from, c.to = fromB.Number, number
	if err := b.open(ctx, c); errors.Is(err, errSessionInUse) {
		// The hold under this id is the live call's.
		return nil, refusal(stanza.Cancel, stanza.Conflict, "this session id is in use")
	} else if err != nil {
		b.release(bill)
		return nil, storageUnavailable()
	}
	c.log.Debug("bridge: outgoing call", "from", b.redact(c.from), "to", b.redact(number))
	return c, nil
}

// dial calls the phone and, once it answers, completes the user's session.
func (c *call) dial() {
	defer c.b.wg.Done()
	if c.ctx.Err() != nil {
		return // refused before dialling (e.g. no G.711 in the offer)
	}
	b := c.b
	conn, err := c.listenRTP()
	if err != nil {
		c.log.Error("bridge: no RTP port", "err", err)
		c.end(sideNone, jingle.NewReason(jingle.GeneralError, "the gateway has no free media port"))
		return
	}
	c.mu.Lock()
	c.rtp = conn
	c.mu.Unlock()
	offer := PlainSDP(b.set.PublicIP, conn.LocalAddr().Port(), sipCodecs, "sendrecv")
	var rang sync.Once // progress may come from several SIP goroutines
	sc, err := b.sip.Dial(c.ctx, c.from, c.to, offer, func(code int) {
		if code == 180 || code == 183 {
			rang.Do(c.ringingNow)
		}
	})
	if err != nil {
		if c.ctx.Err() != nil {
			return // the user hung up first
		}
		var se *trunk.StatusError
		if errors.As(err, &se) {
			c.end(sideSIP, jingle.NewReason(conditionForSIP(se.Code), se.Reason))
			return
		}
		c.log.Warn("bridge: trunk call failed", "err", err)
		c.end(sideSIP, jingle.NewReason(jingle.ConnectivityError, "the phone network could not be reached"))
		return
	}
	if !c.setAnswered(sc) {
		return
	}
	c.watchSIP(sc)
	sm, err := ParsePlainSDP(sc.RemoteSDP())
	if err != nil {
		c.log.Warn("bridge: unusable answer from the trunk", "err", err)
		c.end(sideNone, jingle.NewReason(jingle.IncompatibleParameters, "the phone network answered with no usable audio"))
		return
	}
	conn.SetPeer(sm.Addr, c.b.set.TrustedMedia)
	c.mu.Lock()
	c.sipCodecs = sm.Codecs
	c.mu.Unlock()
	if c.jmi {
		c.sendJMI(c.ctx, c.peer().String(), &jingle.Proceed{ID: c.sid})
	}
	t := time.NewTimer(b.set.RingTimeout)
	defer t.Stop()
	select {
	case <-c.jingleReady:
	case <-c.ctx.Done():
		return
	case <-t.C:
		c.end(sideNone, jingle.NewReason(jingle.Timeout, "no Jingle session followed the proceed"))
		return
	}
	if err := c.sendAccept(); err != nil {
		c.log.Warn("bridge: cannot complete the session", "err", err)
		if errors.Is(err, errNoCommonCodec) {
			c.end(sideNone, jingle.NewReason(jingle.IncompatibleParameters, "the phone network chose a G.711 law your client does not offer; this gateway does not transcode"))
			return
		}
		c.end(sideNone, jingle.NewReason(jingle.GeneralError, "the session could not be completed"))
		return
	}
	c.bridgeMedia()
}

// ringingNow tells the user that the phone rings: with JMI a <ringing/>
// and the receipt Conversations waits for, else a session-info.
func (c *call) ringingNow() {
	if c.jmi {
		c.sendJMI(c.ctx, c.peer().String(), &jingle.Ringing{ID: c.sid})
		c.sendReceipt(c.ctx)
		return
	}
	if err := c.sendJingle(c.ctx, &jingle.Jingle{Action: jingle.SessionInfoAction, Info: []jingle.Info{jingle.NewInfo(jingle.InfoRinging)}}); err != nil {
		c.log.Debug("bridge: ringing not acknowledged", "err", err)
	}
}

// bridgeMedia relays RTP between the legs once the WebRTC leg connects.
func (c *call) bridgeMedia() {
	c.mu.Lock()
	conn, sipCs := c.rtp, c.sipCodecs
	c.mu.Unlock()
	leg := c.clientLeg()
	select {
	case <-leg.Connected():
	case <-leg.Failed():
		c.end(sideNone, jingle.NewReason(jingle.FailedTransport, "the media connection (ICE/DTLS) failed"))
		return
	case <-c.ctx.Done():
		return
	}
	webCs, err := leg.Codecs()
	if err != nil {
		c.end(sideNone, jingle.NewReason(jingle.FailedApplication, err.Error()))
		return
	}
	c.log.Debug("bridge: media connected")
	go func() {
		select {
		case <-leg.Failed():
			c.end(sideNone, jingle.NewReason(jingle.ConnectivityError, "the media connection was lost"))
		case <-c.ctx.Done():
		}
	}()
	stats, err := media.Relay(c.ctx, conn, leg, media.MapCodecs(sipCs, webCs), media.MapCodecs(webCs, sipCs))
	c.log.Debug("bridge: relay ended", "stats", stats, "err", err)
}

// sessionInfo passes hold and resume on to the trunk as a re-INVITE.
func (c *call) sessionInfo(name string) {
	dir := ""
	switch name {
	case jingle.InfoHold:
		dir = "sendonly"
	case jingle.InfoActive, jingle.InfoUnhold:
		dir = "sendrecv"
	default:
		return
	}
	c.mu.Lock()
	sc, conn, cs := c.sip, c.rtp, c.sipCodecs
	c.mu.Unlock()
	if sc == nil || conn == nil {
		return
	}
	go func() {
		if _, err := sc.Reinvite(c.ctx, PlainSDP(c.b.set.PublicIP, conn.LocalAddr().Port(), cs, dir)); err != nil {
			c.log.Warn("bridge: re-INVITE for "+name+" failed", "err", err)
		}
	}()
}
