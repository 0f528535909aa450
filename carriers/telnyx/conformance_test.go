package telnyx

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
)

// TestConformance runs the carriers' shared suite. Telnyx publishes no API
// definition, so sends go to a recorder that answers as Telnyx does; that
// they match the official SDK's requests is TestSendMatchesSDK's job.
// Webhooks are signed with Ed25519 here (TestWebhookSignedByNode checks
// the same path against Node's signatures and the SDK's verdict).
func TestConformance(t *testing.T) {
	s := newSigner(t)
	webhook := func(public string, ts, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, public+"/telnyx/webhook", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("telnyx-timestamp", ts)
		r.Header.Set("telnyx-signature-ed25519", s.sign(ts, body))
		return r
	}
	received := func(m carriers.Message) string {
		type addr struct {
			PhoneNumber string `json:"phone_number"`
		}
		type media struct {
			URL         string `json:"url"`
			ContentType string `json:"content_type"`
		}
		p := map[string]any{"direction": "inbound", "id": m.ID, "from": addr{m.From}, "text": m.Body, "type": "SMS"}
		to := []addr{{m.To}}
		for _, c := range m.Cc {
			to = append(to, addr{c})
		}
		p["to"] = to
		var ms []media
		for _, md := range m.Media {
			ms = append(ms, media{md.URL, md.Type})
		}
		p["media"] = ms
		b, _ := json.Marshal(map[string]any{"data": map[string]any{"event_type": "message.received", "id": "ev-" + m.ID, "payload": p, "record_type": "event"}})
		return string(b)
	}
	carriertest.Run(t, carriertest.Harness{
		New: func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier {
			c, err := New(Settings{APIKey: testKey, MessagingProfileID: testProfile, PublicKey: s.pub, APIURL: api, PublicURL: public, Timeout: time.Second, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		API: func(t *testing.T) string {
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && r.URL.Path == "/v2/messaging_profiles/"+testProfile && r.Header.Get("Authorization") == "Bearer "+testKey {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprintf(w, `{"data":{"id":%q,"record_type":"messaging_profile","enabled":true}}`, testProfile)
					return
				}
				var body map[string]any
				b, _ := io.ReadAll(r.Body)
				if r.Method != http.MethodPost || (r.URL.Path != "/v2/messages" && r.URL.Path != "/v2/messages/group_mms") ||
					r.Header.Get("Authorization") != "Bearer "+testKey || json.Unmarshal(b, &body) != nil || body["from"] == nil || body["to"] == nil {
					http.Error(w, `{"errors":[{"code":"10015","title":"Bad Request"}]}`, http.StatusBadRequest)
					return
				}
				n++
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"data":{"id":"40385f64-5717-4562-b3fc-%012d","record_type":"message"}}`, n)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		},
		ErrorBody: func(status int) (string, string) {
			return "application/json", fmt.Sprintf(`{"errors":[{"code":"%d","title":"suite error","detail":"answered %d"}]}`, 10000+status, status)
		},
		Inbound: func(t *testing.T, public string, m carriers.Message) *http.Request {
			return webhook(public, now(), received(m))
		},
		Report: func(t *testing.T, public, id, status, code string) *http.Request {
			errs := "[]"
			if code != "" {
				errs = `[{"code":"` + code + `","title":"failed"}]`
			}
			body := `{"data":{"event_type":"message.finalized","id":"ev-` + id + `","payload":{"direction":"outbound","errors":` + errs +
				`,"id":"` + id + `","to":[{"phone_number":"+12015550123","status":"` + status + `"}]},"record_type":"event"}}`
			return webhook(public, now(), body)
		},
		Tamper: func(t *testing.T, r *http.Request) *http.Request {
			b, _ := io.ReadAll(r.Body)
			out := httptest.NewRequest(http.MethodPost, r.URL.String(), strings.NewReader(strings.Replace(string(b), `"text":"`, `"text":"changed `, 1)))
			out.Header = r.Header.Clone()
			return out
		},
		Unauthenticated: func(r *http.Request) { r.Header.Del("telnyx-signature-ed25519") },
		Replayed: func(t *testing.T, public string, m carriers.Message) *http.Request {
			return webhook(public, strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10), received(m))
		},
		Statuses: map[string]carriers.State{
			"queued": carriers.StateQueued, "sending": carriers.StateQueued, "sent": carriers.StateSent,
			"delivery_unconfirmed": carriers.StateSent, "delivered": carriers.StateDelivered,
			"delivery_failed": carriers.StateFailed, "sending_failed": carriers.StateFailed,
		},
		Codes: map[string]carriers.Reason{
			"40300": carriers.ReasonOptedOut,
			"40001": carriers.ReasonUnreachable,
			"40002": carriers.ReasonBlocked, "40003": carriers.ReasonBlocked,
			"10002": carriers.ReasonInvalid,
			"40010": carriers.ReasonUnregistered,
		},
		Secrets: []string{testKey},
	})
}
