package signalwire

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// testNumber is a phone number's id as SignalWire gives it: a UUID.
const testNumber = "3d1f6c2a-8b4e-4f7a-9c0d-1e2f3a4b5c6d"

// TestNumbersAgainstLaMLSpec searches, buys and releases at Prism serving
// the LaML definition (Twilio's, under /api/laml with UUID ids), which
// refuses Twilio's paths and Twilio-shaped ids.
func TestNumbersAgainstLaMLSpec(t *testing.T) {
	p := icarriertest.StartSignalWirePrism(t)
	c, err := New(Settings{SpaceURL: p.URL, ProjectID: testProject, APIToken: testToken, PublicURL: "https://gw.example.org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := c.SearchNumbers(ctx, carriers.NumberQuery{AreaCode: "808", Limit: 3})
	if err != nil {
		t.Fatalf("SearchNumbers: %v", err)
	}
	// The rewritten definition's examples are in key order, so Prism
	// answers with readEmpty: what counts here is that it took the request.
	if len(got) != 0 {
		t.Errorf("numbers = %+v; want Prism's empty example", got)
	}
	own, err := c.BuyNumber(ctx, "+18089255327")
	if err != nil {
		t.Fatalf("BuyNumber: %v", err)
	}
	if own.ID == "" || own.Number != "+18089255327" {
		t.Errorf("bought %+v", own)
	}
	// Prism takes the lookup (its empty example holds no number).
	if _, found, err := c.FindNumber(ctx, "+18089255327"); err != nil || found {
		t.Fatalf("FindNumber: %v, %v; want not found", found, err)
	}
	if err := c.ReleaseNumber(ctx, testNumber); err != nil {
		t.Fatalf("ReleaseNumber: %v", err)
	}
}

// TestNumbersUnderLaMLPrefix: the three calls go to the space under
// /api/laml as the project, and the bought number's texts come to
// /signalwire/sms.
func TestNumbersUnderLaMLPrefix(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := New(Settings{SpaceURL: srv.URL, ProjectID: testProject, APIToken: testToken, PublicURL: "https://gw.example.org", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SearchNumbers(ctx, carriers.NumberQuery{Region: "TX"}); err != nil {
		t.Fatalf("SearchNumbers: %v", err)
	}
	own, err := c.BuyNumber(ctx, "+12145550123")
	if err != nil || own.ID != "0a8f1e52-6f2b-4c3e-9d3a-5b1c2d3e4f50" {
		t.Fatalf("BuyNumber: %+v, %v", own, err)
	}
	if err := c.ReleaseNumber(ctx, own.ID); err != nil {
		t.Fatalf("ReleaseNumber: %v", err)
	}
	acct := "/api/laml/2010-04-01/Accounts/" + testProject
	want := []struct{ method, path string }{
		{http.MethodGet, acct + "/AvailablePhoneNumbers/US/Local.json"},
		{http.MethodPost, acct + "/IncomingPhoneNumbers.json"},
		{http.MethodDelete, acct + "/IncomingPhoneNumbers/" + own.ID + ".json"},
	}
	got := rec.all()
	if len(got) != len(want) {
		t.Fatalf("%d requests; want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].method != w.method || got[i].path != w.path || got[i].user != testProject || got[i].pass != testToken {
			t.Errorf("request %d: %s %s as %q; want %s %s as the project", i, got[i].method, got[i].path, got[i].user, w.method, w.path)
		}
	}
	if f := got[0].form; f.Get("InRegion") != "TX" || f.Get("SmsEnabled") != "true" {
		t.Errorf("search query %v", f)
	}
	if f := got[1].form; f.Get("SmsUrl") != "https://gw.example.org/signalwire/sms" || f.Get("PhoneNumber") != "+12145550123" {
		t.Errorf("buy form %v", f)
	}
}
