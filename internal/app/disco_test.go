package app

import (
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestServiceDiscovery(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", "", "")
	ctx := ctxT(t)
	gw := e.prosody.ComponentDomain

	tests := []struct {
		name, to, payload string
		typ               string
		want              []string // substrings of the answer
		cond              string   // expected error condition
	}{
		{name: "gateway info", to: gw, payload: `<query xmlns="http://jabber.org/protocol/disco#info"/>`, typ: "get",
			want: []string{`category="gateway"`, `type="sms"`, `var="jabber:iq:gateway"`, `var="urn:xmpp:ping"`, `var="urn:xmpp:receipts"`}},
		{name: "gateway items", to: gw, payload: `<query xmlns="http://jabber.org/protocol/disco#items"/>`, typ: "get", want: []string{"disco#items"}},
		{name: "number info", to: "+12015550123@" + gw, payload: `<query xmlns="http://jabber.org/protocol/disco#info"/>`, typ: "get",
			want: []string{`category="client"`, `type="sms"`}},
		{name: "bad number info", to: "+1555@" + gw, payload: `<query xmlns="http://jabber.org/protocol/disco#info"/>`, typ: "get", cond: "jid-malformed",
			want: []string{"too short"}},
		{name: "ping", to: gw, payload: `<ping xmlns="urn:xmpp:ping"/>`, typ: "get"},
		{name: "version", to: gw, payload: `<query xmlns="jabber:iq:version"/>`, typ: "get", want: []string{"<name>Switchboard</name>"}},
		{name: "gateway prompt", to: gw, payload: `<query xmlns="jabber:iq:gateway"/>`, typ: "get", want: []string{"<prompt>"}},
		{name: "gateway translate", to: gw, payload: `<query xmlns="jabber:iq:gateway"><prompt>(201) 555-0123</prompt></query>`, typ: "set",
			want: []string{"<jid>+12015550123@" + gw + "</jid>"}},
		{name: "gateway bad number", to: gw, payload: `<query xmlns="jabber:iq:gateway"><prompt>call me</prompt></query>`, typ: "set", cond: "not-acceptable",
			want: []string{"not a usable phone number"}},
		{name: "gateway no prompt", to: gw, payload: `<query xmlns="jabber:iq:gateway"/>`, typ: "set", cond: "bad-request"},
		{name: "unknown namespace", to: gw, payload: `<query xmlns="urn:example:nope"/>`, typ: "get", cond: "service-unavailable"},
		{name: "node", to: gw, payload: `<query xmlns="http://jabber.org/protocol/disco#info" node="x"/>`, typ: "get", cond: "item-not-found"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "q" + string(rune('a'+i))
			if err := alice.Send(ctx, `<iq type="`+tt.typ+`" id="`+id+`" to="`+tt.to+`">`+tt.payload+`</iq>`); err != nil {
				t.Fatal(err)
			}
			res, err := alice.Expect(ctx, isIQ(id))
			if err != nil {
				t.Fatal(err)
			}
			if tt.cond != "" {
				if res.Type != "error" || res.ErrorCondition() != tt.cond {
					t.Fatalf("want %s error, got %s", tt.cond, res.Raw)
				}
			} else if res.Type != "result" {
				t.Fatalf("want result, got %s", res.Raw)
			}
			if res.From != tt.to {
				t.Errorf("answer from %q, want %q", res.From, tt.to)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Raw, w) {
					t.Errorf("answer lacks %q: %s", w, res.Raw)
				}
			}
		})
	}
}

func TestPresenceSubscription(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", "", "")
	ctx := ctxT(t)
	num := e.numberJID("+12015550123")
	if err := alice.Send(ctx, `<presence type="subscribe" to="`+num+`"/>`); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "presence" && s.From == num+"/"+component.Resource && s.Type == ""
	}); err != nil {
		t.Fatalf("no available presence from %s: %v", num, err)
	}
	// Prosody records the "subscribed" answer in the roster.
	if err := alice.Send(ctx, `<iq type="get" id="roster1"><query xmlns="jabber:iq:roster"/></iq>`); err != nil {
		t.Fatal(err)
	}
	r, err := alice.Expect(ctx, isIQ("roster1"))
	if err != nil || !strings.Contains(r.Raw, num) || !strings.Contains(r.Raw, `subscription="to"`) {
		t.Fatalf("roster lacks a subscription to %s: %v %s", num, err, r.Raw)
	}
}
