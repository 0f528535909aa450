package bandwidth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// recorder keeps the requests it forwards and the answers' statuses.
type recorder struct {
	mu     sync.Mutex
	reqs   []string // "METHOD /path"
	bodies [][]byte
	auth   []string
	status []int
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	res, err := r.next.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.EscapedPath())
	r.bodies = append(r.bodies, body)
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	if res != nil {
		r.status = append(r.status, res.StatusCode)
	} else {
		r.status = append(r.status, 0)
	}
	return res, err
}

func (r *recorder) last() (req string, body []byte, auth string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.reqs) - 1
	return r.reqs[n], r.bodies[n], r.auth[n], r.status[n]
}

// testSend sends to Prism serving Bandwidth's own API
// definition, which answers 202 only to a request that matches
// createMessage (path, Basic auth, MessageRequest body).
func testSend(t *testing.T, prism *carriertest.Prism) {
	rec := &recorder{next: &http.Transport{DisableKeepAlives: true}}
	set := testSettings(prism.URL)
	set.Transport = rec
	c := newTest(t, set)
	tests := []struct {
		name string
		msg  carriers.Message
	}{
		{"sms", carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hello", Key: "job-1"}},
		{"unicode", carriers.Message{From: "+12015550100", To: "+12015550123", Body: "héllo ünïcode 👋🏽 中文", Key: "job-2"}},
		{"longest body", carriers.Message{From: "+12015550100", To: "+12015550123", Body: strings.Repeat("é", MaxBody)}},
		{"mms", carriers.Message{From: "+12015550100", To: "+12015550123", Body: "pics", Media: []carriers.Media{{URL: "https://files.example.org/a.jpg"}, {URL: "https://files.example.org/b.png"}}}},
		{"media only", carriers.Message{From: "+12015550100", To: "+12015550123", Media: []carriers.Media{{URL: "https://files.example.org/a.jpg"}}}},
		{"group", carriers.Message{From: "+12015550100", To: "+12015550123", Cc: []string{"+12015550124", "+12015550125"}, Body: "hi all", Key: "job-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := c.Send(context.Background(), tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if id == "" {
				t.Fatal("Send returned no message id")
			}
			req, body, auth, status := rec.last()
			if req != "POST /api/v2/users/"+testAccount+"/messages" || status != http.StatusAccepted {
				t.Fatalf("request %s answered %d", req, status)
			}
			if !strings.HasPrefix(auth, "Basic ") {
				t.Errorf("Authorization = %q", auth)
			}
			var got messageRequest
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			want := messageRequest{ApplicationID: testApp, To: tt.msg.Recipients(), From: tt.msg.From, Text: tt.msg.Body, Tag: tt.msg.Key}
			for _, m := range tt.msg.Media {
				want.Media = append(want.Media, m.URL)
			}
			if got.ApplicationID != want.ApplicationID || !slices.Equal(got.To, want.To) || got.From != want.From ||
				got.Text != want.Text || !slices.Equal(got.Media, want.Media) || got.Tag != want.Tag {
				t.Errorf("body = %s, want %+v", body, want)
			}
		})
	}
}

// testSpecValidates proves the oracle checks requests: Prism refuses what
// does not match the definition, and the adapter reports it as a rejection.
func testSpecValidates(t *testing.T, prism *carriertest.Prism) {
	tests := []struct {
		name string
		set  func(*Settings)
		msg  carriers.Message
	}{
		{"body over messageText's maxLength", nil, carriers.Message{From: "+12015550100", To: "+12015550123", Body: strings.Repeat("a", MaxBody+1)}},
		{"media not a uri", nil, carriers.Message{From: "+12015550100", To: "+12015550123", Media: []carriers.Media{{URL: "not a uri"}}}},
		{"group to a number twice (to is uniqueItems)", nil, carriers.Message{From: "+12015550100", To: "+12015550123", Cc: []string{"+12015550123"}, Body: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{next: &http.Transport{DisableKeepAlives: true}}
			set := testSettings(prism.URL)
			set.Transport = rec
			if tt.set != nil {
				tt.set(&set)
			}
			c := newTest(t, set)
			_, err := c.Send(context.Background(), tt.msg)
			if !errors.Is(err, carriers.ErrRejected) {
				t.Fatalf("Send error = %v, want a rejection", err)
			}
			if _, _, _, status := rec.last(); status < 400 || status >= 500 {
				t.Fatalf("Prism answered %d", status)
			}
		})
	}
}

