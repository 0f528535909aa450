package component

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// receive is the stream handler. It decodes the stanza and hands it to a
// worker; it never blocks on I/O of its own, and never returns an error for
// a bad stanza, because mellium ends the whole stream when a handler does.
func (c *Component) receive(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	switch start.Name.Local {
	case "message", "presence", "iq":
	default:
		return nil // not a stanza (e.g. a stray element): nothing to answer
	}
	if start.Name.Local == "iq" && c.takeAnswer(t, start) {
		return nil
	}
	st, bad := decode(t, start, c.set.Domain.Domainpart())
	if st == nil {
		return nil // no usable from: nobody to answer
	}
	if bad != nil {
		c.log.Debug("component: refusing stanza", "name", start.Name.Local, "why", bad.Text["en"])
		c.reject(t, start, *bad)
		return nil
	}
	// The recipient's bare JID: a client may write to a number's bare JID
	// and to its full JID (Resource) in one call, and both must keep order.
	if !c.work.submit(st.from.Bare().String()+"\x00"+st.to.Bare().String(), st) {
		c.log.Warn("component: too much queued work; refusing stanza", "name", start.Name.Local)
		c.reject(t, start, stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: text("the gateway is overloaded; try again shortly")})
	}
	return nil
}

// decode reads one stanza addressed to domain. It returns a nil stanza when
// the sender cannot be answered, and a non-nil error to send back when the
// stanza is unusable.
func decode(r xml.TokenReader, start *xml.StartElement, domain string) (*inbound, *stanza.Error) {
	var st *inbound
	var err error
	if start.Name.Local == "iq" {
		st = &inbound{}
		// The handler's reader starts inside the element; give the decoder
		// its start so it can match the end.
		err = xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), r)).Decode(st)
	} else {
		st, err = readStanza(r, start)
	}
	if err != nil {
		return &inbound{}, &stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, Text: text("malformed stanza")}
	}
	if st.from, err = jid.Parse(st.From); err != nil || st.From == "" {
		return nil, nil // the server vouches for from; without one we cannot answer
	}
	// Any resource is taken as the bare JID: clients address the full JID
	// they saw presence from (Resource), or one from before a restart.
	if st.to, err = jid.Parse(st.To); err != nil || st.to.Domainpart() != domain {
		return st, &stanza.Error{Type: stanza.Modify, Condition: stanza.JIDMalformed, Text: text("malformed recipient address")}
	}
	return st, nil
}

// reject answers a stanza that could not be taken, from inside the handler.
// Errors are never answered, to avoid loops.
func (c *Component) reject(t xmlstream.TokenReadEncoder, start *xml.StartElement, e stanza.Error) {
	id, typ, from, to := stanzaAttrs(start)
	if typ == "error" || typ == "result" || from == "" {
		return
	}
	if start.Name.Local == "presence" {
		return
	}
	if _, err := xmlstream.Copy(t, errorStanza(start.Name.Local, id, c.safeFrom(to), from, e)); err != nil {
		c.log.Debug("component: could not send error", "err", err)
	}
}

// stanzaAttrs reads a stanza's addressing attributes.
func stanzaAttrs(start *xml.StartElement) (id, typ, from, to string) {
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "id":
			id = a.Value
		case "type":
			typ = a.Value
		case "from":
			from = a.Value
		case "to":
			to = a.Value
		}
	}
	return id, typ, from, to
}

// safeFrom picks the address an error is sent from: the stanza's own
// recipient when it is ours, else the gateway domain (Prosody closes the
// stream on a foreign from).
func (c *Component) safeFrom(to string) string {
	if j, err := jid.Parse(to); err == nil && j.Domainpart() == c.set.Domain.Domainpart() {
		return j.String()
	}
	return c.set.Domain.String()
}

// errorStanza builds <name type="error"> around e.
func errorStanza(name, id, from, to string, e stanza.Error) xml.TokenReader {
	start := xml.StartElement{Name: xml.Name{Local: name}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "type"}, Value: "error"},
		{Name: xml.Name{Local: "from"}, Value: from},
		{Name: xml.Name{Local: "to"}, Value: to},
	}}
	if id != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "id"}, Value: id})
	}
	return xmlstream.Wrap(e.TokenReader(), start)
}

func text(s string) map[string]string { return map[string]string{"en": s} }

// replyError answers st with e from a worker.
func (c *Component) replyError(ctx context.Context, st *inbound, e stanza.Error) {
	if st.Type == "error" || st.Type == "result" || st.XMLName.Local == "presence" {
		return
	}
	if err := c.send(ctx, errorStanza(st.XMLName.Local, st.ID, c.safeFrom(st.To), st.From, e)); err != nil {
		c.log.Warn("component: could not send error", "err", err)
	}
}
