package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"hash"
	"net/url"
	"slices"
	"strings"
)

// signature checks X-Twilio-Signature (and SignalWire's): base64 of
// HMAC-SHA1 under the auth token over the URL Twilio called followed by
// every form key and value, keys sorted; a repeated key's distinct values
// come sorted, each after the key, as Twilio's own libraries sign them.
//
// It does what twilio-go's RequestValidator does, in one pass: the
// validator always computes two HMACs (the URL with and without its port)
// over strings built by concatenation, which cost a tenth of the gateway's
// time per inbound message. The URL as configured is tried first; only a
// mismatch tries it with the scheme's default port added, or its port
// removed, as the validator accepts.
type signature struct {
	key []byte
}

// valid reports whether sig signs a request to u with form.
func (s signature) valid(u string, form url.Values, sig string) bool {
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		return false
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	mac := hmac.New(sha1.New, s.key)
	for _, v := range urlVariants(u) {
		if hmac.Equal(s.sum(mac, v, keys, form), want) {
			return true
		}
	}
	return false
}

func (s signature) sum(mac hash.Hash, u string, keys []string, form url.Values) []byte {
	mac.Reset()
	mac.Write([]byte(u))
	for _, k := range keys {
		vs := form[k]
		if len(vs) > 1 {
			vs = slices.Compact(slices.Sorted(slices.Values(vs)))
		}
		for _, v := range vs {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return mac.Sum(nil)
}

// urlVariants are the URLs a signature may have been made over: u, then u
// with its scheme's default port (when it names none) or without its port.
func urlVariants(u string) []string {
	p, err := url.Parse(u)
	if err != nil {
		return []string{u}
	}
	alt := *p
	switch {
	case p.Port() != "":
		alt.Host = p.Hostname()
		if strings.Contains(alt.Host, ":") {
			alt.Host = "[" + alt.Host + "]"
		}
	case p.Scheme == "https":
		alt.Host = p.Host + ":443"
	default:
		alt.Host = p.Host + ":80"
	}
	return []string{u, alt.String()}
}
