package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const testNumberSID = "PN0123456789abcdef0123456789abcdef"

// TestNumbersAgainstTwilioSpec searches, buys and releases through the SDK
// at Prism serving Twilio's own definition, which refuses a query, form or
// path that does not match it.
func TestNumbersAgainstTwilioSpec(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, PublicURL: "https://gw.example.org", Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := "/2010-04-01/Accounts/" + testSID

	t.Run("search", func(t *testing.T) {
		tests := []struct {
			name  string
			q     carriers.NumberQuery
			path  string
			query map[string]string
		}{
			{"area code", carriers.NumberQuery{AreaCode: "415", Limit: 5}, base + "/AvailablePhoneNumbers/US/Local.json",
				map[string]string{"AreaCode": "415", "SmsEnabled": "true", "PageSize": "5"}},
			{"region and pattern in Canada", carriers.NumberQuery{Country: "ca", Region: "on", Contains: "2020"}, base + "/AvailablePhoneNumbers/CA/Local.json",
				map[string]string{"InRegion": "ON", "Contains": "2020", "SmsEnabled": "true", "PageSize": "20"}},
			{"anything", carriers.NumberQuery{}, base + "/AvailablePhoneNumbers/US/Local.json",
				map[string]string{"SmsEnabled": "true", "PageSize": "20", "AreaCode": "", "InRegion": "", "Contains": ""}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := c.SearchNumbers(ctx, tt.q)
				if err != nil {
					t.Fatalf("SearchNumbers: %v", err)
				}
				if req := rec.lastRequest(); req != "GET "+tt.path {
					t.Errorf("request %q, want GET %s", req, tt.path)
				}
				q := rec.lastQuery()
				for k, v := range tt.query {
					if q.Get(k) != v {
						t.Errorf("%s = %q, want %q (query %v)", k, q.Get(k), v, q)
					}
				}
				// Prism answers with the definition's example.
				want := carriers.AvailableNumber{Number: "+18089251571", Locality: "Hilo", Region: "HI", Country: "US",
					Capabilities: carriers.Capabilities{MMS: true, Voice: true}}
				if len(got) != 1 || got[0] != want {
					t.Errorf("numbers = %+v, want [%+v]", got, want)
				}
			})
		}
	})

	t.Run("buy", func(t *testing.T) {
		own, err := c.BuyNumber(ctx, "+18089255327")
		if err != nil {
			t.Fatalf("BuyNumber: %v", err)
		}
		if own.ID != "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || own.Number != "+18089255327" {
			t.Errorf("bought %+v", own)
		}
		if req := rec.lastRequest(); req != "POST "+base+"/IncomingPhoneNumbers.json" {
			t.Errorf("request %q", req)
		}
		f := rec.last()
		want := map[string]string{"PhoneNumber": "+18089255327", "SmsUrl": "https://gw.example.org/twilio/sms", "SmsMethod": "POST",
			"StatusCallback": "", "VoiceUrl": ""}
		for k, v := range want {
			if f.Get(k) != v {
				t.Errorf("%s = %q, want %q (form %v)", k, f.Get(k), v, f)
			}
		}
	})

	t.Run("buy onto a SIP trunk", func(t *testing.T) {
		const trunk = "TK0123456789abcdef0123456789abcdef"
		ct, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, PublicURL: "https://gw.example.org", Transport: rec, TrunkSID: trunk})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ct.BuyNumber(ctx, "+18089255327"); err != nil {
			t.Fatalf("BuyNumber: %v", err)
		}
		if f := rec.last(); f.Get("TrunkSid") != trunk || f.Get("SmsUrl") != "https://gw.example.org/twilio/sms" || f.Get("VoiceUrl") != "" {
			t.Errorf("form %v, want TrunkSid %s beside SmsUrl", f, trunk)
		}
	})

	t.Run("find", func(t *testing.T) {
		// Prism's example lists +18089255327 (PNaaa…): that number is
		// found; another is not, though Prism ignores the filter.
		tests := []struct {
			number string
			found  bool
		}{{"+18089255327", true}, {"+18089255328", false}}
		for _, tt := range tests {
			own, found, err := c.FindNumber(ctx, tt.number)
			if err != nil {
				t.Fatalf("FindNumber(%s): %v", tt.number, err)
			}
			if found != tt.found || found && (own.ID != "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || own.Number != tt.number) {
				t.Errorf("FindNumber(%s) = %+v, %v; want found %v", tt.number, own, found, tt.found)
			}
			if req := rec.lastRequest(); req != "GET "+base+"/IncomingPhoneNumbers.json" {
				t.Errorf("request %q", req)
			}
			if q := rec.lastQuery(); q.Get("PhoneNumber") != tt.number {
				t.Errorf("query %v", q)
			}
		}
	})

	t.Run("release", func(t *testing.T) {
		if err := c.ReleaseNumber(ctx, testNumberSID); err != nil {
			t.Fatalf("ReleaseNumber: %v", err)
		}
		if req := rec.lastRequest(); req != "DELETE "+base+"/IncomingPhoneNumbers/"+testNumberSID+".json" {
			t.Errorf("request %q", req)
		}
	})
}

