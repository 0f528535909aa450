package twilio

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	public = "https://gw.example.org:8443"
	sid1   = "SM0123456789abcdef0123456789abcdef" // a Message SID in Twilio's documented shape
	sid9   = "MM9876543210fedcba9876543210FEDCBA"
)

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
		"MessageSid": {sid1}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"},
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
	if m.ID != sid1 || m.From != "+12015550123" || m.To != "+12015550100" || m.Body != "héllo & goodbye=1" || len(m.Media) != 2 || m.Carrier != Name {
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
	form := url.Values{"MessageSid": {sid1}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"}, "Body": {"x"}}
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
		{name: "short MessageSid", form: withSid(form, "SM1"), sig: sign(withSid(form, "SM1")), want: http.StatusBadRequest},
		{name: "MessageSid with a tail", form: withSid(form, sid1+"NumMedia0"), sig: sign(withSid(form, sid1+"NumMedia0")), want: http.StatusBadRequest},
		{name: "MessageSid not hex", form: withSid(form, "SM0123456789abcdef0123456789abcdeg"), sig: sign(withSid(form, "SM0123456789abcdef0123456789abcdeg")), want: http.StatusBadRequest},
		{name: "MessageSid of another kind", form: withSid(form, "MG0123456789abcdef0123456789abcdef"), sig: sign(withSid(form, "MG0123456789abcdef0123456789abcdef")), want: http.StatusBadRequest},
		{name: "MessageSid lower-case prefix", form: withSid(form, "sm0123456789abcdef0123456789abcdef"), sig: sign(withSid(form, "sm0123456789abcdef0123456789abcdef")), want: http.StatusBadRequest},
		{name: "MMS SID", form: withSid(form, sid9), sig: sign(withSid(form, sid9)), want: http.StatusOK},
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

// statusStates is what every MessageStatus of Twilio's API definition
// (message_enum_status) becomes.
func statusStates() map[string]carriers.State {
	return map[string]carriers.State{
		"queued": carriers.StateQueued, "accepted": carriers.StateQueued, "scheduled": carriers.StateQueued,
		"sending": carriers.StateQueued, "receiving": carriers.StateQueued, "received": carriers.StateQueued,
		"sent": carriers.StateSent, "partially_delivered": carriers.StateSent,
		"delivered": carriers.StateDelivered, "read": carriers.StateDelivered,
		"undelivered": carriers.StateFailed, "failed": carriers.StateFailed, "canceled": carriers.StateFailed,
	}
}

// TestStatusMapping posts signed status callbacks for every MessageStatus,
// with and without an ErrorCode, and checks state, reason and Twilio's own
// code and text.
func TestStatusMapping(t *testing.T) {
	type row struct {
		status, code string
		state        carriers.State
		reason       carriers.Reason
	}
	var tests []row
	for st, state := range statusStates() {
		tests = append(tests, row{st, "", state, carriers.ReasonUnknown})
	}
	for _, r := range []struct {
		code   string
		reason carriers.Reason
	}{
		{"21610", carriers.ReasonOptedOut}, {"30003", carriers.ReasonUnreachable}, {"30005", carriers.ReasonUnreachable},
		{"30006", carriers.ReasonUnreachable}, {"30004", carriers.ReasonBlocked}, {"30007", carriers.ReasonBlocked},
		{"30034", carriers.ReasonUnregistered}, {"30032", carriers.ReasonUnregistered}, {"21211", carriers.ReasonInvalid},
		{"21614", carriers.ReasonInvalid}, {"30019", carriers.ReasonTooLarge}, {"30022", carriers.ReasonRateLimited},
		{"30023", carriers.ReasonRateLimited}, {"30027", carriers.ReasonRateLimited}, {"30008", carriers.ReasonUnknown},
	} {
		tests = append(tests, row{"undelivered", r.code, carriers.StateFailed, r.reason}, row{"failed", r.code, carriers.StateFailed, r.reason})
	}
	// A reason belongs to failures only.
	tests = append(tests, row{"delivered", "30003", carriers.StateDelivered, carriers.ReasonUnknown}, row{"sent", "30007", carriers.StateSent, carriers.ReasonUnknown})
	for _, tt := range tests {
		t.Run(tt.status+"/"+tt.code, func(t *testing.T) {
			rec := &carriertest.Receiver{}
			f := url.Values{"MessageSid": {sid9}, "AccountSid": {testSID}, "MessageStatus": {tt.status}}
			if tt.code != "" {
				f.Set("ErrorCode", tt.code)
				f.Set("ErrorMessage", "Twilio's words for "+tt.code)
			}
			if w := post(newCarrier(t).Handler(rec), "/twilio/status", f, carriertest.SignTwilio(testToken, public+"/twilio/status", f)); w.Code != http.StatusOK {
				t.Fatalf("got %d", w.Code)
			}
			st := rec.Statuses()
			if len(st) != 1 {
				t.Fatalf("statuses = %+v", st)
			}
			want := carriers.Status{Carrier: Name, ID: sid9, State: tt.state, ErrorCode: tt.code, Reason: tt.reason}
			if tt.code != "" {
				want.ErrorText = "Twilio's words for " + tt.code
			}
			if st[0] != want {
				t.Fatalf("status = %+v, want %+v", st[0], want)
			}
		})
	}
}

// TestStatusCoversDefinition: every MessageStatus Twilio's API definition
// lists has a state in the table above, so a new one fails here first.
func TestStatusCoversDefinition(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(carriertest.Tools(t), "specs", "twilio_api_v2010.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas struct {
				Status struct {
					Enum []string `json:"enum"`
				} `json:"message_enum_status"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	enum := spec.Components.Schemas.Status.Enum
	if len(enum) == 0 {
		t.Fatal("message_enum_status not found in the definition")
	}
	states := statusStates()
	for _, st := range enum {
		if _, ok := states[st]; !ok {
			t.Errorf("MessageStatus %q has no state in the test table", st)
		}
	}
	if len(enum) != len(states) {
		t.Errorf("the definition lists %d statuses, the test %d: %v", len(enum), len(states), enum)
	}
}

func withSid(f url.Values, sid string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = v
	}
	out.Set("MessageSid", sid)
	return out
}

// replayed is the replay variant of a signed inbound webhook: NumMedia
// moved into the MessageSid, which keeps Twilio's signature (keys and
// values are joined without separators) and would make a new
// de-duplication key.
func replayed(f url.Values) url.Values {
	out := withSid(f, f.Get("MessageSid")+"NumMedia"+f.Get("NumMedia"))
	out.Del("NumMedia")
	return out
}

// TestWebhookReplayVariant: a captured webhook replayed with
// MessageSid=<sid>NumMedia0 and NumMedia dropped carries a valid signature
// (checked with the npm twilio package) and used to be delivered a second
// time; it is refused with 400 and delivers nothing.
func TestWebhookReplayVariant(t *testing.T) {
	rec := &carriertest.Receiver{}
	h := newCarrier(t).Handler(rec)
	form := url.Values{"MessageSid": {sid1}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"},
		"Body": {"once"}, "NumMedia": {"0"}, "SmsStatus": {"received"}}
	sig := carriertest.TwilioSignature(t, testToken, public+"/twilio/sms", form)
	evil := replayed(form)
	if got := carriertest.TwilioSignature(t, testToken, public+"/twilio/sms", evil); got != sig {
		t.Fatalf("the replay variant signs differently (%s, %s): the test no longer shows the attack", got, sig)
	}
	if w := post(h, "/twilio/sms", form, sig); w.Code != http.StatusOK {
		t.Fatalf("original: %d %s", w.Code, w.Body)
	}
	if w := post(h, "/twilio/sms", evil, sig); w.Code != http.StatusBadRequest {
		t.Errorf("replay variant: %d %s, want 400", w.Code, w.Body)
	}
	if n := len(rec.Messages()); n != 1 {
		t.Fatalf("delivered %d messages, want 1", n)
	}
}

// TestWebhookRepeatedKeys: every value of a repeated key is signed the way
// Twilio's libraries sign them (checked with the npm twilio package, which
// signs a key's distinct values sorted); a repeated key the adapter reads
// is refused, because the signature does not fix which value comes first.
func TestWebhookRepeatedKeys(t *testing.T) {
	base := url.Values{"MessageSid": {sid1}, "AccountSid": {testSID}, "From": {"+12015550123"}, "To": {"+12015550100"}, "Body": {"x"}}
	with := func(k string, v ...string) url.Values {
		out := withSid(base, sid1)
		out[k] = v
		return out
	}
	tests := []struct {
		name string
		form url.Values
		sig  url.Values // what the signature is made over; nil: form
		want int
	}{
		{name: "repeated key the adapter ignores", form: with("OptOutType", "b", "a"), want: http.StatusOK},
		{name: "repeated identical values", form: with("OptOutType", "a", "a"), want: http.StatusOK},
		{name: "values swapped after signing", form: with("OptOutType", "b", "a"), sig: with("OptOutType", "a", "b"), want: http.StatusOK},
		{name: "value added after signing", form: with("OptOutType", "a", "b"), sig: with("OptOutType", "a"), want: http.StatusForbidden},
		{name: "repeated Body", form: with("Body", "good", "evil"), want: http.StatusBadRequest},
		{name: "repeated MessageSid", form: with("MessageSid", sid1, sid9), want: http.StatusBadRequest},
		{name: "repeated MediaUrl0", form: with("MediaUrl0", "https://a.example/1", "https://a.example/2"), want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed := tt.sig
			if signed == nil {
				signed = tt.form
			}
			rec := &carriertest.Receiver{}
			w := post(newCarrier(t).Handler(rec), "/twilio/sms", tt.form, carriertest.TwilioSignature(t, testToken, public+"/twilio/sms", signed))
			if w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if n := len(rec.Messages()); (tt.want == http.StatusOK) != (n == 1) {
				t.Fatalf("delivered %d messages", n)
			}
		})
	}
}

// FuzzWebhook: arbitrary bodies and signatures never panic the handler,
// never get past the signature check unsigned, never deliver a malformed
// MessageSid, and get a clear status.
func FuzzWebhook(f *testing.F) {
	ok := url.Values{"MessageSid": {sid1}, "AccountSid": {testSID}, "From": {"+1"}, "To": {"+2"}, "Body": {"x"}, "NumMedia": {"0"}}
	okSig := carriertest.SignTwilio(testToken, public+"/twilio/sms", ok)
	f.Add(ok.Encode(), okSig)
	f.Add(replayed(ok).Encode(), okSig) // the replay variant: same signature
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
			for _, m := range rec.Messages() {
				if !messageSID(m.ID) {
					t.Fatalf("delivered a message with MessageSid %q", m.ID)
				}
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
