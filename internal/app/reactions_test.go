package app

import (
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// lastOut is the newest outbound message on the sandbox after seq.
func (e *env) nextOut(t *testing.T, seq *int64) sandboxEntry {
	t.Helper()
	got, ok := e.sandboxOut(t, *seq)
	if !ok {
		t.Fatal("no message reached the carrier")
	}
	*seq = got.Seq
	return got
}

// TestReactionsRepliesCorrections: phones' reactions-as-text become
// XEP-0444 reactions on the right message, and a user's reactions,
// replies and corrections go out as texts a phone shows well.
func TestReactionsRepliesCorrections(t *testing.T) {
	for _, quotes := range []bool{false, true} {
		name := "no text kept"
		var env []string
		if quotes {
			name, env = "quotes kept", []string{"SWITCHBOARD_COMPONENT_REACTION_QUOTES=1h"}
		}
		t.Run(name, func(t *testing.T) {
			e := startEnv(t, envOptions{env: env})
			alice := e.user(t, "alice", aliceNum, "sandbox")
			ctx := ctxT(t)
			phone := e.numberJID(phoneNum)
			var seq int64

			// A phone's tapback on the user's message.
			if err := alice.Send(ctx, `<message type="chat" id="m1" to="`+phone+`"><body>see you at 6</body></message>`); err != nil {
				t.Fatal(err)
			}
			e.nextOut(t, &seq)
			if code, out := e.phoneTexts(t, phoneNum, aliceNum, "Liked “see you at 6”"); code != 202 {
				t.Fatalf("phone: %d %s", code, out)
			}
			r, err := alice.Expect(ctx, isMessageFrom(phone))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Has("urn:xmpp:reactions:0", "reactions") || !strings.Contains(r.Raw, `id="m1"`) || !strings.Contains(r.Raw, "👍") {
				t.Fatalf("want a 👍 reaction to m1, got %s", r.Raw)
			}
			if !r.Has("urn:xmpp:fallback:0", "fallback") || !strings.Contains(r.Raw, "Liked") {
				t.Errorf("the reaction should carry its text as a fallback: %s", r.Raw)
			}
			// A tapback quoting nothing remembered stays a text.
			if code, _ := e.phoneTexts(t, phoneNum, aliceNum, "Loved “something never said”"); code != 202 {
				t.Fatal(code)
			}
			if r, err = alice.Expect(ctx, isMessageFrom(phone)); err != nil || r.Has("urn:xmpp:reactions:0", "reactions") {
				t.Fatalf("unknown quote: %v %s", err, r.Raw)
			}

			// The phone writes; the user reacts, replies, corrects.
			if code, _ := e.phoneTexts(t, phoneNum, aliceNum, "dinner at Luigi's?"); code != 202 {
				t.Fatal(code)
			}
			in, err := alice.Expect(ctx, isMessageFrom(phone))
			if err != nil {
				t.Fatal(err)
			}
			inID := attrOf(in, "id")
			wantReact := "Reacted ❤️ to a message"
			if quotes {
				wantReact = "Loved “dinner at Luigi's?”"
			}
			for _, tt := range []struct{ name, stanza, want string }{
				{"reaction", `<message type="chat" id="m2" to="` + phone + `"><reactions xmlns="urn:xmpp:reactions:0" id="` + inID + `"><reaction>❤️</reaction></reactions><store xmlns="urn:xmpp:hints"/></message>`, wantReact},
				{"reply", `<message type="chat" id="m3" to="` + phone + `"><body>&gt; dinner at Luigi's?
sure!</body><reply xmlns="urn:xmpp:reply:0" to="` + phone + `" id="` + inID + `"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="21"/></fallback></message>`, "> “dinner at Luigi's?”\nsure!"},
				{"correction", `<message type="chat" id="m4" to="` + phone + `"><body>see you at 7</body><replace xmlns="urn:xmpp:message-correct:0" id="m1"/></message>`, "Correction: see you at 7"},
			} {
				if err := alice.Send(ctx, tt.stanza); err != nil {
					t.Fatal(err)
				}
				if got := e.nextOut(t, &seq); got.Body != tt.want {
					t.Errorf("%s: phone got %q, want %q", tt.name, got.Body, tt.want)
				}
			}
		})
	}
}

// TestLongTextWarning: a text that takes several SMS parts gets the user a
// note saying how many.
func TestLongTextWarning(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)
	body := strings.Repeat("a", 400) // GSM-7: 3 parts of 153
	if err := alice.Send(ctx, `<message type="chat" id="l1" to="`+phone+`"><body>`+body+`</body></message>`); err != nil {
		t.Fatal(err)
	}
	r, err := alice.Expect(ctx, isMessageFrom(phone))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "sent as 3 messages") {
		t.Errorf("want a 3-part warning, got %s", r.Raw)
	}
	var seq int64
	if got := e.nextOut(t, &seq); got.Body != body {
		t.Errorf("the text itself was changed: %q", got.Body)
	}
}

func attrOf(s testenv.Stanza, name string) string {
	_, rest, _ := strings.Cut(s.Raw, " "+name+`="`)
	v, _, _ := strings.Cut(rest, `"`)
	return v
}