// TestNumbersRefuseBadInput: a malformed query, number or id is refused
// before any request.
func TestNumbersRefuseBadInput(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL, PublicURL: "https://gw.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"country with a slash", func() error {
			_, err := c.SearchNumbers(ctx, carriers.NumberQuery{Country: "U/"})
			return err
		}},
		{"area code of letters", func() error {
			_, err := c.SearchNumbers(ctx, carriers.NumberQuery{AreaCode: "abc"})
			return err
		}},
		{"number without +", func() error {
			_, err := c.BuyNumber(ctx, "18089255327")
			return err
		}},
		{"number to find without +", func() error {
			_, _, err := c.FindNumber(ctx, "18089255327")
			return err
		}},
		{"id of another resource", func() error { return c.ReleaseNumber(ctx, "SM0123456789abcdef0123456789abcdef") }},
		{"id with a path", func() error { return c.ReleaseNumber(ctx, "../Messages") }},
		{"signalwire id", func() error { return c.ReleaseNumber(ctx, "0f8f3e3a-1f2d-4c4b-9a55-2b1e6f6c9d10") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, carriers.ErrRejected) {
				t.Fatalf("error = %v, want a rejection", err)
			}
		})
	}
	// Without a public URL the number's texts would go nowhere.
	nowhere, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nowhere.BuyNumber(ctx, "+14155550142"); !errors.Is(err, carriers.ErrUnavailable) {
		t.Errorf("buying without a public URL: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("made %d requests", n)
	}
}

// TestNumbersErrors: Twilio's error answers to each call, in the gateway's
// terms; a number sold meanwhile (21422) is ErrNumberGone, and releasing
// a number already gone succeeds.
func TestNumbersErrors(t *testing.T) {
	answer := twilioError
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}
	calls := map[string]func(c *Carrier) error{
		"search": func(c *Carrier) error {
			_, err := c.SearchNumbers(context.Background(), carriers.NumberQuery{AreaCode: "415"})
			return err
		},
		"buy": func(c *Carrier) error {
			_, err := c.BuyNumber(context.Background(), "+14155550123")
			return err
		},
		"release": func(c *Carrier) error { return c.ReleaseNumber(context.Background(), testNumberSID) },
		"find": func(c *Carrier) error {
			_, _, err := c.FindNumber(context.Background(), "+14155550123")
			return err
		},
	}
	type numberCase struct {
		name       string
		call       string
		handler    http.HandlerFunc
		kind       error // nil: no error
		code       string
		retryAfter time.Duration
	}
	tests := []numberCase{
		{name: "sold meanwhile", call: "buy", handler: answer(400, `{"code":21422,"message":"PhoneNumber is not available","status":400}`), kind: carriers.ErrNumberGone, code: "21422"},
		{name: "other 4xx on buy", call: "buy", handler: answer(400, `{"code":21631,"message":"Phone Number Requires an Address","status":400}`), kind: carriers.ErrRejected, code: "21631"},
		{name: "search in an unknown country", call: "search", handler: answer(404, `{"code":20404,"message":"The requested resource was not found","status":404}`), kind: carriers.ErrRejected, code: "20404"},
		{name: "released already", call: "release", handler: answer(404, `{"code":20404,"message":"The requested resource was not found","status":404}`)},
		{name: "no answer body", call: "search", handler: answer(200, `{}`)},
	}
	for call := range calls {
		tests = append(tests,
			numberCase{name: "bad credentials", call: call, handler: answer(401, `{"code":20003,"message":"Authenticate","status":401}`), kind: carriers.ErrRejected, code: "20003"},
			numberCase{name: "rate limited", call: call, handler: answer(429, `{"code":20429,"message":"Too Many Requests","status":429}`, "Retry-After", "4"), kind: carriers.ErrUnavailable, code: "20429", retryAfter: 4 * time.Second},
			numberCase{name: "server error", call: call, handler: answer(500, `{"code":20500,"message":"Internal Server Error","status":500}`), kind: carriers.ErrUnavailable, code: "20500"},
			numberCase{name: "timeout", call: call, handler: slow, kind: carriers.ErrUnavailable},
		)
	}
	for _, tt := range tests {
		t.Run(tt.call+"/"+tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL, PublicURL: "https://gw.example.org", Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err = calls[tt.call](c)
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error = %v, want %v", err, tt.kind)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tt.code || ce.RetryAfter != tt.retryAfter {
				t.Fatalf("error = %#v, want code %q, retry after %v", err, tt.code, tt.retryAfter)
			}
			if tt.kind != carriers.ErrNumberGone && errors.Is(err, carriers.ErrNumberGone) {
				t.Fatalf("error = %v is ErrNumberGone", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}
