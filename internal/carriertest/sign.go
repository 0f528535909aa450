package carriertest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// SignTwilio is X-Twilio-Signature for a POST of params to fullURL, in Go,
// for fuzz seeds and load generators that cannot afford a Node process per
// signature. Tests of signature checking use TwilioSignature, the
// independent implementation.
//
// base64(HMAC-SHA1(auth token, URL + every key and value, keys sorted));
// a repeated key's distinct values are signed in sorted order, as
// twilio-node and twilio-python do.
func SignTwilio(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		vs = slices.Compact(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TamperForm returns a copy of a signed form webhook whose Body no longer
// matches its signature, headers kept.
func TamperForm(r *http.Request) *http.Request {
	b, _ := io.ReadAll(r.Body)
	f, _ := url.ParseQuery(string(b))
	f.Set("Body", f.Get("Body")+" (changed)")
	out, _ := http.NewRequest(http.MethodPost, r.URL.String(), strings.NewReader(f.Encode()))
	out.Header = r.Header.Clone()
	return out
}
