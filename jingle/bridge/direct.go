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
		c.user = r
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
