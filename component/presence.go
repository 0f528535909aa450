package component

import (
	"context"
	"encoding/xml"
)

type outPresence struct {
	XMLName xml.Name `xml:"presence"`
	Type    string   `xml:"type,attr,omitempty"`
	From    string   `xml:"from,attr"`
	To      string   `xml:"to,attr"`
	Caps    *caps
}

// handlePresence makes number JIDs behave like contacts that are always
// available, so clients show them as reachable and keep them in the roster.
func (c *Component) handlePresence(ctx context.Context, st *inbound) {
	if st.to.Localpart() != "" {
		if _, ok := c.number(ctx, st); !ok {
			return
		}
	}
	var replies []string
	switch st.Type {
	case "subscribe":
		replies = []string{"subscribed", ""}
	case "probe":
		replies = []string{""}
	case "unsubscribe":
		replies = []string{"unsubscribed"}
	default:
		return
	}
	for _, typ := range replies {
		p := outPresence{Type: typ, From: st.To, To: st.from.Bare().String()}
		if typ == "" && c.capsVer != "" && st.to.Localpart() != "" {
			// Clients decide from caps whether a contact can take calls.
			p.Caps = &caps{Hash: "sha-1", Node: capsNode, Ver: c.capsVer}
		}
		if err := c.encode(ctx, p); err != nil {
			c.log.Warn("component: could not answer presence", "err", err)
			return
		}
	}
}
