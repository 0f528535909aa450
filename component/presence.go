package component

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// Resource is the resource the gateway and its number JIDs are available
// at, e.g. +15551234567@sms.example.org/switchboard. Clients keep presence
// per resource: Gajim shows a contact whose presence comes from its bare
// JID as offline and greys out its call button. Calls from the gateway
// come from the same full JID (bridge.Settings.Resource).
const Resource = "switchboard"

// handlePresence makes number JIDs behave like a phone's contacts: a
// subscription is accepted and returned, so the user's roster holds both
// directions, and they are always available. The gateway's own JID does
// the same, so that clients can show it (Cheogram Android looks for its
// gateway/pstn identity in the caps of a roster contact's presence).
func (c *Component) handlePresence(ctx context.Context, st *inbound) {
	info, nick := c.gatewayInfo, c.set.Name
	if st.to.Localpart() != "" {
		e164, ok := c.number(ctx, st)
		if !ok {
			return
		}
		info, nick = c.numberInfo, c.names.name(e164)
	}
	contact, user := st.to.Bare().String(), st.from.Bare().String()
	var out []xml.TokenReader
	switch st.Type {
	case "subscribe":
		out = []xml.TokenReader{
			presence("subscribed", contact, user),
			c.available(contact, user, info),
			presence("subscribe", contact, user, nickElement(nick)),
		}
	case "probe":
		out = []xml.TokenReader{c.available(contact, user, info)}
	case "unsubscribe":
		out = []xml.TokenReader{presence("unsubscribed", contact, user), presence("unavailable", contact+"/"+Resource, user)}
	case "unsubscribed":
		out = []xml.TokenReader{presence("unsubscribe", contact, user)}
	case "":
		// The user's own presence: remembered, so that calls from phones
		// can reach clients that do not understand <propose/>.
		c.clients.available(st.from)
		return
	case "unavailable":
		c.clients.unavailable(st.from)
		return
	default:
		// subscribed: our request was granted.
		return
	}
	for _, p := range out {
		if err := c.send(ctx, p); err != nil {
			c.log.Warn("component: could not answer presence", "type", st.Type, "err", err)
			return
		}
	}
}

// presence is a presence stanza of type typ (empty: available).
func presence(typ, from, to string, children ...xml.TokenReader) xml.TokenReader {
	start := xml.StartElement{Name: xml.Name{Local: "presence"}, Attr: []xml.Attr{attr("from", from), attr("to", to)}}
	if typ != "" {
		start.Attr = append(start.Attr, attr("type", typ))
	}
	var inner []xml.TokenReader
	for _, ch := range children {
		if ch != nil {
			inner = append(inner, ch)
		}
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), start)
}

// available is contact's available presence from its full JID, with the
// caps clients decide from whether it takes calls.
func (c *Component) available(contact, user string, info entity) xml.TokenReader {
	return presence("", contact+"/"+Resource, user, info.caps())
}

// bindingLister lists every number binding; *store.Store implements it.
// It is not part of Store: only announce uses it, and a store without it
// leaves the gateway's presence to probes.
type bindingLister interface {
	List(ctx context.Context) ([]store.Binding, error)
}

// announce sends the gateway's available presence to every user who holds
// a number when the stream comes up, so that clients which saw the gateway
// go away (a probe unanswered while it was down) show it online again
// without waiting for their next login. It costs one Redis round trip
// (List is pipelined) and one stanza per user. Number JIDs are not
// announced: the gateway does not know whose rosters hold them, and the
// users' servers probe them at login.
func (c *Component) announce(ctx context.Context) {
	l, ok := c.store.(bindingLister)
	if !ok {
		return
	}
	bs, err := l.List(ctx)
	if err != nil {
		c.log.Warn("component: cannot list users to announce the gateway to", "err", err)
		return
	}
	gw := c.set.Domain.String()
	seen := make(map[string]bool, len(bs))
	for _, b := range bs {
		if seen[b.JID] || ctx.Err() != nil {
			continue
		}
		seen[b.JID] = true
		if err := c.send(ctx, c.available(gw, b.JID, c.gatewayInfo)); err != nil {
			c.log.Warn("component: could not announce the gateway", "err", err)
			return
		}
	}
}
