package jingle

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// XEP-0353 Jingle Message Initiation. Each element is a child of a
// <message/>; ID is the Jingle session ID the call will use.

// JMI is one of *Propose, *Ringing, *Proceed, *Reject, *Retract, *Finish.
type JMI interface {
	// SessionID returns the id attribute: the Jingle sid.
	SessionID() string
	jmi()
}

// Propose offers a call: <propose xmlns="urn:xmpp:jingle-message:0" id>
// with one RTP description per medium (media attribute only).
type Propose struct {
	XMLName      xml.Name         `xml:"urn:xmpp:jingle-message:0 propose"`
	ID           string           `xml:"id,attr"`
	Descriptions []RTPDescription `xml:"urn:xmpp:jingle:apps:rtp:1 description"`
}

// Ringing says the callee's device is ringing.
type Ringing struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle-message:0 ringing"`
	ID      string   `xml:"id,attr"`
}

// Proceed accepts a proposal; the session-initiate follows.
type Proceed struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle-message:0 proceed"`
	ID      string   `xml:"id,attr"`
}

// Reject refuses a proposal, usually with reason busy or decline.
type Reject struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle-message:0 reject"`
	ID      string   `xml:"id,attr"`
	Reason  *Reason  `xml:"reason"`
}

// Retract withdraws a proposal (the caller hung up before an answer),
// usually with reason cancel.
type Retract struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle-message:0 retract"`
	ID      string   `xml:"id,attr"`
	Reason  *Reason  `xml:"reason"`
}

// Finish ends a call that was proposed with JMI, with a reason (success).
type Finish struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle-message:0 finish"`
	ID      string   `xml:"id,attr"`
	Reason  *Reason  `xml:"reason"`
}

func (p *Propose) SessionID() string { return p.ID }
func (p *Ringing) SessionID() string { return p.ID }
func (p *Proceed) SessionID() string { return p.ID }
func (p *Reject) SessionID() string  { return p.ID }
func (p *Retract) SessionID() string { return p.ID }
func (p *Finish) SessionID() string  { return p.ID }

func (*Propose) jmi() {}
func (*Ringing) jmi() {}
func (*Proceed) jmi() {}
func (*Reject) jmi()  {}
func (*Retract) jmi() {}
func (*Finish) jmi()  {}

// Media returns the media of the proposal's descriptions ("audio", ...).
func (p *Propose) Media() []string {
	var m []string
	for _, d := range p.Descriptions {
		m = append(m, d.Media)
	}
	return m
}

// NewAudioPropose returns a proposal of an audio call with session id sid.
func NewAudioPropose(sid string) *Propose {
	return &Propose{ID: sid, Descriptions: []RTPDescription{{Media: "audio"}}}
}

// ProposeMessageID is the message id Conversations uses for a proposal
// ("jm-propose-<sid>"); its XEP-0184 receipt shows the call as ringing.
func ProposeMessageID(sid string) string { return "jm-propose-" + sid }

// UnmarshalJMI decodes one JMI element from b.
func UnmarshalJMI(b []byte) (JMI, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: no element", ErrUnknownJMI)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnknownJMI, err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			return DecodeJMI(d, start)
		}
	}
}

// DecodeJMI decodes the JMI element that starts with start, for use from
// a token stream (a <message/> payload).
func DecodeJMI(d *xml.Decoder, start xml.StartElement) (JMI, error) {
	if start.Name.Space != NSJMI {
		return nil, fmt.Errorf("%w: {%s}%s", ErrUnknownJMI, start.Name.Space, start.Name.Local)
	}
	var v JMI
	switch start.Name.Local {
	case "propose":
		v = &Propose{}
	case "ringing":
		v = &Ringing{}
	case "proceed":
		v = &Proceed{}
	case "reject":
		v = &Reject{}
	case "retract":
		v = &Retract{}
	case "finish":
		v = &Finish{}
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnknownJMI, start.Name.Local)
	}
	if err := d.DecodeElement(v, &start); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownJMI, err)
	}
	return v, nil
}
