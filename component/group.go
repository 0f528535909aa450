package component

import (
	"context"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// recipients are the numbers a user's message goes to: a number JID's, a
// group JID's (Cheogram's "+1…,+1…@gateway"), or the sms: addresses of a
// XEP-0033 message to the gateway (Cheogram's GroupMMS contract). A bad
// one is answered with an error naming it.
func (c *Component) recipients(ctx context.Context, st *inbound) ([]string, bool) {
	local := st.to.Localpart()
	if local != "" && !strings.Contains(local, ",") {
		n, ok := c.number(ctx, st)
		return []string{n}, ok
	}
	var raw []string
	if local != "" {
		raw = strings.Split(local, ",")
	} else {
		for _, a := range st.Addresses {
			switch {
			case a.Delivered:
				continue // someone already sent it there
			case a.Type == "bcc":
				c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.FeatureNotImplemented, Text: text("bcc addresses are not supported: a group text shows every recipient to all")})
				return nil, false
			case a.Type != "to" && a.Type != "cc":
				continue
			}
			n, ok := a.smsNumber()
			if !ok && a.JID != "" {
				if j, err := jid.Parse(a.JID); err == nil && j.Domainpart() == c.set.Domain.Domainpart() {
					n, ok = j.Localpart(), true
				}
			}
			if !ok {
				c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.JIDMalformed, Text: text("address " + a.URI + a.JID + " is not an sms: URI or a number of this gateway")})
				return nil, false
			}
			raw = append(raw, n)
		}
	}
	if len(raw) == 0 {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, Text: text("no recipient: list each as <address type='to' uri='sms:+12015550123'/>")})
		return nil, false
	}
	if len(raw) > maxAddresses {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, Text: text("too many recipients for one group text")})
		return nil, false
	}
	var out []string
	for _, r := range raw {
		n, err := c.numbers.normalize(r, c.set.DefaultRegion)
		if err != nil {
			c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.JIDMalformed, Text: text(numberProblem(r, err))})
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, true
}

// groupLocal is the group JID localpart a participant sees for a group
// text: everyone else's numbers, sorted and joined by commas.
func groupLocal(self string, participants []string) string {
	var others []string
	for _, p := range participants {
		if p != self && !slices.Contains(others, p) {
			others = append(others, p)
		}
	}
	slices.Sort(others)
	return strings.Join(others, ",")
}
