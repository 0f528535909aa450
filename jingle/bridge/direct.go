package bridge

import (
	"context"
	"slices"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/jingle"
)

// Clients is implemented by an XMPP that knows users' online resources
// (component.Component, from the presence users' servers send to number
// JIDs) and their disco#info features, asked as from when not yet known;
// nil features: unknown.
type Clients interface {
	OnlineClients(ctx context.Context, user, from string) map[string][]string
}

// clientsWait bounds the disco#info round trips before a call rings.
const clientsWait = 3 * time.Second

// onlineClients lists the owner's resources and features; empty when the
// XMPP side cannot tell.
func (c *call) onlineClients() map[string][]string {
	cl, ok := c.b.xmpp.(Clients)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, clientsWait)
	defer cancel()
	return cl.OnlineClients(ctx, c.owner.String(), c.self())
}

// directClient picks the resource to ring with a bare session-initiate:
// every online resource is known, and one does Jingle RTP audio over
// ICE-UDP without XEP-0353 (Gajim), which <propose/> would never ring.
// mixed reports XEP-0353 clients online too: they ring with <propose/>
// meanwhile, and the first client to answer takes the call. With a
// resource whose features are unknown, the call rings with <propose/>
// alone, as always.
func (c *call) directClient() (r jid.JID, mixed, ok bool) {
	var direct []string
	for full, fs := range c.onlineClients() {
		switch {
		case fs == nil:
			return jid.JID{}, false, false
		case slices.Contains(fs, jingle.NSJMI):
			mixed = true
		case slices.Contains(fs, jingle.NSRTP) && slices.Contains(fs, jingle.NSICEUDP):
			direct = append(direct, full)
		}
	}
	if len(direct) == 0 {
		return jid.JID{}, false, false
	}
	slices.Sort(direct) // one resource, the same each time
	r, err := jid.Parse(direct[0])
	if err != nil {
		return jid.JID{}, false, false
	}
	return r, mixed, true
}

// ringDirect takes the call for r as if it had proceeded: ring then sends
// it the session-initiate, which is how such a client rings. A XEP-0353
// client that proceeded first keeps the call.
func (c *call) ringDirect() {
	r, mixed, ok := c.directClient()
	if !ok {
		return
	}
	c.mu.Lock()
	first := c.user.String() == ""
	if first {
		c.user, c.direct, c.mixed, c.mixedRing = r, true, mixed, mixed
	}
	c.mu.Unlock()
	if first {
		c.log.Info("bridge: a client of the user has no XEP-0353; ringing it with a session-initiate", "alongside_jmi", mixed)
		c.proceeded <- r
	}
}

// claimDirect decides for a session-accept from the client rung directly
// while XEP-0353 clients ring too: it takes the call unless one of them
// proceeded first.
func (c *call) claimDirect(from jid.JID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handoverTo.String() != "" && !from.Equal(c.handoverTo) {
		return false
	}
	c.mixed = false
	return true
}

// handOver gives the call to handoverTo, the XEP-0353 client that
// proceeded while the client rung directly had not answered. That
// client's session (if offered yet) ends (see ringingEnd) and its media
// goes; the other XEP-0353 clients that rang are told to stop; ring then
// offers the session to handoverTo as after any <proceed/>.
func (c *call) handOver() {
	c.mu.Lock()
	old, up, plain, leg := c.user, c.sessionUp, c.plain, c.leg
	c.user, c.handoverTo, c.handedFrom, c.direct = c.handoverTo, jid.JID{}, c.user, false
	c.plain, c.plainLocal, c.plainCodecs, c.plainContent, c.plainCreator, c.plainUfrag, c.plainPwd = nil, nil, nil, "", "", "", ""
	c.leg, c.remote, c.early, c.signalled, c.local = nil, false, nil, false, nil
	c.mid, c.ufrag, c.pwd = "", "", ""
	c.sessionUp, c.withdrawn = false, false
	user, others := c.user, c.ringing
	c.ringing = map[string]bool{}
	c.mu.Unlock()
	c.log.Info("bridge: a XEP-0353 client took the call from the client rung directly")
	reason := jingle.NewReason(jingle.Cancel, "answered on another device")
	if up {
		ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
		c.removeRinging(ctx, old, reason)
		cancel()
	}
	if plain != nil {
		_ = plain.Close()
	}
	if leg != nil {
		_ = leg.Close()
	}
	for r := range others {
		if r != user.String() {
			c.sendJMI(c.ctx, r, &jingle.Retract{ID: c.sid, Reason: reason})
		}
	}
}

