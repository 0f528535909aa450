package component

import (
	"encoding/xml"
	"strconv"
	"unicode/utf8"
)

// Namespaces of what a chat message may say besides its body.
const (
	nsReactions = "urn:xmpp:reactions:0"       // XEP-0444
	nsReply     = "urn:xmpp:reply:0"           // XEP-0461
	nsFallback  = "urn:xmpp:fallback:0"        // XEP-0428
	nsCorrect   = "urn:xmpp:message-correct:0" // XEP-0308
)

// reactions is a XEP-0444 <reactions/>: the full set of emoji the sender
// now has on message ID (empty: all removed).
type reactions struct {
	ID     string   `json:"id"`
	Emojis []string `json:"e,omitempty"`
}

// fallbackRange is the part of the body, in code points, that a XEP-0428
// fallback marks as standing in for an element (the quote of a reply).
type fallbackRange struct {
	For        string
	Start, End int
}

// maxReactions bounds the emoji one stanza may carry.
const maxReactions = 16

// readReactions reads the <reaction/> children of <reactions/>.
func readReactions(r xml.TokenReader, start xml.StartElement) (*reactions, error) {
	rs := &reactions{ID: attrValue(start, "id")}
	err := children(r, func(t xml.StartElement) error {
		s, err := readText(r)
		if err == nil && t.Name.Local == "reaction" && s != "" && len(rs.Emojis) < maxReactions && utf8.RuneCountInString(s) <= 16 {
			rs.Emojis = append(rs.Emojis, s)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// readFallback reads a <fallback/>'s <body start end/> children.
func readFallback(r xml.TokenReader, start xml.StartElement, st *inbound) error {
	return children(r, func(t xml.StartElement) error {
		if t.Name.Local == "body" && len(st.Fallbacks) < 4 {
			s, err1 := strconv.Atoi(attrValue(t, "start"))
			e, err2 := strconv.Atoi(attrValue(t, "end"))
			if err1 == nil && err2 == nil && 0 <= s && s <= e {
				st.Fallbacks = append(st.Fallbacks, fallbackRange{For: attrValue(start, "for"), Start: s, End: e})
			}
		}
		return skip(r)
	})
}

func attrValue(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// withoutFallback splits body into the part a fallback for ns covers (the
// quote a client put in front of a reply) and the rest.
func withoutFallback(body string, fbs []fallbackRange, ns string) (covered, rest string) {
	for _, f := range fbs {
		if f.For != ns {
			continue
		}
		runes := []rune(body)
		if f.End > len(runes) {
			break
		}
		return string(runes[f.Start:f.End]), string(runes[:f.Start]) + string(runes[f.End:])
	}
	return "", body
}
