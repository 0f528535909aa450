package component

import (
	"context"
	"encoding/xml"
	"errors"
	"runtime"

	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/phone"
)

type identity struct {
	Category string `xml:"category,attr"`
	Type     string `xml:"type,attr"`
	Name     string `xml:"name,attr,omitempty"`
}

type feature struct {
	Var string `xml:"var,attr"`
}

type discoInfoQuery struct {
	XMLName    xml.Name   `xml:"http://jabber.org/protocol/disco#info query"`
	Node       string     `xml:"node,attr,omitempty"`
	Identities []identity `xml:"identity"`
	Features   []feature  `xml:"feature"`
}

// The gateway takes group texts as XEP-0033 (Cheogram's GroupMMS contract).
var gatewayFeatures = []string{nsDiscoInfo, nsDiscoItems, nsGateway, nsPing, nsVersion, nsReceipts, nsOOB, nsAddress}

// Number JIDs take reactions, replies and corrections (sent as texts).
var numberFeatures = []string{nsDiscoInfo, nsPing, nsReceipts, nsOOB, nsReactions, nsReply, nsCorrect}

func features(vars []string) []feature {
	fs := make([]feature, len(vars))
	for i, v := range vars {
		fs[i] = feature{Var: v}
	}
	return fs
}

// discoInfo answers for the gateway (gateway/sms, and gateway/pstn with
// voice) and for number JIDs, which stand for one phone each (client/sms),
// with or without their caps node#ver. A malformed number is refused so
// that clients learn early that the address is wrong.
func (c *Component) discoInfo(ctx context.Context, st *inbound) {
	e := c.gatewayInfo
	if st.to.Localpart() != "" {
		if _, ok := c.number(ctx, st); !ok {
			return
		}
		e = c.numberInfo
	}
	if st.Payload.Node != "" && st.to.Localpart() == "" && c.cmds != nil && c.commandInfo(ctx, st) {
		return
	}
	if n := st.Payload.Node; n != "" && n != e.node() {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Cancel, Condition: stanza.ItemNotFound, Text: text("no such node")})
		return
	}
	c.result(ctx, st, discoInfoQuery{Node: st.Payload.Node, Identities: e.identities, Features: features(e.features)})
}

func (c *Component) discoItems(ctx context.Context, st *inbound) {
	if st.Payload.Node == nsCommands && st.to.Localpart() == "" && c.cmds != nil {
		c.commandItems(ctx, st)
		return
	}
	type query struct {
		XMLName xml.Name `xml:"http://jabber.org/protocol/disco#items query"`
		Node    string   `xml:"node,attr,omitempty"`
	}
	c.result(ctx, st, query{Node: st.Payload.Node})
}

func (c *Component) version(ctx context.Context, st *inbound) {
	type query struct {
		XMLName xml.Name `xml:"jabber:iq:version query"`
		Name    string   `xml:"name"`
		Version string   `xml:"version"`
		OS      string   `xml:"os"`
	}
	c.result(ctx, st, query{Name: c.set.Name, Version: c.set.Version, OS: runtime.GOOS})
}

// gateway implements XEP-0100's jabber:iq:gateway: a person types a phone
// number the way they know it and gets its JID back.
func (c *Component) gateway(ctx context.Context, st *inbound) {
	type query struct {
		XMLName xml.Name `xml:"jabber:iq:gateway query"`
		Desc    string   `xml:"desc,omitempty"`
		Prompt  *string  `xml:"prompt,omitempty"`
		JID     string   `xml:"jid,omitempty"`
	}
	if st.Type == "get" {
		prompt := "Phone number"
		c.result(ctx, st, query{Desc: "Enter the phone number you want to text or call.", Prompt: &prompt})
		return
	}
	if st.Payload.Prompt == nil {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, Text: text("missing <prompt> with a phone number")})
		return
	}
	num, err := phone.Normalize(*st.Payload.Prompt, c.set.DefaultRegion)
	if err != nil {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, Text: text(numberProblem(*st.Payload.Prompt, err))})
		return
	}
	c.result(ctx, st, query{JID: num + "@" + c.set.Domain.Domainpart()})
}

// number parses the phone number st is addressed to, answering with an error
// when it is not one.
func (c *Component) number(ctx context.Context, st *inbound) (string, bool) {
	num, err := c.numbers.normalize(st.to.Localpart(), c.set.DefaultRegion)
	if err != nil {
		c.replyError(ctx, st, stanza.Error{Type: stanza.Modify, Condition: stanza.JIDMalformed, Text: text(numberProblem(st.to.Localpart(), err))})
		return "", false
	}
	return num, true
}

// numberProblem explains a phone.Normalize error to a person.
func numberProblem(input string, err error) string {
	why := "it is not a phone number"
	switch {
	case errors.Is(err, phone.ErrEmpty):
		return "no phone number given; write it in international form, e.g. +12015550123"
	case errors.Is(err, phone.ErrNoRegion):
		why = "it has no country code; write it in international form starting with +"
	case errors.Is(err, phone.ErrCountryCode):
		why = "its country code is unknown"
	case errors.Is(err, phone.ErrTooShort):
		why = "it is too short for its country"
	case errors.Is(err, phone.ErrTooLong):
		why = "it is too long for its country"
	}
	return "\"" + input + "\" is not a usable phone number: " + why + " (e.g. +12015550123)"
}

type outIQ struct {
	XMLName xml.Name `xml:"iq"`
	ID      string   `xml:"id,attr"`
	Type    string   `xml:"type,attr"`
	From    string   `xml:"from,attr"`
	To      string   `xml:"to,attr"`
	Payload any
}

// result answers an IQ with payload (nil for an empty result).
func (c *Component) result(ctx context.Context, st *inbound, payload any) {
	iq := outIQ{ID: st.ID, Type: "result", From: st.To, To: st.From, Payload: payload}
	if err := c.encode(ctx, iq); err != nil {
		c.log.Warn("component: could not answer iq", "err", err)
	}
}
