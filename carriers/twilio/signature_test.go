package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"

	tclient "github.com/twilio/twilio-go/client"
)

// sdkValid is twilio-go's own validator, the oracle: it takes one value a
// key, so a repeated key's sorted distinct values are joined with the key
// (which is how they are signed).
func sdkValid(token, u string, form url.Values, sig string) bool {
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = strings.Join(slices.Compact(slices.Sorted(slices.Values(v))), k)
	}
	v := tclient.NewRequestValidator(token)
	return v.Validate(u, params, sig)
}

// sign signs as Twilio does, over u exactly.
func sign(token, u string, form url.Values) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range form {
			if !yield(k) {
				return
			}
		}
	})
	b := []byte(u)
	for _, k := range keys {
		for _, v := range slices.Compact(slices.Sorted(slices.Values(form[k]))) {
			b = append(append(b, k...), v...)
		}
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write(b)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestSignature(t *testing.T) {
	const token = "12345678901234567890123456789012"
	form := url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "Body": {"hi & bye"}, "MediaUrl0": {"https://x/1"}}
	repeated := url.Values{"To": {"+15550002", "+15550001", "+15550002"}, "Body": {"group"}}
	tests := []struct {
		name       string
		configured string // the URL the gateway checks against
		signedOver string // the URL the sender signed
		form       url.Values
		token      string
		want       bool
	}{
		{"exact", "https://gw.example.org/twilio/sms", "https://gw.example.org/twilio/sms", form, token, true},
		{"with a port", "http://127.0.0.1:8080/twilio/sms", "http://127.0.0.1:8080/twilio/sms", form, token, true},
		{"signed with the default port", "https://gw.example.org/twilio/sms", "https://gw.example.org:443/twilio/sms", form, token, true},
		{"signed without the port", "https://gw.example.org:8443/twilio/sms", "https://gw.example.org/twilio/sms", form, token, true},
		{"query string", "https://gw.example.org/twilio/sms?x=1", "https://gw.example.org/twilio/sms?x=1", form, token, true},
		{"repeated key", "https://gw.example.org/twilio/sms", "https://gw.example.org/twilio/sms", repeated, token, true},
		{"another path", "https://gw.example.org/twilio/status", "https://gw.example.org/twilio/sms", form, token, false},
		{"another host", "https://gw.example.org/twilio/sms", "https://evil.example.org/twilio/sms", form, token, false},
		{"another token", "https://gw.example.org/twilio/sms", "https://gw.example.org/twilio/sms", form, "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := sign(tt.token, tt.signedOver, tt.form)
			got := signature{key: []byte(token)}.valid(tt.configured, tt.form, sig)
			if got != tt.want {
				t.Errorf("valid = %v, want %v", got, tt.want)
			}
			if sdk := sdkValid(token, tt.configured, tt.form, sig); sdk != got {
				t.Errorf("twilio-go's validator says %v, ours %v", sdk, got)
			}
		})
	}
	t.Run("tampered", func(t *testing.T) {
		u := "https://gw.example.org/twilio/sms"
		sig := sign(token, u, form)
		changed := url.Values{}
		for k, v := range form {
			changed[k] = v
		}
		changed.Set("Body", "hi & buy")
		if (signature{key: []byte(token)}).valid(u, changed, sig) {
			t.Error("a changed body passed")
		}
		for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
			if (signature{key: []byte(token)}).valid(u, form, bad) {
				t.Errorf("signature %q passed", bad)
			}
		}
	})
}

// FuzzSignature: ours agrees with twilio-go's validator on any form and
// URL, for a right signature and a wrong one.
func FuzzSignature(f *testing.F) {
	f.Add("https://gw.example.org/twilio/sms", "Body", "hi", "To", "+1555", true)
	f.Add("http://127.0.0.1:8080/twilio/sms?a=b", "To", "x", "To", "y", false)
	f.Fuzz(func(t *testing.T, u, k1, v1, k2, v2 string, right bool) {
		const token = "tok"
		form := url.Values{}
		form.Add(k1, v1)
		form.Add(k2, v2)
		sig := sign(token, u, form)
		if !right {
			sig = sign("wrong", u, form)
		}
		ours := signature{key: []byte(token)}.valid(u, form, sig)
		if sdk := sdkValid(token, u, form, sig); ours != sdk {
			t.Fatalf("url %q form %v: ours %v, twilio-go %v", u, form, ours, sdk)
		}
	})
}
