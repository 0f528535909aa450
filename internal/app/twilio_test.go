package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

const (
	twSID   = "AC0123456789abcdef0123456789abcdef"
	twToken = "f00dfacef00dfacef00dfacef00dface"
	// Prism answers every CreateMessage with the spec's example SID.
	prismSID = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

func startTwilioEnv(t *testing.T) *env {
	prism := carriertest.StartTwilioPrism(t)
	return startEnv(t, envOptions{extraTOML: fmt.Sprintf(`
[carriers.twilio]
account_sid = %q
auth_token = %q
api_url = %q
`, twSID, twToken, prism.URL)})
}

// webhook posts a form to the gateway signed by the npm twilio package (an
// independent implementation); sign=false sends sig as given.
func (e *env) webhook(t *testing.T, path string, form url.Values, sig string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (e *env) signed(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	return e.webhook(t, path, form, carriertest.TwilioSignature(t, twToken, e.cfg.HTTP.PublicURL+path, form))
}

func inboundForm(sid, from, to, body string) url.Values {
	return url.Values{
		"MessageSid": {sid}, "AccountSid": {twSID}, "From": {from}, "To": {to}, "Body": {body},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
}

func TestTwilioEndToEnd(t *testing.T) {
	e := startTwilioEnv(t)
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)

	t.Run("outbound and delivery receipt", func(t *testing.T) {
		if err := alice.Send(ctx, `<message type="chat" id="o1" to="`+phone+`"><body>via twilio</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
			t.Fatal(err)
		}
		// Prism accepted the request (it validates against Twilio's
		// definition); the gateway tracks the SID it answered with.
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, _ := e.signed(t, "/twilio/status", url.Values{"MessageSid": {prismSID}, "AccountSid": {twSID}, "MessageStatus": {"delivered"}})
			if code != http.StatusOK {
				t.Fatalf("status webhook: %d", code)
			}
			r, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), isMessageFrom(phone))
			if err == nil {
				if !r.Has("urn:xmpp:receipts", "received") || !strings.Contains(r.Raw, `id="o1"`) {
					t.Fatalf("want receipt for o1, got %s", r.Raw)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no receipt after the delivered callback")
			}
		}
	})

	t.Run("failed delivery becomes an error", func(t *testing.T) {
		if err := alice.Send(ctx, `<message type="chat" id="o2" to="`+phone+`"><body>doomed</body></message>`); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			e.signed(t, "/twilio/status", url.Values{"MessageSid": {prismSID}, "AccountSid": {twSID}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}})
			r, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
			if err == nil {
				if r.ID != "o2" || r.ErrorCondition() != "recipient-unavailable" || !strings.Contains(r.ErrorText(), "30003") {
					t.Fatalf("got %s", r.Raw)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no error after the undelivered callback")
			}
		}
	})

	t.Run("inbound once despite retries", func(t *testing.T) {
		form := inboundForm("SM00000000000000000000000000000001", phoneNum, aliceNum, "from twilio ✓")
		for range 3 {
			code, body := e.signed(t, "/twilio/sms", form)
			if code != http.StatusOK || !strings.Contains(body, "<Response></Response>") {
				t.Fatalf("inbound webhook: %d %s", code, body)
			}
		}
		m, err := alice.Expect(ctx, isMessageFrom(phone))
		if err != nil || m.Body() != "from twilio ✓" || m.Type != "chat" {
			t.Fatalf("inbound: %v %s", err, m.Raw)
		}
		// The replay variant keeps the signature (Twilio joins keys and
		// values without separators) and used to be a new message.
		evil := inboundForm(form.Get("MessageSid")+"NumMedia0", phoneNum, aliceNum, "from twilio ✓")
		evil.Del("NumMedia")
		sig := carriertest.TwilioSignature(t, twToken, e.cfg.HTTP.PublicURL+"/twilio/sms", form)
		if code, body := e.webhook(t, "/twilio/sms", evil, sig); code != http.StatusBadRequest {
			t.Errorf("replay variant: %d %s, want 400", code, body)
		}
		if _, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), isMessageFrom(phone)); err == nil {
			t.Fatal("duplicate webhook delivered twice")
		}
	})

	t.Run("bad webhooks", func(t *testing.T) {
		form := inboundForm("SM00000000000000000000000000000002", phoneNum, aliceNum, "forged")
		good := carriertest.TwilioSignature(t, twToken, e.cfg.HTTP.PublicURL+"/twilio/sms", form)
		changed := inboundForm("SM00000000000000000000000000000002", phoneNum, aliceNum, "changed body")
		otherAccount := inboundForm("SM00000000000000000000000000000003", phoneNum, aliceNum, "x")
		otherAccount.Set("AccountSid", "ACffffffffffffffffffffffffffffffff")
		tests := []struct {
			name string
			form url.Values
			sig  string
			want int
		}{
			{"missing signature", form, "", http.StatusForbidden},
			{"forged signature", form, carriertest.TwilioSignature(t, "not-the-token", e.cfg.HTTP.PublicURL+"/twilio/sms", form), http.StatusForbidden},
			{"replayed with changed body", changed, good, http.StatusForbidden},
			{"signed for another URL", form, carriertest.TwilioSignature(t, twToken, "https://evil.example/twilio/sms", form), http.StatusForbidden},
			{"other account", otherAccount, carriertest.TwilioSignature(t, twToken, e.cfg.HTTP.PublicURL+"/twilio/sms", otherAccount), http.StatusForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if code, body := e.webhook(t, "/twilio/sms", tt.form, tt.sig); code != tt.want {
					t.Fatalf("got %d %s, want %d", code, body, tt.want)
				}
			})
		}
		if _, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), isMessageFrom(phone)); err == nil {
			t.Fatal("a refused webhook was delivered")
		}
	})

	t.Run("unknown number is answered", func(t *testing.T) {
		code, body := e.signed(t, "/twilio/sms", inboundForm("SM00000000000000000000000000000004", phoneNum, "+12015550199", "to nobody"))
		if code != http.StatusOK || !strings.Contains(body, "<Response>") {
			t.Fatalf("got %d %s", code, body)
		}
	})
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
