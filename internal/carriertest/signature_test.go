package carriertest

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// TestTwilioSignatureMatchesTwilioGo checks the npm signer against twilio-go's
// validator, so either can serve as the oracle for our webhook checks.
func TestTwilioSignatureMatchesTwilioGo(t *testing.T) {
	t.Parallel()
	const token = "12345abcdef"
	cases := []struct {
		name   string
		url    string
		params url.Values
	}{
		{"inbound sms", "https://gw.example.net/twilio/sms", url.Values{
			"MessageSid": {"SM0123456789abcdef0123456789abcdef"},
			"AccountSid": {testSid},
			"From":       {"+12015550123"},
			"To":         {"+12015550124"},
			"Body":       {"héllo 👍 & more=stuff"},
			"NumMedia":   {"0"},
		}},
		{"status callback with port and query", "https://gw.example.net:8443/twilio/status?tenant=a%20b", url.Values{
			"MessageSid":    {"SM0123456789abcdef0123456789abcdef"},
			"MessageStatus": {"delivered"},
		}},
		{"no params", "https://gw.example.net/twilio/sms", url.Values{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sig := TwilioSignature(t, token, c.url, c.params)
			v := client.NewRequestValidator(token)
			if !v.Validate(c.url, flat(c.params), sig) {
				t.Fatalf("twilio-go rejects the npm signature %q", sig)
			}
			changed := flat(c.params)
			changed["Body"] += "x"
			if v.Validate(c.url, changed, sig) {
				t.Errorf("twilio-go accepts the signature after a param changed")
			}
			if v.Validate(c.url, flat(c.params), TwilioSignature(t, token+"x", c.url, c.params)) {
				t.Errorf("twilio-go accepts a signature made with another token")
			}
		})
	}
}

func flat(v url.Values) map[string]string {
	m := make(map[string]string, len(v))
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}

// TestSignTwilioMatchesNode: the Go signer signs repeated keys as
// twilio-node does (distinct values, sorted).
func TestSignTwilioMatchesNode(t *testing.T) {
	t.Parallel()
	const token = "12345abcdef"
	u := "https://gw.example.net/twilio/sms"
	for _, p := range []url.Values{
		{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "Body": {"x"}},
		{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "Extra": {"b", "a", "b"}},
	} {
		if got, want := SignTwilio(token, u, p), TwilioSignature(t, token, u, p); got != want {
			t.Errorf("%v: SignTwilio %s, twilio-node %s", p, got, want)
		}
	}
}
