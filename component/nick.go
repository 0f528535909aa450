package component

import (
	"encoding/xml"
	"strings"
	"sync"
	"unicode"

	"mellium.im/xmlstream"
)

const nsNick = "http://jabber.org/protocol/nick"

// maxNick bounds a nickname: caller-name (CNAM) data is at most 15
// characters in North America; the rest is room for other carriers.
const maxNick = 64

// cleanNick makes a carrier's caller-name data fit to show as a contact's
// name: control and format characters (bidi overrides included) and
// surrounding space go, inner runs of space become one, and it is cut at
// maxNick characters. Invalid UTF-8, and characters XML cannot carry, are
// dropped.
func cleanNick(name string) string {
	var b strings.Builder
	n, space := 0, false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r): // before controls: a newline separates words
			space = b.Len() > 0
			continue
		case r == unicode.ReplacementChar || r >= 0xFFFE && r <= 0xFFFF || // not XML characters
			unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r):
			continue
		}
		if n >= maxNick {
			break
		}
		if space {
			if n+1 >= maxNick {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// nickElement is XEP-0172's <nick/> carrying name, cleaned; nil when
// nothing is left of it, so that callers can append it unconditionally.
func nickElement(name string) xml.TokenReader {
	name = cleanNick(name)
	if name == "" {
		return nil
	}
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(name)), xml.StartElement{Name: xml.Name{Space: nsNick, Local: "nick"}})
}

// nameCache remembers the names carriers gave for callers' numbers, so
// that a number JID's subscription request can carry one (XEP-0172 puts
// nicknames in subscription requests and first messages). It is bounded;
// when full it starts afresh, like numberCache.
type nameCache struct {
	mu  sync.Mutex
	max int
	m   map[string]string // E.164 -> cleaned name
}

func newNameCache(max int) *nameCache {
	return &nameCache{max: max, m: make(map[string]string)}
}

func (nc *nameCache) remember(number, name string) {
	name = cleanNick(name)
	if name == "" {
		return
	}
	nc.mu.Lock()
	defer nc.mu.Unlock()
	if len(nc.m) >= nc.max {
		clear(nc.m)
	}
	nc.m[number] = name
}

func (nc *nameCache) name(number string) string {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return nc.m[number]
}

// RememberName records the caller name a carrier gave for number (E.164)
// with an inbound message or call: the number JID's next subscription
// request carries it as its XEP-0172 nickname.
func (c *Component) RememberName(number, name string) { c.names.remember(number, name) }
