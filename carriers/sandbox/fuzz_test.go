package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// FuzzAPI posts arbitrary bodies to the page's API: every answer is a
// refusal or a success the limits allow, never a server error, and what
// reaches the gateway is within the limits.
func FuzzAPI(f *testing.F) {
	f.Add("send", `{"from":"+12015550123","to":"+12015550100","cc":["+12015550124"],"body":"hi"}`)
	f.Add("send", `{"from":"+12015550123","to":"+12015550100","media":["x.png"]}`)
	f.Add("send", `{"from":"+12015550123","to":"+12015550100","body":"`+strings.Repeat("é", 1601)+`"}`)
	f.Add("faults", `{"to":"+12015550123","outcome":"delay","delay":5}`)
	f.Add("faults", `{"outcome":"reject","reason":"opted-out"}`)
	f.Add("media", `{"data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}`)
	f.Add("media", `{"data":"PGh0bWw+"}`)
	f.Fuzz(func(t *testing.T, endpoint, body string) {
		switch endpoint {
		case "send", "faults", "media":
		default:
			return
		}
		c := New(Settings{})
		defer c.Close()
		r := &carriertest.Receiver{}
		w := do(c, c.Handler(r), http.MethodPost, "/sandbox/api/"+endpoint, body)
		switch w.Code {
		case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("%s %q: %d %s", endpoint, body, w.Code, w.Body)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("answer not JSON: %q", w.Header().Get("Content-Type"))
		}
		l := c.Limits()
		for _, m := range r.Messages() {
			if !strings.HasPrefix(m.From, "+") || !strings.HasPrefix(m.To, "+") || utf8.RuneCountInString(m.Body) > l.MaxBodyChars ||
				len(m.Recipients()) > l.MaxRecipients || len(m.Media) > l.MaxMedia {
				t.Fatalf("the gateway got %+v", m)
			}
		}
	})
}
