package jingle

import "encoding/xml"

// RTPDescription is the XEP-0167 <description xmlns="urn:xmpp:jingle:apps:rtp:1"/>.
// Elements it does not model (SDES <encryption/>, <bandwidth/>, ZRTP) are
// dropped when read.
type RTPDescription struct {
	XMLName      xml.Name      `xml:"urn:xmpp:jingle:apps:rtp:1 description"`
	Media        string        `xml:"media,attr"`
	SSRC         string        `xml:"ssrc,attr,omitempty"`
	PayloadTypes []PayloadType `xml:"payload-type"`
	// RTCPFeedback applies to every payload type (SDP a=rtcp-fb:*).
	RTCPFeedback     []RTCPFeedback    `xml:"urn:xmpp:jingle:apps:rtp:rtcp-fb:0 rtcp-fb"`
	HeaderExtensions []HeaderExtension `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 rtp-hdrext"`
	ExtmapAllowMixed *Empty            `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 extmap-allow-mixed"`
	Sources          []Source          `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 source"`
	SSRCGroups       []SSRCGroup       `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 ssrc-group"`
	RTCPMux          *Empty            `xml:"rtcp-mux"`
}

// Empty is an element with no content such as <rtcp-mux/>; a nil *Empty
// means the element is absent.
type Empty struct{}

// PayloadType is a XEP-0167 <payload-type/>. Channels 0 means 1.
type PayloadType struct {
	ID        uint8  `xml:"id,attr"`
	Name      string `xml:"name,attr,omitempty"`
	ClockRate uint32 `xml:"clockrate,attr,omitempty"`
	Channels  uint8  `xml:"channels,attr,omitempty"`
	PTime     uint32 `xml:"ptime,attr,omitempty"`
	MaxPTime  uint32 `xml:"maxptime,attr,omitempty"`
	// Parameters are the SDP fmtp parameters. A fmtp token without "="
	// (telephone-event's "0-16") is a parameter with an empty name.
	Parameters   []Parameter    `xml:"parameter"`
	RTCPFeedback []RTCPFeedback `xml:"urn:xmpp:jingle:apps:rtp:rtcp-fb:0 rtcp-fb"`
}

// Parameter is a name/value <parameter/> of a payload type or a source.
type Parameter struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr,omitempty"`
}

// RTCPFeedback is a XEP-0293 <rtcp-fb type subtype/> (SDP a=rtcp-fb).
type RTCPFeedback struct {
	Type    string `xml:"type,attr"`
	Subtype string `xml:"subtype,attr,omitempty"`
}

// HeaderExtension is a XEP-0294 <rtp-hdrext id uri senders/> (SDP a=extmap).
type HeaderExtension struct {
	ID      uint16  `xml:"id,attr"`
	URI     string  `xml:"uri,attr"`
	Senders Senders `xml:"senders,attr,omitempty"`
}

// Source is a XEP-0339 <source ssrc/> with its SDP a=ssrc attributes
// (cname, msid, ...) as parameters.
type Source struct {
	SSRC       uint32      `xml:"ssrc,attr"`
	Parameters []Parameter `xml:"parameter"`
}

// SSRCGroup is a XEP-0339 <ssrc-group semantics/> (SDP a=ssrc-group).
type SSRCGroup struct {
	Semantics string   `xml:"semantics,attr"`
	Sources   []Source `xml:"source"`
}
