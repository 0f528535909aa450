package twilio

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestConformance runs the carriers' shared suite: sends at Prism serving
// Twilio's own definition, webhooks signed by an independent signer.
func TestConformance(t *testing.T) {
	carriertest.Run(t, carriertest.Harness{
		New: func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier {
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: api, PublicURL: public, Timeout: time.Second, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		API: func(t *testing.T) string { return icarriertest.StartTwilioPrism(t).URL },
		ErrorBody: func(status int) (string, string) {
			return "application/json", fmt.Sprintf(`{"code":20%03d,"message":"suite error %d","more_info":"https://www.twilio.com/docs/errors/20%03d","status":%d}`, status, status, status, status)
		},
		Inbound: func(t *testing.T, public string, m carriers.Message) *http.Request {
			f := url.Values{"MessageSid": {m.ID}, "AccountSid": {testSID}, "From": {m.From}, "To": {m.To}, "Body": {m.Body},
				"NumMedia": {strconv.Itoa(len(m.Media))}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
			for i, md := range m.Media {
				f.Set("MediaUrl"+strconv.Itoa(i), md.URL)
				f.Set("MediaContentType"+strconv.Itoa(i), md.Type)
			}
			return signedForm(public, "/twilio/sms", f)
		},
		Report: func(t *testing.T, public, id, status, code string) *http.Request {
			f := url.Values{"MessageSid": {id}, "AccountSid": {testSID}, "MessageStatus": {status}}
			if code != "" {
				f.Set("ErrorCode", code)
			}
			return signedForm(public, "/twilio/status", f)
		},
		Tamper:          func(t *testing.T, r *http.Request) *http.Request { return icarriertest.TamperForm(r) },
		Unauthenticated: func(r *http.Request) { r.Header.Del("X-Twilio-Signature") },
		Statuses: map[string]carriers.State{
			"queued": carriers.StateQueued, "sending": carriers.StateQueued, "sent": carriers.StateSent,
			"delivered": carriers.StateDelivered, "read": carriers.StateDelivered,
			"undelivered": carriers.StateFailed, "failed": carriers.StateFailed,
		},
		Codes: map[string]carriers.Reason{
			"21610": carriers.ReasonOptedOut,
			"30003": carriers.ReasonUnreachable, "30005": carriers.ReasonUnreachable, "30006": carriers.ReasonUnreachable,
			"30004": carriers.ReasonBlocked, "30007": carriers.ReasonBlocked,
			"30034": carriers.ReasonUnregistered,
			"21211": carriers.ReasonInvalid, "21614": carriers.ReasonInvalid,
		},
		Secrets: []string{testToken},
	})
}

// signedForm is a webhook Twilio would send to public+path, signed by the
// suite's own signer (checked against npm twilio's in internal/carriertest).
func signedForm(public, path string, f url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, public+path, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", icarriertest.SignTwilio(testToken, public+path, f))
	return r
}
