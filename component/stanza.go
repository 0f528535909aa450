package component

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"strings"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/jingle"
)

// Namespaces the component speaks.
const (
	nsDiscoInfo  = "http://jabber.org/protocol/disco#info"
	nsDiscoItems = "http://jabber.org/protocol/disco#items"
	nsPing       = "urn:xmpp:ping"
	nsVersion    = "jabber:iq:version"
	nsGateway    = "jabber:iq:gateway"
	nsReceipts   = "urn:xmpp:receipts"
	nsOOB        = "jabber:x:oob"
)

// inbound is one stanza read from the stream, decoded once so that workers
// never touch the stream. Messages and presences are read by readStanza;
// IQs, rarer and more varied, by encoding/xml through the tags.
type inbound struct {
	XMLName xml.Name
	ID      string `xml:"id,attr"`
	Type    string `xml:"type,attr"`
	From    string `xml:"from,attr"`
	To      string `xml:"to,attr"`

	// message
	Body    *string   `xml:"-"`
	Request *struct{} `xml:"-"`
	OOB     []string  `xml:"-"` // XEP-0066 URLs
	// XEP-0033 addresses (a group text); nil when absent
	Addresses []address  `xml:"-"`
	JMI       jingle.JMI `xml:"-"` // XEP-0353 propose, proceed, …
	// XEP-0444 reactions, XEP-0461 reply, XEP-0428 fallbacks, XEP-0308
	// correction
	Reactions  *reactions      `xml:"-"`
	Reply      bool            `xml:"-"`
	ReplyTo    string          `xml:"-"` // id of the message replied to
	Fallbacks  []fallbackRange `xml:"-"`
	Correction bool            `xml:"-"`
	Replace    string          `xml:"-"` // id of the message corrected

	// iq: Jingle, when the first child is <jingle/>
	Jingle *jingle.Jingle `xml:"urn:xmpp:jingle:1 jingle"`
	// iq: an XEP-0050 command
	Command *adhoc.Payload `xml:"http://jabber.org/protocol/commands command"`
	// iq: XEP-0077 registration
	Register *registerPayload `xml:"jabber:iq:register query"`

	// iq: its first child
	Payload iqPayload `xml:",any"`

	from, to jid.JID // parsed
}

type iqPayload struct {
	XMLName xml.Name
	Node    string  `xml:"node,attr"`
	Prompt  *string `xml:"prompt"`
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func domainJID(domain string) jid.JID {
	j, _ := jid.New("", domain, "")
	return j
}

func parentDomain(d string) (string, bool) {
	_, parent, ok := strings.Cut(d, ".")
	return parent, ok && parent != ""
}
