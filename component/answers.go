package component

import (
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// answer is the reply to an IQ the component sent: nil for a result, the
// stanza error otherwise.
type answer struct {
	err      *stanza.Error
	features []string // disco#info features in a result, if any
}

// takeAnswer reports whether start (with its children in r) answers an IQ
// the component is waiting for, and hands it over. Answers bypass the
// workers so that a worker waiting on one cannot block its own reply.
func (c *Component) takeAnswer(r xml.TokenReader, start *xml.StartElement) bool {
	id, typ, _, _ := stanzaAttrs(start)
	if typ != "result" && typ != "error" {
		return false
	}
	ch, ok := c.answers.LoadAndDelete(id)
	if !ok {
		return false
	}
	var a answer
	if typ == "error" {
		a.err = readStanzaError(r)
	} else {
		a.features = readFeatures(r)
	}
	ch.(chan answer) <- a // buffered; each id is taken once
	return true
}

// readStanzaError finds the <error/> child of an error stanza.
func readStanzaError(r xml.TokenReader) *stanza.Error {
	d := xml.NewTokenDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return &stanza.Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition}
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "error" {
			var e stanza.Error
			if err := d.DecodeElement(&e, &s); err != nil {
				return &stanza.Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition}
			}
			return &e
		}
	}
}

// IQ sends an IQ of type typ from one of the gateway's addresses and waits
// for its answer. A stanza error in the answer is returned as a
// *stanza.Error (use errors.As).
func (c *Component) IQ(ctx context.Context, typ stanza.IQType, from, to string, payload any) error {
	_, err := c.iq(ctx, string(typ), from, to, payload)
	return err
}

// iq sends an IQ and returns its answer; a stanza error is the error.
func (c *Component) iq(ctx context.Context, typ, from, to string, payload any) (answer, error) {
	id := "sb-" + randomID()
	ch := make(chan answer, 1)
	c.answers.Store(id, ch)
	defer c.answers.Delete(id)
	if err := c.encode(ctx, outIQ{ID: id, Type: typ, From: from, To: to, Payload: payload}); err != nil {
		return answer{}, err
	}
	select {
	case a := <-ch:
		if a.err != nil {
			return a, a.err
		}
		return a, nil
	case <-ctx.Done():
		return answer{}, fmt.Errorf("component: no answer from %s: %w", to, ctx.Err())
	}
}

// Send writes one stanza struct (encoding/xml) on the stream.
func (c *Component) Send(ctx context.Context, v any) error { return c.encode(ctx, v) }

// pingPayload is the XEP-0199 element.
func pingPayload() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsPing, Local: "ping"}})
}
