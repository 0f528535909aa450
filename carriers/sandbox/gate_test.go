package sandbox

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestGuard: the page's API answers only the page: its per-run token,
// its own origin, JSON posts. Before, anyone who reached [http] listen
// could read every message, and a page on any site could text a user
// with a text/plain cross-origin POST (CSRF).
func TestGuard(t *testing.T) {
	const send = `{"from":"+12015550123","to":"+12015550100","body":"hi"}`
	tests := []struct {
		name, method, path, body string
		header                   map[string]string // on top of the page's token and JSON
		noToken                  bool
		want                     int
	}{
		{name: "page's send", method: "POST", path: "/sandbox/api/send", body: send, want: http.StatusAccepted},
		{name: "page's send, same origin", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}, want: http.StatusAccepted},
		{name: "send from public_url's origin", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Origin": "https://gw.example.org"}, want: http.StatusAccepted},
		{name: "send without token", method: "POST", path: "/sandbox/api/send", body: send, noToken: true, want: http.StatusForbidden},
		{name: "send with wrong token", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{TokenHeader: strings.Repeat("0", 32)}, want: http.StatusForbidden},
		{name: "CSRF: text/plain cross-origin", method: "POST", path: "/sandbox/api/send", body: send, noToken: true,
			header: map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, want: http.StatusForbidden},
		{name: "cross-origin even with the token", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Origin": "http://evil.example"}, want: http.StatusForbidden},
		{name: "null origin", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Origin": "null"}, want: http.StatusForbidden},
		{name: "cross-site fetch metadata", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: http.StatusForbidden},
		{name: "same-site is another origin", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Sec-Fetch-Site": "same-site"}, want: http.StatusForbidden},
		{name: "text/plain with the token", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Content-Type": "text/plain"}, want: http.StatusUnsupportedMediaType},
		{name: "form post", method: "POST", path: "/sandbox/api/send", body: "from=1",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: http.StatusUnsupportedMediaType},
		{name: "JSON with charset", method: "POST", path: "/sandbox/api/send", body: send,
			header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, want: http.StatusAccepted},
		{name: "messages without token", method: "GET", path: "/sandbox/api/messages?after=0", noToken: true, want: http.StatusForbidden},
		{name: "messages with token", method: "GET", path: "/sandbox/api/messages?after=0", want: http.StatusOK},
		{name: "numbers without token", method: "GET", path: "/sandbox/api/numbers", noToken: true, want: http.StatusForbidden},
		{name: "page without token", method: "GET", path: "/sandbox/", noToken: true, want: http.StatusForbidden},
		{name: "limits without token", method: "GET", path: "/sandbox/api/limits", noToken: true, want: http.StatusForbidden},
		{name: "faults without token", method: "GET", path: "/sandbox/api/faults", noToken: true, want: http.StatusForbidden},
		{name: "set a fault without token", method: "POST", path: "/sandbox/api/faults", body: `{"outcome":"never"}`, noToken: true, want: http.StatusForbidden},
		{name: "set a fault cross-origin", method: "POST", path: "/sandbox/api/faults", body: `{"outcome":"never"}`,
			header: map[string]string{"Origin": "http://evil.example"}, want: http.StatusForbidden},
		{name: "set a fault as text/plain", method: "POST", path: "/sandbox/api/faults", body: `{"outcome":"never"}`,
			header: map[string]string{"Content-Type": "text/plain"}, want: http.StatusUnsupportedMediaType},
		{name: "set a fault", method: "POST", path: "/sandbox/api/faults", body: `{"outcome":"never"}`, want: http.StatusOK},
		{name: "upload without token", method: "POST", path: "/sandbox/api/media", body: `{"data":"iVBORw0KGgo="}`, noToken: true, want: http.StatusForbidden},
		{name: "upload as a form", method: "POST", path: "/sandbox/api/media", body: "data=x",
			header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, want: http.StatusUnsupportedMediaType},
		// Media URLs are capabilities, fetched by the gateway without the
		// page's token: an unknown one is simply not there.
		{name: "media without token", method: "GET", path: "/sandbox/media/" + strings.Repeat("0", 32) + ".png", noToken: true, want: http.StatusNotFound},
		{name: "page with wrong token", method: "GET", path: "/sandbox/?token=" + strings.Repeat("0", 32), noToken: true, want: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Settings{PublicURL: "https://gw.example.org"})
			t.Cleanup(func() { _ = c.Close() })
			r := &carriertest.Receiver{}
			req := httptest.NewRequest(tt.method, "http://127.0.0.1:8080"+tt.path, strings.NewReader(tt.body))
			if !tt.noToken {
				req.Header.Set(TokenHeader, c.Token())
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			c.Handler(r).ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if tt.want != http.StatusAccepted && len(r.Messages()) != 0 {
				t.Fatal("a refused request delivered a message")
			}
			if tt.want == http.StatusForbidden && (c.Faults().Next != nil || len(c.media) != 0) {
				t.Fatal("a refused request set a fault or left a picture")
			}
			if w.Code == http.StatusForbidden && strings.Contains(w.Body.String(), c.Token()) {
				t.Fatal("a refusal gave the token away")
			}
		})
	}
}

// TestPageCarriesToken: the page served at its address has the token
// for its script, each run has its own, and the page is neither cached,
// framed nor a referrer.
func TestPageCarriesToken(t *testing.T) {
	a, b := New(Settings{}), New(Settings{})
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a.Token()) || a.Token() == b.Token() {
		t.Fatalf("tokens %q and %q: want two different 128-bit tokens", a.Token(), b.Token())
	}
	w := httptest.NewRecorder()
	a.Handler(&carriertest.Receiver{}).ServeHTTP(w, httptest.NewRequest("GET", "/sandbox/?token="+a.Token(), nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<meta name="sandbox-token" content="`+a.Token()+`">`) {
		t.Fatalf("page: %d, token not embedded", w.Code)
	}
	for k, v := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// The old address still leads to the page, token and all.
	w = httptest.NewRecorder()
	a.Handler(&carriertest.Receiver{}).ServeHTTP(w, httptest.NewRequest("GET", "/sandbox?token="+a.Token(), nil))
	if loc := w.Header().Get("Location"); w.Code != http.StatusMovedPermanently || loc != "/sandbox/?token="+a.Token() {
		t.Fatalf("redirect: %d %q", w.Code, loc)
	}
}
