package twilio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
)

// recorder keeps the method, path and form body of the requests it
// forwards.
type recorder struct {
	mu    sync.Mutex
	reqs  []string // "METHOD /path"
	forms []url.Values
	query []url.Values
	next  http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	f, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path)
	r.forms = append(r.forms, f)
	r.query = append(r.query, req.URL.Query())
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) last() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forms[len(r.forms)-1]
}

func (r *recorder) lastQuery() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.query[len(r.query)-1]
}

func (r *recorder) lastRequest() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[len(r.reqs)-1]
}

// TestSendAgainstTwilioSpec sends through the real SDK to Prism serving
// Twilio's own API definition, which rejects requests that do not match it.
func TestSendAgainstTwilioSpec(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, PublicURL: "https://gw.example.org", Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		msg  carriers.Message
	}{
		{"sms", carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hello ünïcode 👋"}},
		{"mms", carriers.Message{From: "+12015550100", To: "+12015550123", Body: "pics", Media: []carriers.Media{{URL: "https://files.example.org/a.jpg"}, {URL: "https://files.example.org/b.png"}}}},
		{"media only", carriers.Message{From: "+12015550100", To: "+12015550123", Media: []carriers.Media{{URL: "https://files.example.org/a.jpg"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := c.Send(context.Background(), tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if id == "" {
				t.Fatal("Send returned no message SID")
			}
			f := rec.last()
			if got := f.Get("StatusCallback"); got != "https://gw.example.org/twilio/status" {
				t.Errorf("StatusCallback = %q", got)
			}
			if f.Get("To") != tt.msg.To || f.Get("From") != tt.msg.From || f.Get("Body") != tt.msg.Body {
				t.Errorf("form = %v", f)
			}
			if got := f["MediaUrl"]; len(got) != len(tt.msg.Media) {
				t.Errorf("MediaUrl = %v, want %v", got, tt.msg.Media)
			}
		})
	}
}

// twilioError answers every request with status, body and the header's
// name-value pairs, as Twilio answers an error.
func twilioError(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestSendErrors: Twilio's error answers become carriers.Error with the
// kind, code, shared reason and Retry-After the gateway needs.
func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		kind       error
		code       string
		reason     carriers.Reason
		retryAfter time.Duration
		timeout    time.Duration
		closeSrv   bool
	}{
		{name: "opted out", handler: twilioError(400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}`), kind: carriers.ErrRejected, code: "21610", reason: carriers.ReasonOptedOut},
		{name: "bad number", handler: twilioError(400, `{"code":21211,"message":"Invalid 'To' Phone Number","status":400}`), kind: carriers.ErrRejected, code: "21211", reason: carriers.ReasonInvalid},
		{name: "not a mobile number", handler: twilioError(400, `{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`), kind: carriers.ErrRejected, code: "21614", reason: carriers.ReasonInvalid},
		{name: "unregistered sender", handler: twilioError(400, `{"code":30034,"message":"Message from an Unregistered Number","status":400}`), kind: carriers.ErrRejected, code: "30034", reason: carriers.ReasonUnregistered},
		{name: "other 4xx", handler: twilioError(400, `{"code":21602,"message":"Message body is required","status":400}`), kind: carriers.ErrRejected, code: "21602"},
		{name: "rate limited", handler: twilioError(429, `{"code":20429,"message":"Too Many Requests","status":429}`, "Retry-After", "7"), kind: carriers.ErrUnavailable, code: "20429", reason: carriers.ReasonRateLimited, retryAfter: 7 * time.Second},
		{name: "rate limited without Retry-After", handler: twilioError(429, `{"code":20429,"message":"Too Many Requests","status":429}`), kind: carriers.ErrUnavailable, code: "20429", reason: carriers.ReasonRateLimited},
		{name: "rate limited, unreadable body", handler: twilioError(429, `<html>slow down</html>`, "Retry-After", "3"), kind: carriers.ErrUnavailable, retryAfter: 3 * time.Second},
		{name: "Retry-After outside a 429", handler: twilioError(503, `{"code":20500,"message":"Service Unavailable","status":503}`, "Retry-After", "3"), kind: carriers.ErrUnavailable, code: "20500"},
		{name: "server error", handler: twilioError(500, `{"code":20500,"message":"Internal Server Error","status":500}`), kind: carriers.ErrUnavailable, code: "20500"},
		{name: "garbage", handler: twilioError(502, `<html>bad gateway</html>`), kind: carriers.ErrUnavailable},
		{name: "error text naming the account", handler: twilioError(404, `{"code":20404,"message":"The requested resource /2010-04-01/Accounts/`+testSID+`/Messages.json was not found","status":404}`), kind: carriers.ErrRejected, code: "20404"},
		{name: "no sid", handler: twilioError(201, `{"status":"queued"}`), kind: carriers.ErrUnavailable},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, kind: carriers.ErrUnavailable, timeout: 200 * time.Millisecond},
		{name: "refused", handler: twilioError(200, "{}"), kind: carriers.ErrUnavailable, closeSrv: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			if tt.closeSrv {
				srv.Close()
			}
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL, PublicURL: "https://gw.example.org", Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "x"})
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error = %v, want %v", err, tt.kind)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tt.code || ce.Reason != tt.reason || ce.RetryAfter != tt.retryAfter {
				t.Fatalf("error = %#v, want code %q, reason %q, retry after %v", err, tt.code, tt.reason, tt.retryAfter)
			}
			if bytes.Contains([]byte(err.Error()), []byte(testToken)) || bytes.Contains([]byte(err.Error()), []byte(testSID)) {
				t.Fatalf("error leaks credentials: %v", err)
			}
		})
	}
}

// TestSendGroup: Twilio's Messaging API has no group MMS; a message to
// several numbers is refused before any request is made.
func TestSendGroup(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL, PublicURL: "https://gw.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Cc: []string{"+12015550124"}, Body: "hi all"})
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrRejected) || !errors.As(err, &ce) || ce.Message != "Twilio cannot send group texts (MMS to several numbers)" {
		t.Fatalf("error = %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("made %d requests", n)
	}
	if c.Limits().Group() {
		t.Error("Limits().Group() = true")
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		want float64
	}{
		{"default rate", 0, 1},
		{"toll-free rate", 3, 3},
		{"negative rate", -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, PerNumberRate: tt.rate})
			if err != nil {
				t.Fatal(err)
			}
			l := c.Limits()
			if l.MaxBodyChars != 1600 || l.MaxMedia != 10 || l.MaxMediaBytes != 5_000_000 || l.MaxRecipients != 1 || !l.Delivery || l.PerNumber != tt.want {
				t.Errorf("Limits = %+v", l)
			}
			for _, typ := range []string{"image/jpeg", "image/png", "image/gif", "audio/*", "video/*", "text/vcard", "application/pdf"} {
				if !slices.Contains(l.MediaTypes, typ) {
					t.Errorf("MediaTypes %v lacks %s", l.MediaTypes, typ)
				}
			}
			if slices.Contains(l.MediaTypes, "image/webp") || slices.Contains(l.MediaTypes, "image/*") {
				t.Errorf("MediaTypes %v takes WebP, which Twilio sends on WhatsApp only", l.MediaTypes)
			}
		})
	}
}

func TestSendHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL, PublicURL: "https://gw.example.org"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Send(ctx, carriers.Message{From: "+12015550100", To: "+12015550123", Body: "x"}); !errors.Is(err, carriers.ErrUnavailable) {
		t.Fatalf("error = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Send ignored its context") // a generous bound: the default timeout is 15s
	}
}
