package component

import (
	"context"

	"mellium.im/xmpp/stanza"
)

// handle runs on a worker for every stanza addressed to the gateway.
func (c *Component) handle(st *inbound) {
	ctx := context.Background()
	switch st.XMLName.Local {
	case "iq":
		c.handleIQ(ctx, st)
	case "message":
		c.handleMessage(ctx, st)
	case "presence":
		c.handlePresence(ctx, st)
	}
}

func (c *Component) handleIQ(ctx context.Context, st *inbound) {
	if st.Type != "get" && st.Type != "set" {
		return // results and errors to IQs we did not send
	}
	p := st.Payload.XMLName
	switch {
	case st.Jingle != nil && st.Type == "set" && st.to.Localpart() != "":
		c.jingle(ctx, st)
	case st.Command != nil && st.Type == "set" && st.to.Localpart() == "" && c.cmds != nil:
		c.command(ctx, st)
	case st.Register != nil && st.to.Localpart() == "" && c.reg != nil:
		c.register(ctx, st)
	case st.Type == "get" && p.Space == nsDiscoInfo:
		c.discoInfo(ctx, st)
	case st.Type == "get" && p.Space == nsDiscoItems:
		c.discoItems(ctx, st)
	case st.Type == "get" && p.Space == nsPing && p.Local == "ping":
		c.result(ctx, st, nil)
	case st.Type == "get" && p.Space == nsVersion && st.to.Localpart() == "":
		c.version(ctx, st)
	case p.Space == nsGateway && st.to.Localpart() == "":
		c.gateway(ctx, st)
	default:
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.ServiceUnavailable})
	}
}

// jingle hands a Jingle IQ for a number JID to the voice bridge.
func (c *Component) jingle(ctx context.Context, st *inbound) {
	if c.calls == nil {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.FeatureNotImplemented, Text: text("this gateway does not carry calls")})
		return
	}
	// The bridge checks addresses itself: an anonymous caller's JID is not
	// a number.
	if e := c.calls.Jingle(ctx, st.from, st.to, st.Jingle); e != nil {
		c.replyError(ctx, st, *e)
		return
	}
	c.result(ctx, st, nil)
}
