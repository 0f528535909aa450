package twilio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const public = "https://gw.example.org:8443"

func newCarrier(t testing.TB) *Carrier {
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(h http.Handler, path string, form url.Values, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestWebhookSignedByTwilioNode(t *testing.T) {
	rec := &carriertest.Receiver{}
	h := newCarrier(t).Handler(rec)
	form := url.Values{
		"MessageSid": {"SM1"}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"},
		"Body": {"héllo & goodbye=1"}, "NumMedia": {"2"},
		"MediaUrl0": {"https://api.twilio.com/m/0"}, "MediaContentType0": {"image/jpeg"},
		"MediaUrl1": {"https://api.twilio.com/m/1"}, "MediaContentType1": {"image/png"},
	}
	sig := carriertest.TwilioSignature(t, testToken, public+"/twilio/sms", form)
	if w := post(h, "/twilio/sms", form, sig); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<Response></Response>") {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if len(rec.Messages()) != 1 {
		t.Fatalf("delivered %d messages", len(rec.Messages()))
	}
	m := rec.Messages()[0]
	if m.ID != "SM1" || m.From != "+12015550123" || m.To != "+12015550100" || m.Body != "héllo & goodbye=1" || len(m.Media) != 2 || m.Carrier != Name {
		t.Fatalf("message = %+v", m)
	}
	// Twilio computes signatures with and without the default port alike.
	noPort, _ := New(Settings{AccountSID: testSID, AuthToken: testToken, PublicURL: "https://gw.example.org"})
	sig = carriertest.TwilioSignature(t, testToken, "https://gw.example.org:443/twilio/sms", form)
	if w := post(noPort.Handler(rec), "/twilio/sms", form, sig); w.Code != http.StatusOK {
		t.Fatalf("default port: got %d", w.Code)
	}
}

func TestWebhookRefusals(t *testing.T) {
	form := url.Values{"MessageSid": {"SM1"}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"}, "Body": {"x"}}
	sign := func(f url.Values) string { return carriertest.SignTwilio(testToken, public+"/twilio/sms", f) }
	noSid := url.Values{"AccountSid": {testSID}, "Body": {"x"}}
	tests := []struct {
		name    string
		form    url.Values
		sig     string
		recvErr error
		want    int
	}{
		{name: "missing signature", form: form, want: http.StatusForbidden},
		{name: "garbage signature", form: form, sig: "!!!", want: http.StatusForbidden},
		{name: "other token", form: form, sig: sign(url.Values{"a": {"b"}}), want: http.StatusForbidden},
		{name: "missing MessageSid", form: noSid, sig: sign(noSid), want: http.StatusBadRequest},
		{name: "receiver down", form: form, sig: sign(form), recvErr: errors.New("redis down"), want: http.StatusServiceUnavailable},
		{name: "unknown number", form: form, sig: sign(form), recvErr: carriers.ErrUnknownNumber, want: http.StatusOK},
		{name: "ok", form: form, sig: sign(form), want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &carriertest.Receiver{Err: tt.recvErr}
			w := post(newCarrier(t).Handler(rec), "/twilio/sms", tt.form, tt.sig)
			if w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if tt.want != http.StatusOK && len(rec.Messages()) != 0 {
				t.Fatal("refused webhook was delivered")
			}
		})
	}
	if w := post(newCarrier(t).Handler(&carriertest.Receiver{}), "/twilio/other", form, sign(form)); w.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", w.Code)
	}
}

func TestStatusMapping(t *testing.T) {
	tests := map[string]carriers.State{
		"queued": carriers.StateQueued, "accepted": carriers.StateQueued, "sending": carriers.StateQueued,
		"sent": carriers.StateSent, "delivered": carriers.StateDelivered, "read": carriers.StateDelivered,
		"undelivered": carriers.StateFailed, "failed": carriers.StateFailed, "canceled": carriers.StateFailed,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			rec := &carriertest.Receiver{}
			f := url.Values{"MessageSid": {"SM9"}, "AccountSid": {testSID}, "MessageStatus": {in}, "ErrorCode": {"30003"}}
			if w := post(newCarrier(t).Handler(rec), "/twilio/status", f, carriertest.SignTwilio(testToken, public+"/twilio/status", f)); w.Code != http.StatusOK {
				t.Fatalf("got %d", w.Code)
			}
			if st := rec.Statuses(); len(st) != 1 || st[0].State != want || st[0].ID != "SM9" || st[0].ErrorCode != "30003" {
				t.Fatalf("status = %+v, want %s", rec.Statuses(), want)
			}
		})
	}
}

// FuzzWebhook: arbitrary bodies and signatures never panic the handler,
// never get past the signature check unsigned, and get a clear status.
func FuzzWebhook(f *testing.F) {
	ok := url.Values{"MessageSid": {"SM1"}, "AccountSid": {testSID}, "From": {"+1"}, "To": {"+2"}, "Body": {"x"}}
	f.Add(ok.Encode(), carriertest.SignTwilio(testToken, public+"/twilio/sms", ok))
	f.Add("MessageSid=%zz&Body=", "")
	f.Add(strings.Repeat("a=b&", 1000), "AAAA")
	f.Fuzz(func(t *testing.T, body, sig string) {
		rec := &carriertest.Receiver{}
		req := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		w := httptest.NewRecorder()
		newCarrier(t).Handler(rec).ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK:
			form, _ := url.ParseQuery(body)
			if carriertest.SignTwilio(testToken, public+"/twilio/sms", form) != sig {
				t.Fatalf("accepted a webhook with a wrong signature")
			}
		case http.StatusBadRequest, http.StatusForbidden:
			if len(rec.Messages()) != 0 {
				t.Fatal("refused webhook delivered")
			}
		default:
			t.Fatalf("unexpected status %d", w.Code)
		}
	})
}