// TestSendErrors: Bandwidth's error answers become carriers.Error with the
// kind, type, description and Retry-After the gateway needs.
func TestSendErrors(t *testing.T) {
	answer := func(status int, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		kind       error
		code       string
		msg        string
		reason     carriers.Reason
		retryAfter time.Duration
		timeout    time.Duration
		closeSrv   bool
	}{
		{name: "bad request", handler: answer(400, `{"type":"request-validation","description":"Your request could not be accepted","fieldErrors":[{"fieldName":"to","description":"'+1' must be a valid E164 number"}]}`),
			kind: carriers.ErrRejected, code: "request-validation", msg: "Your request could not be accepted; to: '+1' must be a valid E164 number"},
		{name: "unauthorized", handler: answer(401, `{"type":"unauthorized","description":"Authentication Failed"}`), kind: carriers.ErrRejected, code: "unauthorized", msg: "Authentication Failed"},
		{name: "forbidden", handler: answer(403, `{"type":"forbidden","description":"Access Denied"}`), kind: carriers.ErrRejected, code: "forbidden", msg: "Access Denied"},
		{name: "not found, other shape", handler: answer(404, `{"status":404,"error":"Not Found"}`), kind: carriers.ErrRejected, msg: "Bandwidth answered 404 Not Found"},
		{name: "rate limited", handler: answer(429, `{"type":"max-message-queue-size-exceeded","description":"The SMS queue for your account is full"}`, "Retry-After", "7"),
			kind: carriers.ErrUnavailable, code: "max-message-queue-size-exceeded", msg: "The SMS queue for your account is full", reason: carriers.ReasonRateLimited, retryAfter: 7 * time.Second},
		{name: "rate limited without Retry-After", handler: answer(429, `{"type":"too-many-requests","description":"slow down"}`), kind: carriers.ErrUnavailable, code: "too-many-requests", msg: "slow down", reason: carriers.ReasonRateLimited},
		{name: "Retry-After outside a 429", handler: answer(503, `<html>busy</html>`, "Retry-After", "3"), kind: carriers.ErrUnavailable, msg: "Bandwidth answered 503 Service Unavailable"},
		{name: "server error", handler: answer(500, `{"type":"internal-server-error","description":"oops"}`), kind: carriers.ErrUnavailable, code: "internal-server-error", msg: "oops"},
		{name: "no id", handler: answer(202, `{"owner":"+12015550100"}`), kind: carriers.ErrUnavailable, msg: "Bandwidth answered without a message id"},
		{name: "not json", handler: answer(202, `<html>`), kind: carriers.ErrUnavailable, msg: "Bandwidth's answer is not the JSON its definition gives"},
		{name: "wrong success status", handler: answer(200, `{"id":"x"}`), kind: carriers.ErrUnavailable, msg: "Bandwidth answered 200 OK"},
		{name: "redirect not followed", handler: answer(302, ``, "Location", "https://elsewhere.example.org/"), kind: carriers.ErrUnavailable, msg: "Bandwidth answered 302 Found"},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, kind: carriers.ErrUnavailable, timeout: 200 * time.Millisecond},
		{name: "refused", handler: answer(202, `{}`), kind: carriers.ErrUnavailable, closeSrv: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			if tt.closeSrv {
				srv.Close()
			}
			set := testSettings(srv.URL)
			set.Timeout = tt.timeout
			c := newTest(t, set)
			_, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "x"})
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error = %v, want %v", err, tt.kind)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tt.code || ce.Reason != tt.reason || ce.RetryAfter != tt.retryAfter || (tt.msg != "" && ce.Message != tt.msg) {
				t.Fatalf("error = %#v, want code %q, message %q, reason %q, retry after %v", err, tt.code, tt.msg, tt.reason, tt.retryAfter)
			}
			for _, secret := range []string{testPass, testAccount} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks %q: %v", secret, err)
				}
			}
		})
	}
}

// TestSendTooManyRecipients: a group over Bandwidth's size is refused before
// any request.
func TestSendTooManyRecipients(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c := newTest(t, testSettings(srv.URL))
	cc := make([]string, MaxRecipients)
	for i := range cc {
		cc[i] = "+1201555020" + string(rune('0'+i))
	}
	_, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Cc: cc, Body: "x"})
	if !errors.Is(err, carriers.ErrRejected) {
		t.Fatalf("error = %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("made %d requests", n)
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
			set := testSettings("")
			set.PerNumberRate = tt.rate
			l := newTest(t, set).Limits()
			if l.MaxBodyChars != 2048 || l.MaxMedia != 10 || l.MaxMediaBytes != 3_750_000 || l.MaxRecipients != 9 || !l.Group() || !l.Delivery || l.PerNumber != tt.want {
				t.Errorf("Limits = %+v", l)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Settings)
		ok   bool
	}{
		{"valid", func(*Settings) {}, true},
		{"default api", func(s *Settings) { s.APIURL = "" }, true},
		{"api with a path", func(s *Settings) { s.APIURL = "https://messaging.bandwidth.com/api" }, false},
		{"api with credentials", func(s *Settings) { s.APIURL = "https://u:p@messaging.bandwidth.com" }, false},
		{"no account", func(s *Settings) { s.AccountID = "" }, false},
		{"no application", func(s *Settings) { s.ApplicationID = "" }, false},
		{"no callback password", func(s *Settings) { s.CallbackPassword = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := testSettings("https://messaging.bandwidth.com")
			tt.set(&set)
			_, err := New(set)
			if (err == nil) != tt.ok {
				t.Fatalf("New error = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
