package signalwire

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

// A project id is a UUID, which twilio-go's own client refuses.
const (
	testProject = "7bd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5f"
	testToken   = "PTsignalwire-test-token-0123456789"
)

// TestConformance runs the carriers' shared suite: sends at Prism serving
// Twilio's definition as SignalWire's LaML API (under /api/laml, UUID ids),
// webhooks signed with Twilio's scheme in SignalWire's header.
func TestConformance(t *testing.T) {
	carriertest.Run(t, carriertest.Harness{
		New: func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier {
			c, err := New(Settings{SpaceURL: api, ProjectID: testProject, APIToken: testToken, PublicURL: public, Timeout: time.Second, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		API: func(t *testing.T) string { return icarriertest.StartSignalWirePrism(t).URL },
		ErrorBody: func(status int) (string, string) {
			return "application/json", fmt.Sprintf(`{"code":20%03d,"message":"suite error %d","more_info":"https://developer.signalwire.com","status":%d}`, status, status, status)
		},
		Inbound: func(t *testing.T, public string, m carriers.Message) *http.Request {
			return signed(public, "/signalwire/sms", inboundForm(m), header)
		},
		Report: func(t *testing.T, public, id, status, code string) *http.Request {
			f := url.Values{"MessageSid": {id}, "AccountSid": {testProject}, "MessageStatus": {status}}
			if code != "" {
				f.Set("ErrorCode", code)
			}
			return signed(public, "/signalwire/status", f, header)
		},
		Tamper:          func(t *testing.T, r *http.Request) *http.Request { return icarriertest.TamperForm(r) },
		Unauthenticated: func(r *http.Request) { r.Header.Del(header) },
		Statuses: map[string]carriers.State{
			"queued": carriers.StateQueued, "sending": carriers.StateQueued, "sent": carriers.StateSent,
			"delivered":   carriers.StateDelivered,
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

// header is SignalWire's signature header.
const header = "X-SignalWire-Signature"

// inboundForm is SignalWire's inbound-message webhook for m.
func inboundForm(m carriers.Message) url.Values {
	f := url.Values{"MessageSid": {m.ID}, "AccountSid": {testProject}, "From": {m.From}, "To": {m.To}, "Body": {m.Body},
		"NumMedia": {strconv.Itoa(len(m.Media))}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
	for i, md := range m.Media {
		f.Set("MediaUrl"+strconv.Itoa(i), md.URL)
		f.Set("MediaContentType"+strconv.Itoa(i), md.Type)
	}
	return f
}

// signed is a webhook to public+path signed with Twilio's scheme (the
// suite's Go signer, checked against npm twilio's in internal/carriertest)
// in header h.
func signed(public, path string, f url.Values, h string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, public+path, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(h, icarriertest.SignTwilio(testToken, public+path, f))
	return r
}
