package jingle

import "encoding/xml"

// ICEUDPTransport is the XEP-0176 <transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"/>
// with the XEP-0320 DTLS fingerprints it carries.
type ICEUDPTransport struct {
	XMLName      xml.Name      `xml:"urn:xmpp:jingle:transports:ice-udp:1 transport"`
	Ufrag        string        `xml:"ufrag,attr,omitempty"`
	Pwd          string        `xml:"pwd,attr,omitempty"`
	Fingerprints []Fingerprint `xml:"urn:xmpp:jingle:apps:dtls:0 fingerprint"`
	Candidates   []Candidate   `xml:"candidate"`
}

// Candidate is a XEP-0176 <candidate/>.
type Candidate struct {
	Component  uint8  `xml:"component,attr"`
	Foundation string `xml:"foundation,attr"`
	Generation uint32 `xml:"generation,attr"`
	ID         string `xml:"id,attr"`
	IP         string `xml:"ip,attr"`
	Network    uint32 `xml:"network,attr,omitempty"`
	Port       uint16 `xml:"port,attr"`
	Priority   uint32 `xml:"priority,attr"`
	Protocol   string `xml:"protocol,attr"`
	RelAddr    string `xml:"rel-addr,attr,omitempty"`
	RelPort    uint16 `xml:"rel-port,attr,omitempty"`
	Type       string `xml:"type,attr"`
}

// Candidate types.
const (
	CandidateHost  = "host"
	CandidatePrflx = "prflx"
	CandidateRelay = "relay"
	CandidateSrflx = "srflx"
)
