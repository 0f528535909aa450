package component

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
)

// Calls handles voice signalling addressed to number JIDs; package voice
// implements it. Both methods run on the conversation's worker, so they must
// not block on the network for long.
type Calls interface {
	// Jingle handles an IQ set carrying <jingle/>; a nil return sends the
	// IQ result, an error is sent back as the IQ's error.
	Jingle(ctx context.Context, from, to jid.JID, j *jingle.Jingle) *stanza.Error
	// JMI handles an XEP-0353 message (propose, proceed, retract, …).
	JMI(ctx context.Context, from, to jid.JID, id string, m jingle.JMI)
}

// SetCalls enables voice: number JIDs advertise Jingle in disco and caps,
// and Jingle and JMI stanzas go to calls. Call it before Run.
func (c *Component) SetCalls(calls Calls) {
	c.calls = calls
	c.numberFeatures = append(append([]string{}, numberFeatures...), jingle.Features...)
	c.capsVer = capsVer(numberIdentity, c.numberFeatures)
}

const capsNode = "https://github.com/switchboard-gw/switchboard"

var numberIdentity = identity{Category: "client", Type: "sms"}

// capsVer is the XEP-0115 verification string of one identity and its
// features (no extended forms).
func capsVer(id identity, feats []string) string {
	fs := append([]string{}, feats...)
	sort.Strings(fs)
	var b strings.Builder
	b.WriteString(id.Category + "/" + id.Type + "//" + id.Name + "<")
	for _, f := range fs {
		b.WriteString(f + "<")
	}
	sum := sha1.Sum([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// caps is the XEP-0115 element number JIDs put in their presence.
type caps struct {
	XMLName struct{} `xml:"http://jabber.org/protocol/caps c"`
	Hash    string   `xml:"hash,attr"`
	Node    string   `xml:"node,attr"`
	Ver     string   `xml:"ver,attr"`
}
