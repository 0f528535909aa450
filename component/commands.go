package component

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

const nsCommands = adhoc.NSCommands

// SetCommands serves XEP-0050 ad-hoc commands on the gateway's JID (and
// the same commands as chat text to it) through cmds: the gateway's
// disco#info then lists the commands feature. Call it before Run.
func (c *Component) SetCommands(cmds *adhoc.Server) {
	c.cmds = cmds
	c.gatewayInfo = newEntity(gatewayIdentities(c.set.Name, c.calls != nil), c.gatewayFeatureList())
}

// gatewayFeatureList is gatewayFeatures, with commands and registration
// when they are served.
func (c *Component) gatewayFeatureList() []string {
	fs := append([]string{}, gatewayFeatures...)
	if c.cmds != nil {
		fs = append(fs, nsCommands)
	}
	if c.reg != nil {
		fs = append(fs, nsRegister)
	}
	return fs
}

// command answers an XEP-0050 request to the gateway.
func (c *Component) command(ctx context.Context, st *inbound) {
	res, e := c.cmds.Execute(ctx, st.from, st.Command)
	if e != nil {
		c.commandError(ctx, st, e)
		return
	}
	c.result(ctx, st, res)
}

// commandError answers st with e, XEP-0050's own condition included.
func (c *Component) commandError(ctx context.Context, st *inbound, e *adhoc.Err) {
	start := xml.StartElement{Name: xml.Name{Local: "iq"}, Attr: []xml.Attr{
		attr("type", "error"), attr("from", c.safeFrom(st.To)), attr("to", st.From), attr("id", st.ID),
	}}
	if err := c.send(ctx, xmlstream.Wrap(e.TokenReader(), start)); err != nil {
		c.log.Warn("component: could not send error", "err", err)
	}
}

type discoItem struct {
	JID  string `xml:"jid,attr"`
	Node string `xml:"node,attr,omitempty"`
	Name string `xml:"name,attr,omitempty"`
}

// commandItems lists the commands the requester may run (disco#items on
// the commands node).
func (c *Component) commandItems(ctx context.Context, st *inbound) {
	type query struct {
		XMLName xml.Name    `xml:"http://jabber.org/protocol/disco#items query"`
		Node    string      `xml:"node,attr,omitempty"`
		Items   []discoItem `xml:"item"`
	}
	cmds, err := c.cmds.Visible(ctx, st.from)
	if err != nil {
		c.log.Error("component: cannot list commands", "err", err)
		c.replyError(ctx, st, stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: text("commands are unavailable right now; try again shortly")})
		return
	}
	q := query{Node: nsCommands}
	for _, cmd := range cmds {
		q.Items = append(q.Items, discoItem{JID: st.to.Bare().String(), Node: cmd.Node, Name: cmd.Name})
	}
	c.result(ctx, st, q)
}

// commandInfo answers disco#info on the commands node or a command's
// node; false when node is neither.
func (c *Component) commandInfo(ctx context.Context, st *inbound) bool {
	node := st.Payload.Node
	var id identity
	feats := []string{nsCommands, adhoc.NSData}
	if node == nsCommands {
		id = identity{Category: "automation", Type: "command-list", Name: "Commands"}
		feats = []string{nsDiscoItems}
	} else if cmd, ok := c.cmds.Command(node); ok {
		id = identity{Category: "automation", Type: "command-node", Name: cmd.Name}
	} else {
		return false
	}
	c.result(ctx, st, discoInfoQuery{Node: node, Identities: []identity{id}, Features: features(feats)})
	return true
}

// chat answers a message to the gateway's JID: a command word, a step of
// a command run as chat text, or else the help text.
func (c *Component) chat(ctx context.Context, st *inbound) {
	if c.cmds == nil || st.Body == nil {
		c.help(ctx, st, "")
		return
	}
	reply, ok := c.cmds.Chat(ctx, st.from, *st.Body)
	if !ok {
		c.help(ctx, st, "\nReply help for the commands you can run here.")
		return
	}
	if err := c.send(ctx, outMessage{Type: "chat", ID: randomID(), From: st.To, To: st.From, Body: reply}.tokens()); err != nil {
		c.log.Warn("component: could not answer a command", "err", err)
	}
}
