package testenv

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Stanza is one stanza a Client received.
//
// mellium blanks the from attribute of stanzas sent by the client's own bare
// JID (roster pushes, for example), so From is "" for those.
type Stanza struct {
	Name string // message, presence or iq
	Type string
	ID   string
	From string
	To   string
	Raw  string // the whole stanza as XML, namespaces declared where they change
}

const (
	nsStanzas   = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsDiscoInfo = "http://jabber.org/protocol/disco#info"
)

// String returns Raw, so failure messages show the whole stanza.
func (s Stanza) String() string { return s.Raw }

// Body returns the text of the stanza's <body/> child, or "".
func (s Stanza) Body() string {
	text, _ := s.childText(func(path []xml.Name) bool {
		return len(path) == 2 && path[1].Local == "body"
	})
	return text
}

// ErrorCondition returns the defined condition of an error stanza, such as
// "item-not-found", or "" when the stanza carries no <error/>.
func (s Stanza) ErrorCondition() string {
	var cond string
	_ = s.walk(func(path []xml.Name, _ xml.Token) bool {
		if len(path) == 3 && path[1].Local == "error" && path[2].Space == nsStanzas && path[2].Local != "text" {
			cond = path[2].Local
			return false
		}
		return true
	})
	return cond
}

// ErrorText returns the <text/> of an error stanza, or "".
func (s Stanza) ErrorText() string {
	text, _ := s.childText(func(path []xml.Name) bool {
		return len(path) == 3 && path[1].Local == "error" && path[2] == xml.Name{Space: nsStanzas, Local: "text"}
	})
	return text
}

// Has reports whether the stanza contains an element (at any depth) with the
// namespace ns and local name local, such as Has("urn:xmpp:receipts", "received").
func (s Stanza) Has(ns, local string) bool {
	found := false
	_ = s.walk(func(path []xml.Name, _ xml.Token) bool {
		if len(path) > 1 && path[len(path)-1] == (xml.Name{Space: ns, Local: local}) {
			found = true
			return false
		}
		return true
	})
	return found
}

// childText returns the character data directly inside the first element
// whose path (from the stanza element down) matches.
func (s Stanza) childText(match func(path []xml.Name) bool) (string, bool) {
	var (
		text  strings.Builder
		depth = -1
		found bool
	)
	_ = s.walk(func(path []xml.Name, tok xml.Token) bool {
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth < 0 && match(path) {
				depth, found = len(path), true
			}
		case xml.CharData:
			if depth == len(path) {
				text.Write(tok)
			}
		case xml.EndElement:
			if depth == len(path)+1 { // path already popped
				return false
			}
		}
		return true
	})
	return text.String(), found
}

// walk parses Raw and calls f with the path of open elements for each token
// until f returns false.
func (s Stanza) walk(f func(path []xml.Name, tok xml.Token) bool) error {
	d := xml.NewDecoder(strings.NewReader(s.Raw))
	var path []xml.Name
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name)
		case xml.EndElement:
			path = path[:len(path)-1]
		}
		if !f(path, tok) {
			return nil
		}
	}
}

// newStanza builds a Stanza from the tokens of one top-level element.
func newStanza(toks []xml.Token) (Stanza, error) {
	start, ok := toks[0].(xml.StartElement)
	if !ok {
		return Stanza{}, errors.New("testenv: stanza does not begin with a start element")
	}
	st := Stanza{Name: start.Name.Local}
	for _, a := range start.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "type":
			st.Type = a.Value
		case "id":
			st.ID = a.Value
		case "from":
			st.From = a.Value
		case "to":
			st.To = a.Value
		}
	}
	raw, err := encodeTokens(toks)
	if err != nil {
		return Stanza{}, err
	}
	st.Raw = raw
	return st, nil
}

// encodeTokens writes tokens as compact XML. encoding/xml would repeat
// xmlns on every element and duplicate the xmlns attributes the decoder kept,
// so namespaces are written by hand, only where they change.
func encodeTokens(toks []xml.Token) (string, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	spaces := []string{""}
	for _, tok := range toks {
		switch t := tok.(type) {
		case xml.StartElement:
			parent := spaces[len(spaces)-1]
			out := xml.StartElement{Name: xml.Name{Local: t.Name.Local}}
			if t.Name.Space != parent {
				out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: t.Name.Space})
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns", a.Name.Space == "xmlns":
					// Namespace declarations are rewritten above.
				case a.Name.Space == "" && a.Name.Local == "from" && a.Value == "":
					// Blanked by mellium (own bare JID).
				default:
					out.Attr = append(out.Attr, a)
				}
			}
			spaces = append(spaces, t.Name.Space)
			tok = out
		case xml.EndElement:
			spaces = spaces[:len(spaces)-1]
			tok = xml.EndElement{Name: xml.Name{Local: t.Name.Local}}
		case xml.ProcInst, xml.Directive, xml.Comment:
			continue
		}
		if err := e.EncodeToken(tok); err != nil {
			return "", fmt.Errorf("testenv: encode stanza: %w", err)
		}
	}
	if err := e.Flush(); err != nil {
		return "", fmt.Errorf("testenv: encode stanza: %w", err)
	}
	return buf.String(), nil
}
