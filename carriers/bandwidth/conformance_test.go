package bandwidth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestConformance runs the carriers' shared suite: sends at Prism serving
// Bandwidth's own definition; callbacks in the definition's schema (checked
// against it by TestCallbacks), with the application's Basic credentials.
func TestConformance(t *testing.T) {
	events := func(public string, evs ...map[string]any) *http.Request {
		b, _ := json.Marshal(evs)
		r := httptest.NewRequest(http.MethodPost, public+"/bandwidth/callbacks", bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
		r.SetBasicAuth(testCbUser, testCbPass)
		return r
	}
	carriertest.Run(t, carriertest.Harness{
		New: func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier {
			set := testSettings(api)
			set.Timeout, set.Logger = time.Second, log
			return newTest(t, set)
		},
		API: func(t *testing.T) string { return icarriertest.StartBandwidthPrism(t).URL },
		ErrorBody: func(status int) (string, string) {
			return "application/json", fmt.Sprintf(`{"type":"suite-error-%d","description":"answered %d"}`, status, status)
		},
		Inbound: func(t *testing.T, public string, m carriers.Message) *http.Request {
			media := []string{}
			for _, md := range m.Media {
				media = append(media, md.URL)
			}
			return events(public, callback("message-received", m.To, map[string]any{
				"id": m.ID, "from": m.From, "to": append([]string{m.To}, m.Cc...), "text": m.Body, "media": media}, nil))
		},
		Report: func(t *testing.T, public, id, status, code string) *http.Request {
			var extra map[string]any
			if code != "" {
				n, _ := strconv.Atoi(code)
				extra = map[string]any{"errorCode": n}
			}
			return events(public, callback(status, "+12015550123", map[string]any{"id": id, "from": "+12015550100", "to": []string{"+12015550123"}, "text": ""}, extra))
		},
		Tamper: func(t *testing.T, r *http.Request) *http.Request {
			b, _ := io.ReadAll(r.Body)
			out := httptest.NewRequest(http.MethodPost, r.URL.String(), bytes.NewReader(b))
			out.Header = r.Header.Clone()
			out.SetBasicAuth(testCbUser, "guessed-"+testCbPass)
			return out
		},
		Unauthenticated: func(r *http.Request) { r.Header.Del("Authorization") },
		Statuses: map[string]carriers.State{
			"message-sending": carriers.StateQueued, "message-sent": carriers.StateSent,
			"message-delivered": carriers.StateDelivered, "message-read": carriers.StateDelivered,
			"message-failed": carriers.StateFailed,
		},
		Codes: map[string]carriers.Reason{
			"4775": carriers.ReasonOptedOut,
			"4720": carriers.ReasonInvalid, "4404": carriers.ReasonInvalid,
			"4702": carriers.ReasonUnreachable, "4730": carriers.ReasonUnreachable,
			"4470": carriers.ReasonBlocked, "4770": carriers.ReasonBlocked,
			"4773": carriers.ReasonUnregistered, "4774": carriers.ReasonUnregistered, "4795": carriers.ReasonUnregistered,
		},
		Secrets: []string{testPass, testCbPass},
	})
}
