package telnyx

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	testKey     = "KEY0123456789abcdef"
	testProfile = "abc85f64-5717-4562-b3fc-2c9600000000"
	public      = "https://gw.example.org:8443"
)

// recorded is one request as the recorder saw it.
type recorded struct {
	Method, Path, Auth, ContentType string
	Body                            map[string]any
}

// recorder is an HTTP server that records every request and answers as
// Telnyx does when it takes a message.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		rec := recorded{Method: req.Method, Path: req.URL.Path, Auth: req.Header.Get("Authorization"), ContentType: req.Header.Get("Content-Type")}
		if err := json.Unmarshal(b, &rec.Body); err != nil {
			t.Errorf("recorder: body %q: %v", b, err)
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, rec)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"record_type":"message","id":"40385f64-5717-4562-b3fc-2c963f66afa6","type":"SMS"}}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func newTestCarrier(t testing.TB, api string, key ed25519.PublicKey) *Carrier {
	t.Helper()
	if key == nil {
		key = make(ed25519.PublicKey, ed25519.PublicKeySize)
	}
	c, err := New(Settings{APIKey: testKey, MessagingProfileID: testProfile, PublicKey: key, APIURL: api, PublicURL: public, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSendMatchesSDK sends the same messages through Telnyx's official
// Node SDK and through the adapter to one recorder, and requires the same
// method, path, Authorization, Content-Type and JSON fields; and that every
// field the adapter sends is one the SDK declares for that call.
func TestSendMatchesSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the npm telnyx package (skipped with -short)")
	}
	rec := newRecorder(t)
	c := newTestCarrier(t, rec.URL, nil)
	media := []carriers.Media{{URL: "https://gw.example.org/media/a.jpg", Type: "image/jpeg"}, {URL: "https://gw.example.org/media/b.png"}}
	tests := []struct {
		name   string
		msg    carriers.Message
		group  bool
		params map[string]any
	}{
		{
			name: "sms",
			msg:  carriers.Message{From: "+13125550001", To: "+13125550002", Body: "héllo 👋 & goodbye"},
			params: map[string]any{"from": "+13125550001", "to": "+13125550002", "text": "héllo 👋 & goodbye",
				"messaging_profile_id": testProfile, "webhook_url": public + "/telnyx/webhook"},
		},
		{
			name: "mms",
			msg:  carriers.Message{From: "+13125550001", To: "+13125550002", Body: "pics", Media: media},
			params: map[string]any{"from": "+13125550001", "to": "+13125550002", "text": "pics",
				"media_urls":           []string{media[0].URL, media[1].URL},
				"messaging_profile_id": testProfile, "webhook_url": public + "/telnyx/webhook"},
		},
		{
			name: "mms without text",
			msg:  carriers.Message{From: "+13125550001", To: "+13125550002", Media: media[:1]},
			params: map[string]any{"from": "+13125550001", "to": "+13125550002", "media_urls": []string{media[0].URL},
				"messaging_profile_id": testProfile, "webhook_url": public + "/telnyx/webhook"},
		},
		{
			name:  "group mms",
			msg:   carriers.Message{From: "+13125550001", To: "+13125550002", Cc: []string{"+13125550003", "+13125550004"}, Body: "all of us", Media: media[:1]},
			group: true,
			params: map[string]any{"from": "+13125550001", "to": []string{"+13125550002", "+13125550003", "+13125550004"},
				"text": "all of us", "media_urls": []string{media[0].URL}, "webhook_url": public + "/telnyx/webhook"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(rec.requests())
			carriertest.TelnyxSend(t, rec.URL+"/v2", testKey, tt.group, tt.params)
			id, err := c.Send(context.Background(), tt.msg)
			if err != nil || id != "40385f64-5717-4562-b3fc-2c963f66afa6" {
				t.Fatalf("Send = %q, %v", id, err)
			}
			reqs := rec.requests()[n:]
			if len(reqs) != 2 {
				t.Fatalf("recorded %d requests, want 2", len(reqs))
			}
			sdk, ours := reqs[0], reqs[1]
			if !reflect.DeepEqual(sdk, ours) {
				t.Errorf("requests differ:\n SDK     %+v\n adapter %+v", sdk, ours)
			}
			if ours.Auth != "Bearer "+testKey || ours.Method != http.MethodPost {
				t.Errorf("adapter request = %+v", ours)
			}
			call := "MessageSendParams"
			if tt.group {
				call = "MessageSendGroupMmsParams"
			}
			declared, required := sdkParams(t, call)
			for k := range ours.Body {
				if !slices.Contains(declared, k) {
					t.Errorf("adapter sends %q, which the SDK's %s does not declare (%v)", k, call, declared)
				}
			}
			for _, k := range required {
				if _, ok := ours.Body[k]; !ok {
					t.Errorf("adapter leaves out %q, which the SDK's %s requires", k, call)
				}
			}
		})
	}
}

// sdkParams reads the properties of one of the SDK's parameter interfaces
// from its type declarations: all of them, and the required ones.
func sdkParams(t *testing.T, name string) (declared, required []string) {
	t.Helper()
	return sdkParamsIn(t, filepath.Join("messages", "messages.d.ts"), name)
}

// interfaceProps reads the properties of the interface name in the type
// declarations src.
func interfaceProps(t *testing.T, src, name string) (declared, required []string) {
	t.Helper()
	start := strings.Index(src, "export interface "+name+" {")
	if start < 0 {
		t.Fatalf("the SDK declares no %s", name)
	}
	end := strings.Index(src[start:], "\n}")
	block := src[start : start+end]
	for _, m := range regexp.MustCompile(`(?m)^    (\w+)(\??):`).FindAllStringSubmatch(block, -1) {
		declared = append(declared, m[1])
		if m[2] == "" {
			required = append(required, m[1])
		}
	}
	if len(declared) == 0 {
		t.Fatalf("read no properties of %s", name)
	}
	return declared, required
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		kind       error
		code       string
		reason     carriers.Reason
		retryAfter time.Duration
		text       string
	}{
		{name: "opted out", status: 409, body: `{"errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"Messages cannot be sent from '+13125550001' to '+13125550002' due to an existing block rule."}]}`,
			kind: carriers.ErrRejected, code: "40300", reason: carriers.ReasonOptedOut, text: "Blocked due to STOP message"},
		{name: "invalid number, numeric code", status: 400, body: `{"errors":[{"code":10002,"title":"Invalid phone number"}]}`,
			kind: carriers.ErrRejected, code: "10002", reason: carriers.ReasonInvalid, text: "Invalid phone number"},
		{name: "auth", status: 401, body: `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The required authentication headers were either invalid or not included in the request."}]}`,
			kind: carriers.ErrRejected, code: "10009", text: "Authentication failed"},
		{name: "no body", status: 422, body: ``, kind: carriers.ErrRejected, text: "HTTP 422"},
		{name: "too many requests", status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"errors":[{"code":"10011","title":"Too many requests"}]}`,
			kind: carriers.ErrUnavailable, code: "10011", reason: carriers.ReasonRateLimited, retryAfter: 7 * time.Second},
		{name: "too many requests, no code", status: 429, header: map[string]string{"Retry-After": "99999999999999999999999"},
			kind: carriers.ErrUnavailable, reason: carriers.ReasonRateLimited, retryAfter: time.Hour},
		{name: "server error", status: 500, body: `{"errors":[{"code":"10007","title":"Unexpected error"}]}`, kind: carriers.ErrUnavailable, code: "10007"},
		{name: "bad gateway html", status: 502, body: `<html>bad gateway</html>`, kind: carriers.ErrUnavailable, text: "HTTP 502"},
		{name: "ok without id", status: 200, body: `{"data":{}}`, kind: carriers.ErrUnavailable},
		{name: "ok malformed", status: 200, body: `{"data":`, kind: carriers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			_, err := newTestCarrier(t, srv.URL, nil).Send(context.Background(), carriers.Message{From: "+13125550001", To: "+13125550002", Body: "x"})
			var e *carriers.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if e.Code != tt.code || e.Reason != tt.reason || e.RetryAfter != tt.retryAfter || !strings.Contains(e.Message, tt.text) {
				t.Errorf("error = %+v", e)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error text carries the API key: %v", err)
			}
		})
	}
}

func TestSendUnreachable(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	c, err := New(Settings{APIKey: testKey, MessagingProfileID: testProfile, PublicKey: make(ed25519.PublicKey, 32), APIURL: slow.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), carriers.Message{From: "+13125550001", To: "+13125550002", Body: "x"}); !errors.Is(err, carriers.ErrUnavailable) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("timeout: err = %v", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := newTestCarrier(t, closed.URL, nil).Send(context.Background(), carriers.Message{From: "+13125550001", To: "+13125550002", Body: "x"}); !errors.Is(err, carriers.ErrUnavailable) {
		t.Errorf("refused connection: err = %v", err)
	}
}

func TestLimits(t *testing.T) {
	c := newTestCarrier(t, "", nil)
	l := c.Limits()
	if l.MaxBodyChars != 1600 || l.MaxMedia != 10 || l.MaxMediaBytes != 1000*1000 || l.MaxRecipients != 8 || !l.Group() || !l.Delivery || l.PerNumber != 1 {
		t.Errorf("limits = %+v", l)
	}
	c, _ = New(Settings{PublicKey: make(ed25519.PublicKey, 32), PerNumberRate: 3})
	if c.Limits().PerNumber != 3 {
		t.Errorf("PerNumber = %v", c.Limits().PerNumber)
	}
	// A group over Telnyx's eight destinations is refused before any request.
	rec := newRecorder(t)
	cc := []string{"+13125550003", "+13125550004", "+13125550005", "+13125550006", "+13125550007", "+13125550008", "+13125550009", "+13125550010"}
	_, err := newTestCarrier(t, rec.URL, nil).Send(context.Background(), carriers.Message{From: "+13125550001", To: "+13125550002", Cc: cc, Body: "x"})
	if !errors.Is(err, carriers.ErrRejected) || len(rec.requests()) != 0 {
		t.Errorf("nine recipients: err = %v, %d requests", err, len(rec.requests()))
	}
}

func TestNew(t *testing.T) {
	for _, api := range []string{"ftp://x", "http://x/v2", "http://u:p@x", "://"} {
		if _, err := New(Settings{PublicKey: make(ed25519.PublicKey, 32), APIURL: api}); !errors.Is(err, errBadAPIURL) {
			t.Errorf("api %q: err = %v", api, err)
		}
	}
	if _, err := New(Settings{PublicKey: make(ed25519.PublicKey, 31)}); !errors.Is(err, errBadPublicKey) {
		t.Errorf("short key: err = %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"12", 12 * time.Second}, {" 3 ", 3 * time.Second}, {"-1", 0}, {"1.5", 0}, {"soon", 0},
		{"86400", time.Hour}, {"99999999999999999999", time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := api.RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
