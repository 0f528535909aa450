package jingle

// Setup is the DTLS role of XEP-0320 / RFC 4145 a=setup.
type Setup string

// Setup values. An answer never says SetupActpass.
const (
	SetupActpass  Setup = "actpass"
	SetupActive   Setup = "active"
	SetupPassive  Setup = "passive"
	SetupHoldconn Setup = "holdconn"
)

func (s Setup) valid() bool {
	return s == SetupActpass || s == SetupActive || s == SetupPassive || s == SetupHoldconn
}

// Fingerprint is a XEP-0320 <fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash setup>value</fingerprint>.
type Fingerprint struct {
	Hash  string `xml:"hash,attr"`
	Setup Setup  `xml:"setup,attr,omitempty"`
	Value string `xml:",chardata"`
}
