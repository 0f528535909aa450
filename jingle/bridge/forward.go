package bridge

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// forwarded is the direction of calls a number's forwarding setting sent
// elsewhere: phone to phone (or SIP address) through the gateway.
const forwarded direction = "forwarded"

// forward sends an incoming call to the number's forwarding target and
// joins the two SIP legs. The caller's codecs are offered as they are, so
// the audio passes through without transcoding; the caller's number stays
// the caller ID when the phone side vouches for it (Ring made an
// untrusted caller anonymous), else the forwarding number is shown.
func (b *Bridge) forward(in Incoming, bind store.Binding, caller string, slot *slot) {
	offer, err := ParsePlainSDP(in.Offer())
	if err != nil {
		slot.release()
		_ = in.Reject(488, "Not Acceptable Here")
		return
	}
	// Targets are checked when they are set; this catches one set before
	// the policy changed.
	if err := b.allow(context.Background(), bind.JID, bind.Forward); err != nil {
		b.log.Info("bridge: forwarding target refused by the destination policy; call refused",
			"number", b.redact(bind.Number), "target", b.redact(bind.Forward), "err", err)
		slot.release()
		_ = in.Reject(403, "Forbidden")
		return
	}
	owner, _ := ownerJID(bind.JID)
	sid := newSID()
	bill, billIn, ok := b.reserveForward(context.Background(), in, owner.String(), sid, caller, bind.Forward)
	if !ok {
		slot.release()
		return
	}
	c := b.newCall(sid, forwarded, "")
	c.slot, c.owner, c.bill, c.billIn = slot, owner, bill, billIn
	c.from, c.to = caller, bind.Forward
	if !b.openIncoming(c.ctx, c, in) {
		b.release(bill)
		b.release(billIn)
		return
	}
	defer b.wg.Done()
	c.log.Debug("bridge: forwarding a call", "from", b.redact(caller), "to", b.redact(bind.Number), "target", b.redact(bind.Forward))

	fail := func(code int, phrase string, r *jingle.Reason) {
		_ = in.Reject(code, phrase)
		c.end(sideSIP, r)
	}
	inConn, err := c.listenRTP()
	if err != nil {
		fail(503, "Service Unavailable", jingle.NewReason(jingle.GeneralError, "no free media port"))
		return
	}
	outConn, err := c.listenRTP()
	if err != nil {
		_ = inConn.Close()
		fail(503, "Service Unavailable", jingle.NewReason(jingle.GeneralError, "no free media port"))
		return
	}
	c.mu.Lock()
	c.rtp, c.rtp2 = inConn, outConn
	c.mu.Unlock()
	_ = in.Ringing()

	// The caller hanging up while the target rings cancels the forward.
	go func() {
		select {
		case <-in.Cancelled():
			c.cancel()
		case <-c.ctx.Done():
		case <-c.done:
		}
	}()
	from := caller
	if from == "" || from[0] != '+' {
		from = bind.Number // a caller without a number: show the forwarding number
	}
	out, err := b.sip.Dial(c.ctx, from, bind.Forward, PlainSDP(b.set.PublicIP, outConn.LocalAddr().Port(), offer.Codecs, "sendrecv"), nil)
	if err != nil {
		var se *trunk.StatusError
		switch {
		case c.ctx.Err() != nil:
			c.end(sideSIP, jingle.NewReason(jingle.Cancel, "the caller hung up"))
		case errors.As(err, &se):
			fail(se.Code, se.Reason, jingle.NewReason(conditionForSIP(se.Code), se.Reason))
		default:
			fail(502, "Bad Gateway", jingle.NewReason(jingle.ConnectivityError, err.Error()))
		}
		return
	}
	c.mu.Lock()
	c.sip2 = out
	c.mu.Unlock()
	ans, err := ParsePlainSDP(out.RemoteSDP())
	if err != nil {
		fail(488, "Not Acceptable Here", jingle.NewReason(jingle.IncompatibleParameters, "the forwarding target answered with no usable audio"))
		return
	}
	// Answer the caller with what the target chose, in the caller's own
	// payload types.
	common := commonCodecs(offer.Codecs, ans.Codecs)
	if !hasG711(common) {
		fail(488, "Not Acceptable Here", jingle.NewReason(jingle.IncompatibleParameters, "the forwarding target chose a codec the caller did not offer"))
		return
	}
	outConn.SetPeer(ans.Addr, c.b.set.TrustedMedia)
	inConn.SetPeer(offer.Addr, c.b.set.TrustedMedia)
	leg, err := in.Answer(c.ctx, PlainSDP(b.set.PublicIP, inConn.LocalAddr().Port(), common, answerDirection(offer.Dir)))
	if err != nil {
		c.end(sideNone, jingle.NewReason(jingle.GeneralError, "the caller went away"))
		return
	}
	if !c.setAnswered(leg) {
		return
	}
	c.passReinvites(leg, out, inConn, outConn, common, ans.Codecs)
	go c.watchForward(leg, out)
	stats, err := media.Relay(c.ctx, inConn, outConn, media.MapCodecs(common, ans.Codecs), media.MapCodecs(ans.Codecs, common))
	c.log.Debug("bridge: relay ended", "stats", stats, "err", err)
}

