package app

import (
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestVoiceBadInput: malformed or unexpected Jingle gets a stanza error
// with a text, and calls that cannot be placed are refused with a reason.
func TestVoiceBadInput(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	bob := e.user(t, "bob", "", "") // has no number
	ctx := ctxT(t)
	num := e.numberJID("+15551234567")

	iqs := []struct {
		name, from, to, payload, cond, text string
	}{
		{name: "transport-info for no session", to: num, cond: "item-not-found", text: "unknown Jingle session",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="nope"><content creator="initiator" name="0"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="a" pwd="b"/></content></jingle>`},
		{name: "terminate for no session", to: num, cond: "item-not-found",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="nope"><reason><success/></reason></jingle>`},
		{name: "initiate without contents", to: num, cond: "bad-request", text: "cannot use this session-initiate",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="empty" initiator="x"/>`},
		{name: "initiate without transport", to: num, cond: "bad-request",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="nt"><content creator="initiator" name="0"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"><payload-type id="0" name="PCMU" clockrate="8000"/></description></content></jingle>`},
		{name: "initiate to a non-number", to: "hello@" + e.prosody.ComponentDomain, cond: "jid-malformed",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="nn"/>`},
		{name: "initiate without sid", to: num, cond: "bad-request",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate"/>`},
		{name: "malformed jingle", to: num, cond: "bad-request",
			payload: `<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="m"><content creator="initiator" name="0"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"><candidate component="x" port="y"/></transport></content></jingle>`},
	}
	for i, tt := range iqs {
		t.Run(tt.name, func(t *testing.T) {
			id := "v" + string(rune('a'+i))
			if err := alice.Send(ctx, `<iq type="set" id="`+id+`" to="`+tt.to+`">`+tt.payload+`</iq>`); err != nil {
				t.Fatal(err)
			}
			res, err := alice.Expect(ctx, isIQ(id))
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != "error" || res.ErrorCondition() != tt.cond || !strings.Contains(res.Raw, "<text") {
				t.Fatalf("want %s error with a text, got %s", tt.cond, res)
			}
			if tt.text != "" && !strings.Contains(res.Raw, tt.text) {
				t.Errorf("error text lacks %q: %s", tt.text, res)
			}
		})
	}

	isReject := func(sid string) func(testenv.Stanza) bool {
		return func(s testenv.Stanza) bool {
			return s.Name == "message" && s.From == num+"/"+component.Resource && strings.Contains(s.Raw, `<reject xmlns="urn:xmpp:jingle-message:0" id="`+sid+`"`)
		}
	}
	t.Run("propose without a number", func(t *testing.T) {
		if err := bob.Send(ctx, `<message type="chat" id="jm-propose-p1" to="`+num+`"><propose xmlns="urn:xmpp:jingle-message:0" id="p1"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/></propose></message>`); err != nil {
			t.Fatal(err)
		}
		res, err := bob.Expect(ctx, isReject("p1"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Raw, "<general-error") || !strings.Contains(res.Raw, "no phone number") {
			t.Errorf("reject lacks reason or text: %s", res)
		}
	})
	t.Run("video proposal", func(t *testing.T) {
		if err := alice.Send(ctx, `<message type="chat" id="jm-propose-p2" to="`+num+`"><propose xmlns="urn:xmpp:jingle-message:0" id="p2"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="video"/></propose></message>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, isReject("p2"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Raw, "<unsupported-applications") {
			t.Errorf("reject reason: %s", res)
		}
	})
	t.Run("malformed proposal", func(t *testing.T) {
		if err := alice.Send(ctx, `<message type="chat" id="bad" to="`+num+`"><propose xmlns="urn:xmpp:jingle-message:0" id="p3"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"><payload-type id="x"/></description></propose></message>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.ID == "bad" })
		if err != nil {
			t.Fatal(err)
		}
		if res.Type != "error" || res.ErrorCondition() != "bad-request" {
			t.Errorf("malformed proposal: %s", res)
		}
	})
}

// TestProceedToFullJID: Conversations takes <proceed/> only when it is
// addressed to the resource that proposed; the ringing and the receipt go
// there too.
func TestProceedToFullJID(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml"})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
	alice := e.user(t, "alice", callerNumber, "sandbox")
	ctx := ctxT(t)
	num := e.numberJID("+15551234567")
	if err := alice.Send(ctx, `<message type="chat" id="jm-propose-fj1" to="`+num+`"><propose xmlns="urn:xmpp:jingle-message:0" id="fj1"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/></propose><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<received xmlns="urn:xmpp:receipts" id="jm-propose-fj1"`, `<ringing xmlns="urn:xmpp:jingle-message:0" id="fj1"`, `<proceed xmlns="urn:xmpp:jingle-message:0" id="fj1"`} {
		m, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && strings.Contains(s.Raw, want) })
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if m.To != alice.JID.String() || m.From != num+"/"+component.Resource {
			t.Errorf("%s went from %s to %s, want from %s to the full JID %s", want, m.From, m.To, num+"/"+component.Resource, alice.JID)
		}
	}
	// Hang up before any session: the trunk gets its BYE.
	if err := alice.Send(ctx, `<message type="chat" to="`+num+`"><retract xmlns="urn:xmpp:jingle-message:0" id="fj1"><reason xmlns="urn:xmpp:jingle:1"><cancel/></reason></retract></message>`); err != nil {
		t.Fatal(err)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
}
