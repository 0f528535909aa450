package component

import (
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/stanza"
)

// decodeString runs decode on a stanza written as text, as the stream
// handler would see it.
func decodeString(s string) (*inbound, *stanza.Error, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			st, bad := decode(d, &start, "sms.example.org")
			return st, bad, nil
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		cond     stanza.Condition // "" when accepted
		noReply  bool
		body     string
		receipt  bool
	}{
		{name: "chat", in: `<message from="a@example.org/r" to="+12015550123@sms.example.org" type="chat" id="1"><body>hi</body><request xmlns="urn:xmpp:receipts"/></message>`, body: "hi", receipt: true},
		{name: "oob", in: `<message from="a@example.org/r" to="+12015550123@sms.example.org"><body>u</body><x xmlns="jabber:x:oob"><url>https://x/y.png</url></x></message>`, body: "u"},
		{name: "other domain", in: `<message from="a@example.org/r" to="+1@other.org"><body>hi</body></message>`, cond: stanza.JIDMalformed},
		{name: "resource on number", in: `<message from="a@example.org/r" to="+12015550123@sms.example.org/switchboard"><body>hi</body></message>`, body: "hi"},
		{name: "bad to", in: `<message from="a@example.org/r" to="@@"><body>hi</body></message>`, cond: stanza.JIDMalformed},
		{name: "no from", in: `<message to="+12015550123@sms.example.org"><body>hi</body></message>`, noReply: true},
		{name: "bad from", in: `<message from="a@@b" to="+12015550123@sms.example.org"><body>hi</body></message>`, noReply: true},
		{name: "iq", in: `<iq from="a@example.org/r" to="sms.example.org" type="get" id="q"><query xmlns="http://jabber.org/protocol/disco#info" node="n"/></iq>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, bad, err := decodeString(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.noReply:
				if st != nil {
					t.Fatalf("want no reply, got %+v %+v", st, bad)
				}
			case tt.cond != "":
				if bad == nil || bad.Condition != tt.cond {
					t.Fatalf("want %s, got %+v", tt.cond, bad)
				}
			default:
				if bad != nil {
					t.Fatalf("refused: %+v", bad)
				}
				if tt.body != "" && (st.Body == nil || *st.Body != tt.body) {
					t.Errorf("body = %v", st.Body)
				}
				if (st.Request != nil) != tt.receipt {
					t.Errorf("receipt request = %v", st.Request != nil)
				}
			}
		})
	}
	st, _, _ := decodeString(tests[1].in)
	if len(st.OOB) != 1 || st.OOB[0] != "https://x/y.png" {
		t.Errorf("oob = %+v", st.OOB)
	}
	st, _, _ = decodeString(tests[len(tests)-1].in)
	if st.Payload.XMLName.Space != nsDiscoInfo || st.Payload.Node != "n" {
		t.Errorf("iq payload = %+v", st.Payload)
	}
}

// FuzzDecode feeds arbitrary stanzas to the decoder: it must never panic,
// and what it accepts must be addressed to the gateway with a sender.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`<message from="a@example.org/r" to="+12015550123@sms.example.org" type="chat" id="1"><body>hi</body></message>`,
		`<iq from="a@example.org/r" to="sms.example.org" type="set" id="q"><query xmlns="jabber:iq:gateway"><prompt>(201) 555-0123</prompt></query></iq>`,
		`<presence from="a@example.org" to="+1@sms.example.org" type="subscribe"/>`,
		`<message from="a@example.org/r" to="x@sms.example.org"><body><b>nested</b></body><body>two</body></message>`,
		`<message from="a@example.org/r" to="x@sms.example.org"><x xmlns="jabber:x:oob"><url>u</url></x>`,
		`<message from="a@example.org/r" to="sms.example.org"><addresses xmlns="http://jabber.org/protocol/address"><address type="to" uri="sms:+1"/></addresses><body>g</body></message>`,
		`<message from="a@example.org/r" to="+1@sms.example.org"><reactions xmlns="urn:xmpp:reactions:0" id="x"><reaction>👍</reaction></reactions></message>`,
		`<message from="a@example.org/r" to="+1@sms.example.org"><body>&gt; q` + "\n" + `a</body><reply xmlns="urn:xmpp:reply:0" id="y"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="99"/></fallback></message>`,
		`<message from="a@example.org/r" to="+1@sms.example.org"><body>b</body><replace xmlns="urn:xmpp:message-correct:0" id="z"/></message>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		st, bad, err := decodeString(in)
		if err != nil || st == nil || bad != nil {
			return
		}
		if st.Body != nil {
			// Fallback ranges come from the stanza: any may be out of range.
			withoutFallback(*st.Body, st.Fallbacks, nsReply)
		}
		if st.from.String() == "" || st.to.Domainpart() != "sms.example.org" {
			t.Fatalf("accepted %q with from=%q to=%q", in, st.from, st.to)
		}
	})
}
