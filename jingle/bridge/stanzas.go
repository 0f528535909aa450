package bridge

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
)

// jmiMessage carries one XEP-0353 element. Proposals ask for a receipt
// (Conversations shows "ringing" when it arrives) and for storage, so that
// an offline client's archive shows the missed call.
type jmiMessage struct {
	XMLName  xml.Name   `xml:"message"`
	ID       string     `xml:"id,attr"`
	Type     string     `xml:"type,attr"`
	From     string     `xml:"from,attr"`
	To       string     `xml:"to,attr"`
	JMI      jingle.JMI `xml:",omitempty"`
	Request  *receiptRequest
	Received *received
	Store    *storeHint
}

type receiptRequest struct {
	XMLName xml.Name `xml:"urn:xmpp:receipts request"`
}

type storeHint struct {
	XMLName xml.Name `xml:"urn:xmpp:hints store"`
}

type received struct {
	XMLName xml.Name `xml:"urn:xmpp:receipts received"`
	ID      string   `xml:"id,attr"`
}

// sendJMI sends m from one of the gateway's JIDs.
func (c *call) sendJMI(ctx context.Context, to string, m jingle.JMI) {
	msg := jmiMessage{ID: newSID(), Type: "chat", From: c.self(), To: to, JMI: m}
	if p, ok := m.(*jingle.Propose); ok {
		msg.ID = jingle.ProposeMessageID(p.ID)
		msg.Request, msg.Store = &receiptRequest{}, &storeHint{}
	}
	if err := c.b.xmpp.Send(ctx, msg); err != nil {
		c.log.Warn("bridge: cannot send call message", "err", err)
	}
}

// sendReceipt acknowledges the user's proposal: Conversations turns its
// call screen to "ringing" on it.
func (c *call) sendReceipt(ctx context.Context) {
	msg := jmiMessage{ID: newSID(), Type: "chat", From: c.self(), To: c.peer().String(),
		Received: &received{ID: jingle.ProposeMessageID(c.sid)}}
	if err := c.b.xmpp.Send(ctx, msg); err != nil {
		c.log.Warn("bridge: cannot send receipt", "err", err)
	}
}

// sendJingle sends a Jingle IQ set to the user and waits for its result.
func (c *call) sendJingle(ctx context.Context, j *jingle.Jingle) error {
	return c.sendJingleTo(ctx, c.peer(), j)
}

// sendJingleTo is sendJingle to one of the user's resources.
func (c *call) sendJingleTo(ctx context.Context, to jid.JID, j *jingle.Jingle) error {
	ctx, cancel := context.WithTimeout(ctx, c.b.set.SendTimeout)
	defer cancel()
	j.SID = c.sid
	return c.b.xmpp.IQ(ctx, stanza.SetIQ, c.self(), to.String(), j)
}

// refusal is a stanza error with the English text every refusal carries.
func refusal(typ stanza.ErrorType, cond stanza.Condition, text string) *stanza.Error {
	return &stanza.Error{Type: typ, Condition: cond, Text: map[string]string{"en": text}}
}

// storageUnavailable: Redis is down; the user may try again.
func storageUnavailable() *stanza.Error {
	return refusal(stanza.Wait, stanza.InternalServerError, "The gateway's storage is unavailable; try again shortly.")
}