// wantsPlain reports whether the resource that takes the call should be
// offered plain RTP: plain RTP is allowed and its disco#info says it does
// Jingle RTP without DTLS. Unknown features: DTLS, as always.
func (c *call) wantsPlain() bool {
	if c.b.set.Plain == nil {
		return false
	}
	fs := c.onlineClients()[c.peer().String()]
	return fs != nil && slices.Contains(fs, jingle.NSRTP) && !slices.Contains(fs, jingle.NSDTLS)
}

// rungDirect reports whether the call rings its client with a
// session-initiate: then the wait for its session-accept is the ringing.
func (c *call) rungDirect() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.direct
}

// withdraw ends the session offered to a client rung directly that did not
// answer, with reason, while the call itself goes on (to voicemail). What
// the client sends for that session afterwards is refused as unknown.
func (c *call) withdraw(reason *jingle.Reason) {
	c.mu.Lock()
	up := c.sessionUp
	c.sessionUp, c.withdrawn = false, true
	c.mu.Unlock()
	if !up {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
	defer cancel()
	c.removeRinging(ctx, c.peer(), reason)
}

// ringingEnd is the reason that ends a session offered to a client rung
// directly while it still rings. Gajim 1.7 stops ringing (its sound, its
// call state) only on <success/> or <decline/>; on <cancel/> or <timeout/>
// it goes on ringing for a call that no longer exists. So those become
// <success/>, with the words why in the text. Its incoming-call row goes
// only with the content (removeRinging).
func ringingEnd(r *jingle.Reason) *jingle.Reason {
	if r == nil || r.Condition == jingle.Success || r.Condition == jingle.Decline {
		return r
	}
	text := r.Text
	if text == "" {
		text = string(r.Condition)
	}
	return jingle.NewReason(jingle.Success, text)
}

// removeRinging ends a session offered to a client rung directly while
// it still rings, to: a content-remove of what we offered, then the
// session-terminate with reason (ringingEnd). Gajim 1.7 turns its
// incoming-call row (Accept, Decline) into a past call only when the
// content goes, and then ends the session itself, which is taken quietly
// (see Bridge.Jingle); a client that does not is sent the
// session-terminate all the same.
func (c *call) removeRinging(ctx context.Context, to jid.JID, reason *jingle.Reason) {
	c.mu.Lock()
	contents := slices.Clone(c.offered)
	c.mu.Unlock()
	if len(contents) > 0 {
		if err := c.sendJingleTo(ctx, to, &jingle.Jingle{Action: jingle.ContentRemove, Contents: contents}); err != nil {
			c.log.Debug("bridge: content-remove not acknowledged", "err", err)
		}
	}
	if err := c.sendJingleTo(ctx, to, &jingle.Jingle{Action: jingle.SessionTerminate, Reason: ringingEnd(reason)}); err != nil {
		c.log.Debug("bridge: session-terminate not acknowledged", "err", err)
	}
}

// ringingDirect reports whether the call's session was offered to a
// client rung directly that has not accepted it.
func (c *call) ringingDirect() bool {
	if !c.rungDirect() {
		return false
	}
	select {
	case <-c.jingleReady:
		return false
	default:
		return true
	}
}

// refuseDirect takes a session-terminate from a client rung directly,
// before it accepted, as its refusal of the call (a decline, say), which
// goes on as a JMI client's <reject/> would: to voicemail where it is on.
// It reports false for any other session-terminate.
func (c *call) refuseDirect(reason *jingle.Reason) bool {
	select {
	case <-c.jingleReady:
		return false // accepted: a hangup
	default:
	}
	c.mu.Lock()
	direct := c.direct && c.dir == inbound
	handing := c.handoverTo.String() != ""
	if direct && !handing {
		c.sessionUp, c.withdrawn = false, true
	}
	c.mu.Unlock()
	if !direct {
		return false
	}
	if handing {
		// Another device took the call: this client's refusal only ends
		// its own session, which handOver ends anyway.
		return true
	}
	select {
	case c.rejected <- reason:
	default:
	}
	return true
}
