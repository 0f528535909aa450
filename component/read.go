package component

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/switchboard-gw/switchboard/jingle"
)

var errMalformed = errors.New("component: malformed stanza")

// readStanza reads a message or presence from the handler's token stream
// (the stanza's children and its end), keeping only what the gateway uses:
// the first body, a receipt request and XEP-0066 URLs. It replaces
// encoding/xml's reflection on the gateway's busiest path.
func readStanza(r xml.TokenReader, start *xml.StartElement) (*inbound, error) {
	st := &inbound{XMLName: start.Name}
	st.ID, st.Type, st.From, st.To = stanzaAttrs(start)
	for {
		tok, err := r.Token()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return nil, errMalformed
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return st, nil // the stanza's own end
		case xml.StartElement:
			switch {
			case t.Name.Local == "body" && st.Body == nil && (t.Name.Space == start.Name.Space || t.Name.Space == ""):
				body, err := readText(r)
				if err != nil {
					return nil, err
				}
				st.Body = &body
				continue
			case t.Name.Local == "request" && t.Name.Space == nsReceipts:
				st.Request = &struct{}{}
			case t.Name.Space == jingle.NSJMI && st.JMI == nil:
				m, err := readJMI(r, t)
				if err != nil {
					return nil, errMalformed
				}
				st.JMI = m
				continue
			case t.Name.Local == "addresses" && t.Name.Space == nsAddress && st.Addresses == nil:
				st.Addresses = []address{}
				if err := readAddresses(r, st); err != nil {
					return nil, err
				}
				continue
			case t.Name.Local == "reactions" && t.Name.Space == nsReactions && st.Reactions == nil:
				rs, err := readReactions(r, t)
				if err != nil {
					return nil, err
				}
				st.Reactions = rs
				continue
			case t.Name.Local == "fallback" && t.Name.Space == nsFallback:
				if err := readFallback(r, t, st); err != nil {
					return nil, err
				}
				continue
			case t.Name.Local == "reply" && t.Name.Space == nsReply:
				st.ReplyTo = attrValue(t, "id")
				st.Reply = true
			case t.Name.Local == "replace" && t.Name.Space == nsCorrect:
				st.Replace = attrValue(t, "id")
				st.Correction = true
			case t.Name.Local == "x" && t.Name.Space == nsOOB:
				if err := readOOB(r, st); err != nil {
					return nil, err
				}
				continue
			}
			if err := skip(r); err != nil {
				return nil, err
			}
		}
	}
}

// readText reads the character data of the element just opened, up to and
// including its end; text inside child elements counts too.
func readText(r xml.TokenReader) (string, error) {
	var b strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := r.Token()
		if err != nil {
			return "", errMalformed
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return b.String(), nil
}

// readOOB reads a jabber:x:oob element's url children.
func readOOB(r xml.TokenReader, st *inbound) error {
	return children(r, func(t xml.StartElement) error {
		if t.Name.Local != "url" {
			return skip(r)
		}
		u, err := readText(r)
		if err == nil {
			st.OOB = append(st.OOB, strings.TrimSpace(u))
		}
		return err
	})
}

// children calls fn for each child element of the element just opened, up
// to its end; fn must consume the child it is given (skip, readText...).
func children(r xml.TokenReader, fn func(xml.StartElement) error) error {
	for {
		tok, err := r.Token()
		if err != nil {
			return errMalformed
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		}
	}
}

// skip consumes the element just opened, up to and including its end.
func skip(r xml.TokenReader) error {
	_, err := readText(r)
	return err
}

// readJMI decodes the XEP-0353 element just opened. Its tokens are copied
// first so that the decoder sees the element whole, start to end.
func readJMI(r xml.TokenReader, start xml.StartElement) (jingle.JMI, error) {
	toks := []xml.Token{start.Copy()}
	for depth := 1; depth > 0; {
		tok, err := r.Token()
		if err != nil {
			return nil, errMalformed
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	d := xml.NewTokenDecoder(&tokenSlice{toks: toks})
	first, err := d.Token()
	if err != nil {
		return nil, errMalformed
	}
	return jingle.DecodeJMI(d, first.(xml.StartElement))
}

type tokenSlice struct{ toks []xml.Token }

func (s *tokenSlice) Token() (xml.Token, error) {
	if len(s.toks) == 0 {
		return nil, io.EOF
	}
	t := s.toks[0]
	s.toks = s.toks[1:]
	return t, nil
}
