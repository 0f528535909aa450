package component

import (
	"encoding/xml"

	"mellium.im/xmlstream"
)

// outMessage is a message the gateway sends. It is written as tokens (see
// tokens) rather than through encoding/xml's reflection, which mellium would
// run and then parse back, on the hottest path of the gateway. The JSON tags
// keep the queued form (see pending) small.
type outMessage struct {
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	Body     string       `json:"body,omitempty"`
	Received *receiptInfo `json:"received,omitempty"`
	OOB      []oobInfo    `json:"oob,omitempty"`
	// Addresses lists a group text's participants (XEP-0033).
	Addresses []address `json:"addr,omitempty"`
	// Reactions makes the message a XEP-0444 reaction; its body is then a
	// fallback (XEP-0428) for clients without reactions.
	Reactions *reactions `json:"react,omitempty"`
	Nick      string     `json:"nick,omitempty"` // the sender's name (XEP-0172), when the carrier gave one
}

type receiptInfo struct {
	ID string `json:"id"`
}

type oobInfo struct {
	URL string `json:"url"`
}

func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

// textElement wraps s in an element of the stream's namespace.
func textElement(local, s string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(s)), xml.StartElement{Name: xml.Name{Local: local}})
}

// tokens is the stanza as an XML token stream for Session.Send.
func (m outMessage) tokens() xml.TokenReader {
	start := xml.StartElement{Name: xml.Name{Local: "message"}, Attr: []xml.Attr{attr("from", m.From), attr("to", m.To)}}
	if m.ID != "" {
		start.Attr = append(start.Attr, attr("id", m.ID))
	}
	if m.Type != "" {
		start.Attr = append(start.Attr, attr("type", m.Type))
	}
	var inner []xml.TokenReader
	if m.Body != "" {
		inner = append(inner, textElement("body", m.Body))
	}
	if m.Received != nil {
		inner = append(inner, xmlstream.Wrap(nil, xml.StartElement{
			Name: xml.Name{Space: nsReceipts, Local: "received"},
			Attr: []xml.Attr{attr("id", m.Received.ID)},
		}))
	}
	if r := m.Reactions; r != nil {
		var rs []xml.TokenReader
		for _, e := range r.Emojis {
			rs = append(rs, textElement("reaction", e))
		}
		inner = append(inner,
			xmlstream.Wrap(xmlstream.MultiReader(rs...), xml.StartElement{Name: xml.Name{Space: nsReactions, Local: "reactions"}, Attr: []xml.Attr{attr("id", r.ID)}}),
			xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{attr("for", nsReactions)}}))
	}
	if len(m.Addresses) > 0 {
		inner = append(inner, addressesElement(m.Addresses))
	}
	if n := nickElement(m.Nick); n != nil {
		inner = append(inner, n)
	}
	for _, o := range m.OOB {
		inner = append(inner, xmlstream.Wrap(textElement("url", o.URL), xml.StartElement{Name: xml.Name{Space: nsOOB, Local: "x"}}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), start)
}
