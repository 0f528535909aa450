package sandbox

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
)

// TokenHeader carries the page's per-run token on every API request.
const TokenHeader = "X-Sandbox-Token"

// Token is the per-run secret that opens the page and its API. It is made
// at start, shown once (the demo's banner, `switchboard run`'s standard
// output) as part of the page's address, and embedded in the page served
// to whoever has that address.
func (c *Carrier) Token() string { return c.token }

// tokenOK compares in constant time: the token is the page's only secret.
func (c *Carrier) tokenOK(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.token)) == 1
}

// Guard admits a request to the sandbox page's API (the carrier's, and the
// softphone's that internal/app mounts beside it) only with the page's
// token in X-Sandbox-Token, from the page's own origin, and for POSTs with
// a JSON body: a page elsewhere cannot send a "simple" cross-origin
// request (text/plain, no custom header), and whoever lacks the page's
// address can neither read nor send.
func (c *Carrier) Guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.sameOrigin(r) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-origin request refused: use the sandbox page itself"})
			return
		}
		if !c.tokenOK(r.Header.Get(TokenHeader)) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing or wrong " + TokenHeader + ": open the sandbox page at the address the gateway printed at start"})
			return
		}
		if r.Method == http.MethodPost {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "Content-Type must be application/json"})
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether r may come from the page: no Origin (not a
// browser's cross-origin request), or the origin of the address the
// request was sent to, or of public_url (behind a proxy). Fetch metadata,
// where the browser sends it, must not say another site.
func (c *Carrier) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // includes "null": sandboxed frames, file: pages
	}
	if u.Host == r.Host {
		return true
	}
	p, err := url.Parse(c.set.PublicURL)
	return err == nil && p.Host != "" && u.Scheme == p.Scheme && u.Host == p.Host
}