// reinviteTimeout bounds a re-INVITE carried from one leg of a forwarded
// call to the other: the first leg's sender waits for it.
const reinviteTimeout = 10 * time.Second

// passReinvites carries each leg's re-INVITEs (hold, resume, a new media
// address, a session refresh) to the other leg of a forwarded call, so
// that the call can be held like any other instead of refused with 488.
func (c *call) passReinvites(caller, target PhoneCall, callerConn, targetConn *media.RTPConn, callerCodecs, targetCodecs []media.Codec) {
	caller.OnReinvite(func(offer []byte) ([]byte, error) {
		return c.passReinvite(offer, callerConn, callerCodecs, target, targetConn, targetCodecs)
	})
	target.OnReinvite(func(offer []byte) ([]byte, error) {
		return c.passReinvite(offer, targetConn, targetCodecs, caller, callerConn, callerCodecs)
	})
}

// passReinvite offers the other leg, to, what from's re-INVITE offers,
// and answers from with what to answered, each leg in its own address
// and payload types. The codec agreed when the call was answered stays:
// the relay maps its payload types, so an offer without it is refused.
func (c *call) passReinvite(offer []byte, fromConn *media.RTPConn, fromCodecs []media.Codec, to PhoneCall, toConn *media.RTPConn, toCodecs []media.Codec) ([]byte, error) {
	sm, err := ParsePlainSDP(offer)
	if err != nil {
		return nil, err
	}
	if len(commonCodecs(fromCodecs, sm.Codecs)) == 0 {
		return nil, errNoCommonCodec
	}
	ctx, cancel := context.WithTimeout(c.ctx, reinviteTimeout)
	defer cancel()
	answer, err := to.Reinvite(ctx, PlainSDP(c.b.set.PublicIP, toConn.LocalAddr().Port(), toCodecs, sm.Dir))
	if err != nil {
		c.log.Debug("bridge: re-INVITE not taken by the other leg", "err", err)
		return nil, err
	}
	am, err := ParsePlainSDP(answer)
	if err != nil {
		return nil, err
	}
	fromConn.SetPeer(sm.Addr, c.b.set.TrustedMedia)
	toConn.SetPeer(am.Addr, c.b.set.TrustedMedia)
	c.log.Debug("bridge: re-INVITE passed to the other leg", "direction", sm.Dir, "answer", am.Dir)
	return PlainSDP(c.b.set.PublicIP, fromConn.LocalAddr().Port(), fromCodecs, am.Dir), nil
}

// allow applies the destination policy to a phone number; SIP addresses
// are not numbers and are not its business.
func (b *Bridge) allow(ctx context.Context, account, target string) error {
	if b.set.Destinations == nil || !strings.HasPrefix(target, "+") {
		return nil
	}
	return b.set.Destinations.Allow(ctx, account, target)
}

// policyText is a destination policy's refusal as the user reads it.
func policyText(err error) string {
	var r *policy.Refusal
	if errors.As(err, &r) {
		return r.Text()
	}
	return "This number is refused by this gateway's destination policy"
}

// watchForward ends a forwarded call when either side hangs up.
func (c *call) watchForward(a, b PhoneCall) {
	select {
	case <-a.Done():
	case <-b.Done():
	case <-c.ctx.Done():
		return
	}
	c.end(sideNone, jingle.NewReason(jingle.Success, ""))
}

// hangupAll ends the SIP legs of a call that are still up.
func hangupAll(ctx context.Context, calls ...PhoneCall) {
	for _, sc := range calls {
		if sc != nil {
			_ = sc.Hangup(ctx)
		}
	}
}

// commonCodecs returns the codecs of offer (with its payload types) that
// the answer also has.
func commonCodecs(offer, answer []media.Codec) []media.Codec {
	var out []media.Codec
	for _, o := range offer {
		for _, a := range answer {
			if strings.EqualFold(o.Name, a.Name) && o.ClockRate == a.ClockRate {
				out = append(out, o)
				break
			}
		}
	}
	return out
}
