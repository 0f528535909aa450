package twilio

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestFindAgainstTwilioSpec asks Prism (serving Twilio's own definition,
// which validates the list request) for the latest messages of a pair; its
// example page holds one message with body "testing", created in 2019.
func TestFindAgainstTwilioSpec(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	m := carriers.Message{From: "+12019235161", To: "+18182008801", Body: "testing"}
	old := time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		body  string
		since time.Time
		found bool
	}{
		{"same body, created since", "testing", old, true},
		{"same body, created before", "testing", time.Now(), false},
		{"other body", "testing 2", old, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Body = tt.body
			id, found, err := c.Find(context.Background(), m, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.found || (found && !strings.HasPrefix(id, "SM")) {
				t.Errorf("Find = %q, %v; want found %v", id, found, tt.found)
			}
			if got := rec.lastRequest(); !strings.HasPrefix(got, "GET /2010-04-01/Accounts/"+testSID+"/Messages.json") {
				t.Errorf("request %q", got)
			}
		})
	}
}
