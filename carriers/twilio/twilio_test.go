package twilio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
)

// recorder keeps the form bodies of the requests it forwards.
type recorder struct {
	mu    sync.Mutex
	forms []url.Values
	next  http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	f, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.forms = append(r.forms, f)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) last() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forms[len(r.forms)-1]
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

// TestSendWrongCredentialsAgainstSpec: Prism refuses a request without the
// Basic auth the definition demands; the adapter reports a rejection.
func TestSendErrors(t *testing.T) {
	twilioError := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		kind     error
		code     string
		timeout  time.Duration
		closeSrv bool
	}{
		{name: "opted out", handler: twilioError(400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}`), kind: carriers.ErrRejected, code: "21610"},
		{name: "bad number", handler: twilioError(400, `{"code":21211,"message":"Invalid 'To' Phone Number","status":400}`), kind: carriers.ErrRejected, code: "21211"},
		{name: "rate limited", handler: twilioError(429, `{"code":20429,"message":"Too Many Requests","status":429}`), kind: carriers.ErrUnavailable, code: "20429"},
		{name: "server error", handler: twilioError(500, `{"code":20500,"message":"Internal Server Error","status":500}`), kind: carriers.ErrUnavailable, code: "20500"},
		{name: "garbage", handler: twilioError(502, `<html>bad gateway</html>`), kind: carriers.ErrUnavailable},
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
			if !errors.As(err, &ce) || ce.Code != tt.code {
				t.Fatalf("error = %#v, want code %q", err, tt.code)
			}
			if bytes.Contains([]byte(err.Error()), []byte(testToken)) || bytes.Contains([]byte(err.Error()), []byte(testSID)) {
				t.Fatalf("error leaks credentials: %v", err)
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
