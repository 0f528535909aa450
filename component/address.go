package component

import (
	"encoding/xml"
	"strings"

	"mellium.im/xmlstream"
)

// nsAddress is XEP-0033, Extended Stanza Addressing: Cheogram's GroupMMS
// contract lists a group text's numbers in it.
const nsAddress = "http://jabber.org/protocol/address"

// address is one XEP-0033 <address/>.
type address struct {
	Type      string `json:"t"`
	URI       string `json:"u,omitempty"` // sms:+1…
	JID       string `json:"j,omitempty"`
	Delivered bool   `json:"d,omitempty"`
}

// smsNumber is the number of an sms: or tel: URI, as written.
func (a address) smsNumber() (string, bool) {
	for _, scheme := range []string{"sms:", "tel:"} {
		if len(a.URI) > len(scheme) && strings.EqualFold(a.URI[:len(scheme)], scheme) {
			n, _, _ := strings.Cut(a.URI[len(scheme):], "?")
			return n, true
		}
	}
	return "", false
}

// readAddresses reads the children of an <addresses/> element just opened.
func readAddresses(r xml.TokenReader, st *inbound) error {
	return children(r, func(t xml.StartElement) error {
		if t.Name.Local == "address" && len(st.Addresses) < maxAddresses {
			st.Addresses = append(st.Addresses, address{
				Type:      attrValue(t, "type"),
				URI:       attrValue(t, "uri"),
				JID:       attrValue(t, "jid"),
				Delivered: attrValue(t, "delivered") == "true" || attrValue(t, "delivered") == "1",
			})
		}
		return skip(r)
	})
}

// maxAddresses bounds what one stanza may list: more than any carrier's
// group, few enough that a hostile stanza costs little.
const maxAddresses = 32

// addressesElement writes a XEP-0033 <addresses/>.
func addressesElement(as []address) xml.TokenReader {
	var inner []xml.TokenReader
	for _, a := range as {
		attrs := []xml.Attr{attr("type", a.Type)}
		if a.URI != "" {
			attrs = append(attrs, attr("uri", a.URI))
		}
		if a.JID != "" {
			attrs = append(attrs, attr("jid", a.JID))
		}
		if a.Delivered {
			attrs = append(attrs, attr("delivered", "true"))
		}
		inner = append(inner, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "address"}, Attr: attrs}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: xml.Name{Space: nsAddress, Local: "addresses"}})
}
