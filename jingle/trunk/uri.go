package trunk

import (
	"net/url"
	"strings"
	"unicode"
)

// maxUserLen bounds what we hand to the handler from a header.
const maxUserLen = 128

// userOf returns the user part of a SIP or tel URI written the way SIP
// headers write them: a bare URI ("sip:+1555@host;user=phone"), a
// name-addr ("\"Alice\" <sip:alice@host>;tag=x"), or a list of those (the
// first is used). It returns "" when there is no user part or it is not
// printable. Header values come from the network, so this never panics.
func userOf(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	} else if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	v = strings.TrimSpace(v)
	scheme, rest, ok := strings.Cut(v, ":")
	if !ok {
		return ""
	}
	var user string
	switch strings.ToLower(scheme) {
	case "sip", "sips":
		u, _, hasAt := strings.Cut(rest, "@")
		if !hasAt {
			return ""
		}
		user, _, _ = strings.Cut(u, ":") // drop a password
	case "tel":
		user = rest
	default:
		return ""
	}
	user, _, _ = strings.Cut(user, ";") // user or tel parameters
	if dec, err := url.PathUnescape(user); err == nil {
		user = dec
	}
	if user == "" || len(user) > maxUserLen {
		return ""
	}
	for _, r := range user {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return ""
		}
	}
	return user
}
