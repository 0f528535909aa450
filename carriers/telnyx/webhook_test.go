package telnyx

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// Webhook bodies in Telnyx's format (the SDK's InboundMessagePayload and
// OutboundMessagePayload inside the event envelope).
const (
	inboundSMS      = `{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2026-11-30T12:00:00.000+00:00","payload":{"direction":"inbound","errors":[],"from":{"carrier":"T-Mobile USA","line_type":"long_code","phone_number":"+13125550002","status":"webhook_delivered"},"id":"84cca175-9755-4859-b67f-4730d7f58aa3","media":[],"messaging_profile_id":"abc85f64-5717-4562-b3fc-2c9600000000","parts":1,"record_type":"message","text":"héllo | \"quoted\" 👋","to":[{"carrier":"Telnyx","line_type":"Wireless","phone_number":"+13125550001","status":"webhook_delivered"}],"type":"SMS"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://gw.example.org/telnyx/webhook"}}`
	inboundGroupMMS = `{"data":{"event_type":"message.received","id":"e1","payload":{"direction":"inbound","from":{"phone_number":"+13125550002"},"id":"m-group","media":[{"content_type":"image/jpeg","hash_sha256":"00","size":1234,"url":"https://media.telnyx.com/a.jpg"},{"content_type":"video/mp4","url":"https://media.telnyx.com/b.mp4"}],"text":"","to":[{"phone_number":"+13125550001"},{"phone_number":"+13125550003"}],"cc":[{"phone_number":"+13125550004"},{"phone_number":"+13125550003"}],"type":"MMS"},"record_type":"event"}}`
	finalizedOptOut = `{"data":{"event_type":"message.finalized","id":"e2","payload":{"direction":"outbound","errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"Messages cannot be sent from +13125550001 to +13125550002 due to an existing block rule."}],"from":{"phone_number":"+13125550001"},"id":"40385f64-5717-4562-b3fc-2c963f66afa6","to":[{"phone_number":"+13125550002","status":"delivery_failed"}],"type":"SMS"},"record_type":"event"}}`
	sentEvent       = `{"data":{"event_type":"message.sent","id":"e3","payload":{"direction":"outbound","errors":[],"id":"40385f64-5717-4562-b3fc-2c963f66afa6","to":[{"phone_number":"+13125550002","status":"sent"}]},"record_type":"event"}}`
)

// signer signs webhooks in Go, for tests that run under -short and for
// fuzzing; TestWebhookSignedByNode checks the same path with Node's
// signatures and the SDK's verdict.
type signer struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newSigner(t testing.TB) signer {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return signer{pub, priv}
}

func (s signer) sign(ts, body string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, []byte(ts+"|"+body)))
}

