package app

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGroupTexts: Cheogram's GroupMMS contract both ways, and group JIDs.
func TestGroupTexts(t *testing.T) {
	const (
		bobNum   = "+12015550124"
		carolNum = "+12015550125"
	)
	for _, groupJIDs := range []bool{false, true} {
		name := "addresses"
		var env []string
		if groupJIDs {
			name, env = "group jids", []string{"SWITCHBOARD_COMPONENT_GROUP_JIDS=true"}
		}
		t.Run(name, func(t *testing.T) {
			e := startEnv(t, envOptions{env: env})
			alice := e.user(t, "alice", aliceNum, "sandbox")
			ctx := ctxT(t)
			var seq int64

			// Outbound: one stanza with XEP-0033 addresses, one to a group
			// JID; each is one group text at the carrier.
			for _, st := range []string{
				`<message type="chat" id="g1" to="` + e.prosody.ComponentDomain + `"><addresses xmlns="http://jabber.org/protocol/address"><address type="to" uri="sms:` + phoneNum + `"/><address type="cc" uri="sms:` + bobNum + `"/><address type="to" uri="sms:+12015550199" delivered="true"/></addresses><body>hi all</body></message>`,
				`<message type="chat" id="g2" to="` + bobNum + `,` + phoneNum + `@` + e.prosody.ComponentDomain + `"><body>hi all</body></message>`,
			} {
				if err := alice.Send(ctx, st); err != nil {
					t.Fatal(err)
				}
				got := e.nextOut(t, &seq)
				all := append([]string{got.To}, got.Cc...)
				slices.Sort(all)
				if got.Body != "hi all" || !slices.Equal(all, []string{phoneNum, bobNum}) {
					t.Errorf("carrier got %+v; want one group text to %s and %s (an address marked delivered is skipped)", got, phoneNum, bobNum)
				}
			}

			// Inbound: a phone writes to alice, bob and carol.
			code, out := e.sandboxAPI(t, "POST", "/sandbox/api/send", map[string]any{"from": phoneNum, "to": aliceNum, "cc": []string{bobNum, carolNum}, "body": "reply all"})
			if code != 202 {
				t.Fatalf("phone: %d %s", code, out)
			}
			wantFrom := e.numberJID(phoneNum)
			if groupJIDs {
				wantFrom = phoneNum + "," + bobNum + "," + carolNum + "@" + e.prosody.ComponentDomain
			}
			r, err := alice.Expect(ctx, isMessageFrom(wantFrom))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Has("http://jabber.org/protocol/address", "addresses") {
				t.Fatalf("a group text without XEP-0033 addresses: %s", r.Raw)
			}
			for _, n := range []string{bobNum, carolNum} {
				if !regexp.MustCompile(`<address[^>]*\buri="sms:\`+n+`"`).MatchString(r.Raw) ||
					!regexp.MustCompile(`<address[^>]*\bdelivered="true"[^>]*\buri="sms:\`+n+`"|<address[^>]*\buri="sms:\`+n+`"[^>]*\bdelivered="true"`).MatchString(r.Raw) {
					t.Errorf("participant %s missing (delivered='true'): %s", n, r.Raw)
				}
			}
			if groupJIDs && !strings.Contains(r.Raw, phoneNum+": reply all") {
				t.Errorf("from a group JID, the sender's number should lead the text: %s", r.Raw)
			}
		})
	}
}

// TestGroupTextRefusals: bad addresses are named; bcc is refused.
func TestGroupTextRefusals(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	for i, tt := range []struct{ addrs, want string }{
		{`<address type="to" uri="mailto:x@example.org"/>`, "not an sms: URI"},
		{`<address type="to" uri="sms:12"/>`, "not a usable phone number"},
		{`<address type="bcc" uri="sms:` + phoneNum + `"/>`, "bcc addresses are not supported"},
		{``, "no recipient"},
	} {
		id := "r" + string(rune('0'+i))
		if err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+e.prosody.ComponentDomain+`"><addresses xmlns="http://jabber.org/protocol/address">`+tt.addrs+`</addresses><body>x</body></message>`); err != nil {
			t.Fatal(err)
		}
		r, err := alice.Expect(ctx, errorFor(id))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Raw, tt.want) {
			t.Errorf("%s: want %q, got %s", tt.addrs, tt.want, r.Raw)
		}
	}
}

// TestGroupTextUserNotFirst: a carrier may list the gateway's user anywhere
// among a group text's recipients; the text still reaches them.
func TestGroupTextUserNotFirst(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	code, out := e.sandboxAPI(t, "POST", "/sandbox/api/send", map[string]any{"from": phoneNum, "to": "+12015550124", "cc": []string{aliceNum, "+12015550125"}, "body": "you are second"})
	if code != 202 {
		t.Fatalf("phone: %d %s", code, out)
	}
	r, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum)))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"+12015550124", "+12015550125"} {
		if !strings.Contains(r.Raw, "sms:"+n) {
			t.Errorf("participant %s missing: %s", n, r.Raw)
		}
	}
	if strings.Contains(r.Raw, "sms:"+aliceNum) {
		t.Errorf("alice's own number listed as another participant: %s", r.Raw)
	}
}

// TestGroupTextOwnerFoundAmongRecipients: a carrier that sends one webhook
// per group text may name the gateway's user anywhere among its
// recipients (Telnyx's to[] and cc[]); the text reaches them, once.
func TestGroupTextOwnerFoundAmongRecipients(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, envOptions{extraTOML: fmt.Sprintf("[carriers.telnyx]\napi_key = \"KEY0123\"\nmessaging_profile_id = \"abc85f64-5717-4562-b3fc-2c9600000000\"\npublic_key = %q\napi_url = \"http://127.0.0.1:1\"\n",
		base64.StdEncoding.EncodeToString(pub))})
	alice := e.user(t, "alice", aliceNum, "telnyx")
	ctx := ctxT(t)
	body := `{"data":{"event_type":"message.received","id":"ev1","payload":{"direction":"inbound","id":"m-group-1","from":{"phone_number":"` + phoneNum +
		`"},"text":"you are second","to":[{"phone_number":"+12015550124"},{"phone_number":"` + aliceNum + `"}],"cc":[{"phone_number":"+12015550125"}],"type":"MMS"},"record_type":"event"}}`
	post := func() int {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, e.url+"/telnyx/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("telnyx-timestamp", ts)
		req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+body))))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 2 { // and its retry, dropped as a duplicate
		if code := post(); code/100 != 2 {
			t.Fatalf("webhook: %d", code)
		}
	}
	r, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "you are second") || !strings.Contains(r.Raw, "sms:+12015550124") || !strings.Contains(r.Raw, "sms:+12015550125") || strings.Contains(r.Raw, "sms:"+aliceNum) {
		t.Errorf("want the group text with the other two listed: %s", r.Raw)
	}
	if r, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), isMessageFrom(e.numberJID(phoneNum))); err == nil {
		t.Errorf("delivered twice: %s", r.Raw)
	}
}
