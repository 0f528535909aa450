package twilio

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestProbeAgainstTwilioSpec: the probe is the Account fetch of Twilio's
// own definition (Prism checks path and auth), and a refused credential
// is a rejection, not an outage.
func TestProbeAgainstTwilioSpec(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(context.Background()); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if got := rec.lastRequest(); got != "GET /2010-04-01/Accounts/"+testSID+".json" {
		t.Errorf("request %q", got)
	}
	// An account SID out of Twilio's shape: Prism refuses it (4xx).
	bad, err := New(Settings{AccountSID: "ACnotasid", AuthToken: testToken, APIURL: prism.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Probe(context.Background()); !errors.Is(err, carriers.ErrRejected) {
		t.Errorf("a bad SID: %v; want a rejection", err)
	}
	// Nothing listening: unavailable.
	down, _ := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: "http://127.0.0.1:1"})
	if err := down.Probe(context.Background()); !errors.Is(err, carriers.ErrUnavailable) {
		t.Errorf("no server: %v; want unavailable", err)
	}
}
