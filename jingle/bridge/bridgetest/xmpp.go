package bridgetest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"testing"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
)

// Message is a <message/> the bridge sent, decoded from its XML.
type Message struct {
	ID, Type, From, To string
	Kind               string     // the JMI element's name (propose, ringing, …), or ""
	JMI                jingle.JMI // nil when the message carries none
	ReceiptFor         string     // the id of a XEP-0184 <received/>, or ""
	ReceiptRequest     bool       // carries a XEP-0184 <request/>
	StoreHint          bool       // carries a XEP-0334 <store/>
	Raw                string
}

// Reason is the JMI element's reason condition, or "".
func (m Message) Reason() jingle.Condition {
	var r *jingle.Reason
	switch j := m.JMI.(type) {
	case *jingle.Reject:
		r = j.Reason
	case *jingle.Retract:
		r = j.Reason
	case *jingle.Finish:
		r = j.Reason
	}
	if r == nil {
		return ""
	}
	return r.Condition
}

// IQ is an IQ the bridge sent.
type IQ struct {
	Type     stanza.IQType
	From, To string
	Jingle   *jingle.Jingle // the payload decoded again from its XML; nil if not Jingle
	Raw      string         // the payload's XML
}

// Action is the Jingle action of the IQ, or "".
func (q IQ) Action() jingle.Action {
	if q.Jingle == nil {
		return ""
	}
	return q.Jingle.Action
}

// Reason is the Jingle reason condition of the IQ, or "".
func (q IQ) Reason() jingle.Condition {
	if q.Jingle == nil || q.Jingle.Reason == nil {
		return ""
	}
	return q.Jingle.Reason.Condition
}

// XMPP is a fake of bridge.XMPP (the component connection). Stanzas go
// through encoding/xml as on the wire, so what tests see is what a client
// would get.
type XMPP struct {
	// Answer, when set before use, answers each IQ: nil is a result, an
	// error an error reply. Unset, every IQ gets a result.
	Answer func(IQ) error

	msgs recorder[Message]
	iqs  recorder[IQ]
}

// Send records a message.
func (x *XMPP) Send(_ context.Context, v any) error {
	raw, err := xml.Marshal(v)
	if err != nil {
		return fmt.Errorf("bridgetest: marshal stanza: %w", err)
	}
	m, err := decodeMessage(raw)
	if err != nil {
		return err
	}
	x.msgs.add(m)
	return nil
}

// IQ records an IQ and answers it.
func (x *XMPP) IQ(_ context.Context, typ stanza.IQType, from, to string, payload any) error {
	raw, err := xml.Marshal(payload)
	if err != nil {
		return fmt.Errorf("bridgetest: marshal IQ payload: %w", err)
	}
	q := IQ{Type: typ, From: from, To: to, Raw: string(raw)}
	if _, ok := payload.(*jingle.Jingle); ok {
		var j jingle.Jingle
		if err := xml.Unmarshal(raw, &j); err != nil {
			return fmt.Errorf("bridgetest: Jingle payload does not read back: %w", err)
		}
		q.Jingle = &j
	}
	x.iqs.add(q)
	if x.Answer != nil {
		return x.Answer(q)
	}
	return nil
}

// Messages returns the messages sent so far.
func (x *XMPP) Messages() []Message { return x.msgs.all() }

// IQs returns the IQs sent so far.
func (x *XMPP) IQs() []IQ { return x.iqs.all() }

// WaitMessage returns the first message sent that matches.
func (x *XMPP) WaitMessage(t testing.TB, what string, match func(Message) bool) Message {
	t.Helper()
	return x.msgs.wait(t, what, match)
}

// WaitJMI returns the first JMI message of that kind (propose, ringing,
// proceed, reject, retract) sent to to.
func (x *XMPP) WaitJMI(t testing.TB, kind, to string) Message {
	t.Helper()
	return x.msgs.wait(t, "<"+kind+"/> to "+to, func(m Message) bool { return m.Kind == kind && m.To == to })
}

// WaitIQ returns the first IQ sent that matches.
func (x *XMPP) WaitIQ(t testing.TB, what string, match func(IQ) bool) IQ {
	t.Helper()
	return x.iqs.wait(t, what, match)
}

// WaitJingle returns the first Jingle IQ with action a sent to to.
func (x *XMPP) WaitJingle(t testing.TB, a jingle.Action, to string) IQ {
	t.Helper()
	return x.iqs.wait(t, string(a)+" to "+to, func(q IQ) bool { return q.Action() == a && q.To == to })
}

// WaitInfo returns the first session-info IQ carrying info (hold, active,
// ringing) sent to to.
func (x *XMPP) WaitInfo(t testing.TB, info, to string) IQ {
	t.Helper()
	return x.iqs.wait(t, "session-info <"+info+"/> to "+to, func(q IQ) bool {
		return q.Action() == jingle.SessionInfoAction && q.Jingle.SessionInfo() == info && q.To == to
	})
}

func decodeMessage(raw []byte) (Message, error) {
	var env struct {
		XMLName xml.Name
		ID      string `xml:"id,attr"`
		Type    string `xml:"type,attr"`
		From    string `xml:"from,attr"`
		To      string `xml:"to,attr"`
		Inner   []byte `xml:",innerxml"`
	}
	if err := xml.Unmarshal(raw, &env); err != nil {
		return Message{}, fmt.Errorf("bridgetest: message does not read back: %w", err)
	}
	if env.XMLName.Local != "message" {
		return Message{}, fmt.Errorf("bridgetest: sent <%s/>, not a message", env.XMLName.Local)
	}
	m := Message{ID: env.ID, Type: env.Type, From: env.From, To: env.To, Raw: string(raw)}
	d := xml.NewDecoder(bytes.NewReader(env.Inner))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return Message{}, fmt.Errorf("bridgetest: message payload: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case start.Name.Space == jingle.NSJMI:
			j, err := jingle.DecodeJMI(d, start)
			if err != nil {
				return Message{}, err
			}
			m.Kind, m.JMI = start.Name.Local, j
			continue
		case start.Name.Space == "urn:xmpp:receipts" && start.Name.Local == "received":
			for _, a := range start.Attr {
				if a.Name.Local == "id" {
					m.ReceiptFor = a.Value
				}
			}
		case start.Name.Space == "urn:xmpp:receipts" && start.Name.Local == "request":
			m.ReceiptRequest = true
		case start.Name.Space == "urn:xmpp:hints" && start.Name.Local == "store":
			m.StoreHint = true
		}
		if err := d.Skip(); err != nil {
			return Message{}, fmt.Errorf("bridgetest: message payload: %w", err)
		}
	}
}
