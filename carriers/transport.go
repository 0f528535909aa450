package carriers

import "net/http"

// Transport is the HTTP transport adapters default to: a clone of
// http.DefaultTransport that keeps connections to the carrier's API open
// between messages. The default keeps two per host, which turns a busy
// gateway's every send into a new TCP and TLS handshake.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return t
}
