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

// directClient picks the resource to ring with a bare session-initiate
// when the user's clients cannot be rung with <propose/>: every online
// resource is known, none has XEP-0353, and one does Jingle RTP audio over
// ICE-UDP (Gajim). With any XEP-0353 client online, or a resource whose
// features are unknown, the call rings with <propose/> alone, as always.
func (c *call) directClient() (jid.JID, bool) {
	var direct []string
	for full, fs := range c.onlineClients() {
		switch {
		case fs == nil, slices.Contains(fs, jingle.NSJMI):
			return jid.JID{}, false
		case slices.Contains(fs, jingle.NSRTP) && slices.Contains(fs, jingle.NSICEUDP):
			direct = append(direct, full)
		}
	}
	if len(direct) == 0 {
		return jid.JID{}, false
	}
	slices.Sort(direct) // one resource, the same each time
	r, err := jid.Parse(direct[0])
	if err != nil {
		return jid.JID{}, false
	}
	return r, true
}

// ringDirect takes the call for r as if it had proceeded: ring then sends
// it the session-initiate, which is how such a client rings.
func (c *call) ringDirect() {
	r, ok := c.directClient()
	if !ok {
		return
	}
	c.mu.Lock()
	first := c.user.String() == ""
	if first {
		c.user, c.direct = r, true
	}
	c.mu.Unlock()
	if first {
		c.log.Info("bridge: the user's client has no XEP-0353; ringing it with a session-initiate")
		c.proceeded <- r
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
	if err := c.sendJingle(ctx, &jingle.Jingle{Action: jingle.SessionTerminate, Reason: reason}); err != nil {
		c.log.Debug("bridge: session-terminate not acknowledged", "err", err)
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
	if direct {
		c.sessionUp, c.withdrawn = false, true
	}
	c.mu.Unlock()
	if !direct {
		return false
	}
	select {
	case c.rejected <- reason:
	default:
	}
	return true
}
