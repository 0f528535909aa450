package component

import (
	"context"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

const nsRegister = "jabber:iq:register"

// Registrar answers XEP-0077 registration on the gateway's JID
// (package component/signup). forms are a set's data forms, parsed
// strictly; remove is a set's <remove/>. It returns the result's payload
// (nil for an empty result) or the error to answer with.
type Registrar interface {
	RegisterIQ(ctx context.Context, from jid.JID, set bool, forms []*adhoc.Form, remove bool) (any, *stanza.Error)
}

// SetRegistrar serves XEP-0077 on the gateway's JID through r: its
// disco#info then lists jabber:iq:register. Call it before Run.
func (c *Component) SetRegistrar(r Registrar) {
	c.reg = r
	c.gatewayInfo = newEntity(gatewayIdentities(c.set.Name, c.calls != nil), c.gatewayFeatureList())
}

// registerPayload is an XEP-0077 query as a client sends it.
type registerPayload struct {
	Remove *struct{}     `xml:"remove"`
	Forms  []adhoc.XForm `xml:"jabber:x:data x"`
}

// register answers an XEP-0077 get or set to the gateway.
func (c *Component) register(ctx context.Context, st *inbound) {
	var forms []*adhoc.Form
	if len(st.Register.Forms) > 1 {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, Text: text("more than one form")})
		return
	}
	for i := range st.Register.Forms {
		f, err := st.Register.Forms[i].Form()
		if err != nil {
			c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, Text: text(err.Error())})
			return
		}
		forms = append(forms, f)
	}
	res, e := c.reg.RegisterIQ(ctx, st.from, st.Type == "set", forms, st.Register.Remove != nil)
	if e != nil {
		c.replyError(ctx, st, *e)
		return
	}
	c.result(ctx, st, res)
}