func postWebhook(h http.Handler, body, sig, ts string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/telnyx/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("telnyx-signature-ed25519", sig)
	}
	if ts != "" {
		req.Header.Set("telnyx-timestamp", ts)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func now() string { return strconv.FormatInt(time.Now().Unix(), 10) }

// TestWebhookSignedByNode signs fixtures with Node's Ed25519, requires the
// Telnyx SDK to accept the fresh ones and refuse the old one, then the
// adapter to agree and deliver what the fresh ones carry.
func TestWebhookSignedByNode(t *testing.T) {
	ts, old := now(), strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	key, signed := carriertest.TelnyxSign(t,
		carriertest.TelnyxFixture{Timestamp: ts, Body: inboundSMS},
		carriertest.TelnyxFixture{Timestamp: ts, Body: inboundGroupMMS},
		carriertest.TelnyxFixture{Timestamp: ts, Body: finalizedOptOut},
		carriertest.TelnyxFixture{Timestamp: old, Body: inboundSMS},
	)
	for i, want := range []string{"ok", "ok", "ok", "too old"} {
		if !strings.Contains(signed[i].SDK, want) {
			t.Fatalf("fixture %d: SDK says %q, want %q", i, signed[i].SDK, want)
		}
	}
	pub, err := publicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	rec := &carriertest.Receiver{}
	h := newTestCarrier(t, "", pub).Handler(rec)
	for i, body := range []string{inboundSMS, inboundGroupMMS, finalizedOptOut} {
		if w := postWebhook(h, body, signed[i].Signature, ts); w.Code != http.StatusNoContent {
			t.Fatalf("fixture %d: got %d %s", i, w.Code, w.Body)
		}
	}
	if w := postWebhook(h, inboundSMS, signed[3].Signature, old); w.Code != http.StatusForbidden {
		t.Errorf("old timestamp: got %d", w.Code)
	}
	msgs, sts := rec.Messages(), rec.Statuses()
	if len(msgs) != 2 || len(sts) != 1 {
		t.Fatalf("delivered %d messages, %d statuses", len(msgs), len(sts))
	}
	if m := msgs[0]; m.ID != "84cca175-9755-4859-b67f-4730d7f58aa3" || m.From != "+13125550002" || m.To != "+13125550001" ||
		m.Body != "héllo | \"quoted\" 👋" || len(m.Cc) != 0 || len(m.Media) != 0 || m.Carrier != Name {
		t.Errorf("sms = %+v", m)
	}
	if m := msgs[1]; m.To != "+13125550001" || fmt.Sprint(m.Cc) != "[+13125550003 +13125550004]" || len(m.Media) != 2 ||
		m.Media[0] != (carriers.Media{URL: "https://media.telnyx.com/a.jpg", Type: "image/jpeg"}) || m.Media[1].Type != "video/mp4" {
		t.Errorf("group mms = %+v", m)
	}
	if s := sts[0]; s.ID != "40385f64-5717-4562-b3fc-2c963f66afa6" || s.State != carriers.StateFailed || s.ErrorCode != "40300" ||
		s.Reason != carriers.ReasonOptedOut || !strings.HasPrefix(s.ErrorText, "Blocked due to STOP message") || s.Carrier != Name {
		t.Errorf("status = %+v", s)
	}
}

func TestWebhookRefusals(t *testing.T) {
	s, other := newSigner(t), newSigner(t)
	ts := now()
	tests := []struct {
		name, body, sig, ts string
		recvErr             error
		want                int
		delivered           int
	}{
		{name: "good", body: inboundSMS, sig: s.sign(ts, inboundSMS), ts: ts, want: 204, delivered: 1},
		{name: "unsigned", body: inboundSMS, ts: ts, want: 403},
		{name: "no timestamp", body: inboundSMS, sig: s.sign(ts, inboundSMS), want: 403},
		{name: "forged: another key", body: inboundSMS, sig: other.sign(ts, inboundSMS), ts: ts, want: 403},
		{name: "tampered body", body: strings.Replace(inboundSMS, "+13125550002", "+13125550009", 1), sig: s.sign(ts, inboundSMS), ts: ts, want: 403},
		{name: "timestamp moved", body: inboundSMS, sig: s.sign(ts, inboundSMS), ts: strconv.FormatInt(time.Now().Unix()+1, 10), want: 403},
		{name: "replayed: 6 minutes old", body: inboundSMS, sig: s.sign(ago(6*time.Minute), inboundSMS), ts: ago(6 * time.Minute), want: 403},
		{name: "from the future", body: inboundSMS, sig: s.sign(ago(-6*time.Minute), inboundSMS), ts: ago(-6 * time.Minute), want: 403},
		{name: "4 minutes old", body: inboundSMS, sig: s.sign(ago(4*time.Minute), inboundSMS), ts: ago(4 * time.Minute), want: 204, delivered: 1},
		{name: "signed timestamp with sign", body: inboundSMS, sig: s.sign("+"+ts, inboundSMS), ts: "+" + ts, want: 403},
		{name: "signature not base64", body: inboundSMS, sig: "!!!", ts: ts, want: 403},
		{name: "signature short", body: inboundSMS, sig: base64.StdEncoding.EncodeToString([]byte("short")), ts: ts, want: 403},
		{name: "signed, not json", body: "{", sig: s.sign(ts, "{"), ts: ts, want: 400},
		{name: "signed, no data", body: `{"meta":{}}`, sig: s.sign(ts, `{"meta":{}}`), ts: ts, want: 400},
		{name: "signed, inbound without from", body: `{"data":{"event_type":"message.received","payload":{"id":"x","to":[{"phone_number":"+1"}]}}}`,
			sig: s.sign(ts, `{"data":{"event_type":"message.received","payload":{"id":"x","to":[{"phone_number":"+1"}]}}}`), ts: ts, want: 400},
		{name: "signed, unknown event", body: `{"data":{"event_type":"number_order.complete","payload":{}}}`,
			sig: s.sign(ts, `{"data":{"event_type":"number_order.complete","payload":{}}}`), ts: ts, want: 204},
		{name: "gateway down", body: inboundSMS, sig: s.sign(ts, inboundSMS), ts: ts, recvErr: errors.New("redis down"), want: 503},
		{name: "nobody's number", body: inboundSMS, sig: s.sign(ts, inboundSMS), ts: ts, recvErr: carriers.ErrUnknownNumber, want: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &carriertest.Receiver{Err: tt.recvErr}
			h := newTestCarrier(t, "", s.pub).Handler(rec)
			if w := postWebhook(h, tt.body, tt.sig, tt.ts); w.Code != tt.want {
				t.Errorf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if n := len(rec.Messages()) + len(rec.Statuses()); n != tt.delivered {
				t.Errorf("delivered %d, want %d", n, tt.delivered)
			}
		})
	}
}

func ago(d time.Duration) string { return strconv.FormatInt(time.Now().Add(-d).Unix(), 10) }

func TestWebhookLimits(t *testing.T) {
	s := newSigner(t)
	rec := &carriertest.Receiver{}
	h := newTestCarrier(t, "", s.pub).Handler(rec)
	ts := now()
	big := `{"data":{"event_type":"message.received","payload":{"text":"` + strings.Repeat("a", maxWebhook) + `"}}}`
	if w := postWebhook(h, big, s.sign(ts, big), ts); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: got %d", w.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/telnyx/webhook", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: got %d", w.Code)
	}
	var media strings.Builder
	for i := range 12 {
		fmt.Fprintf(&media, `%s{"url":"https://media.telnyx.com/%d.jpg","content_type":"image/jpeg"}`, map[bool]string{true: ",", false: ""}[i > 0], i)
	}
	many := `{"data":{"event_type":"message.received","payload":{"id":"m","from":{"phone_number":"+13125550002"},"to":[{"phone_number":"+13125550001"}],"media":[` + media.String() + `]}}}`
	if w := postWebhook(h, many, s.sign(ts, many), ts); w.Code != http.StatusNoContent {
		t.Fatalf("twelve media: got %d", w.Code)
	}
	if n := len(rec.Messages()[0].Media); n != MaxMedia {
		t.Errorf("read %d media, want %d", n, MaxMedia)
	}
	// A tolerance of its own.
	c, _ := New(Settings{PublicKey: s.pub, Tolerance: 30 * time.Second})
	old := ago(time.Minute)
	if w := postWebhook(c.Handler(rec), inboundSMS, s.sign(old, inboundSMS), old); w.Code != http.StatusForbidden {
		t.Errorf("tolerance 30s, a minute old: got %d", w.Code)
	}
}

// TestStatuses maps every recipient status of the SDK's payload types,
// one recipient and groups.
func TestStatuses(t *testing.T) {
	tests := []struct {
		to     []string
		errors string
		want   carriers.State
		reason carriers.Reason
	}{
		{to: []string{"queued"}, want: carriers.StateQueued},
		{to: []string{"sending"}, want: carriers.StateQueued},
		{to: []string{"scheduled"}, want: carriers.StateQueued},
		{to: []string{"sent"}, want: carriers.StateSent},
		{to: []string{"delivery_unconfirmed"}, want: carriers.StateSent},
		{to: []string{"delivered"}, want: carriers.StateDelivered},
		{to: []string{"read"}, want: carriers.StateDelivered},
		{to: []string{"webhook_delivered"}, want: carriers.StateDelivered},
		{to: []string{"sending_failed"}, errors: `[{"code":"40012","title":"Invalid destination number"}]`, want: carriers.StateFailed, reason: carriers.ReasonInvalid},
		{to: []string{"delivery_failed"}, errors: `[{"code":"40002","title":"Blocked as spam - temporary"}]`, want: carriers.StateFailed, reason: carriers.ReasonBlocked},
		{to: []string{"expired"}, want: carriers.StateFailed},
		{to: []string{"cancelled"}, want: carriers.StateFailed},
		{to: []string{"delivery_failed"}, errors: `[{"code":"40004","title":"Rejected by destination"}]`, want: carriers.StateFailed},
		{to: nil, want: carriers.StateQueued},
		{to: []string{"delivered", "delivery_failed"}, want: carriers.StateDelivered},
		{to: []string{"delivery_failed", "sending_failed"}, want: carriers.StateFailed},
		{to: []string{"delivery_failed", "sent"}, want: carriers.StateSent},
		{to: []string{"queued", "delivery_failed"}, want: carriers.StateQueued},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.to, ","), func(t *testing.T) {
			var to []string
			for i, st := range tt.to {
				to = append(to, fmt.Sprintf(`{"phone_number":"+1312555000%d","status":%q}`, i, st))
			}
			body := fmt.Sprintf(`{"data":{"event_type":"message.finalized","payload":{"id":"m1","to":[%s],"errors":%s}}}`, strings.Join(to, ","), or(tt.errors, "[]"))
			ev, err := parseEvent([]byte(body))
			if err != nil || ev.status == nil {
				t.Fatalf("parseEvent = %+v, %v", ev, err)
			}
			if ev.status.State != tt.want || ev.status.Reason != tt.reason || ev.status.ID != "m1" {
				t.Errorf("status = %+v, want %s %q", *ev.status, tt.want, tt.reason)
			}
		})
	}
	ev, err := parseEvent([]byte(sentEvent))
	if err != nil || ev.status == nil || ev.status.State != carriers.StateSent || ev.status.ErrorCode != "" {
		t.Errorf("message.sent = %+v, %v", ev, err)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func FuzzWebhook(f *testing.F) {
	for _, seed := range []string{inboundSMS, inboundGroupMMS, finalizedOptOut, sentEvent, `{"data":null}`, `[]`, `{"data":{"event_type":"message.received","payload":{"to":[]}}}`} {
		f.Add(seed, "")
	}
	f.Add(inboundSMS, "1")
	s := newSigner(f)
	h := newTestCarrier(f, "", s.pub).Handler(&carriertest.Receiver{})
	f.Fuzz(func(t *testing.T, body, ts string) {
		ev, err := parseEvent([]byte(body))
		if err == nil {
			if ev.message != nil && (ev.message.ID == "" || ev.message.From == "" || ev.message.To == "" || len(ev.message.Media) > MaxMedia) {
				t.Fatalf("message = %+v", *ev.message)
			}
			if ev.status != nil && ev.status.ID == "" {
				t.Fatalf("status = %+v", *ev.status)
			}
		}
		if ts == "" {
			ts = now()
		}
		w := postWebhook(h, body, s.sign(ts, body), ts)
		switch w.Code {
		case http.StatusNoContent, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("got %d for %q", w.Code, body)
		}
	})
}

// TestNoSecretsInLogs: refusals and failures are logged without the API
// key, the message text or the numbers.
func TestNoSecretsInLogs(t *testing.T) {
	var logs strings.Builder
	s := newSigner(t)
	c, err := New(Settings{APIKey: testKey, MessagingProfileID: testProfile, PublicKey: s.pub,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ts := now()
	postWebhook(c.Handler(&carriertest.Receiver{}), inboundSMS, "", ts)
	postWebhook(c.Handler(&carriertest.Receiver{Err: errors.New("redis down")}), inboundSMS, s.sign(ts, inboundSMS), ts)
	unknown := `{"data":{"event_type":"call.initiated","payload":{}}}`
	postWebhook(c.Handler(&carriertest.Receiver{}), unknown, s.sign(ts, unknown), ts)
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{testKey, "héllo", "+13125550002", "+13125550001", s.sign(ts, inboundSMS)} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log carries %q:\n%s", secret, logs.String())
		}
	}
}
