package carriertest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

const (
	testSid   = "AC0123456789abcdef0123456789abcdef" // Prism checks ^AC[0-9a-fA-F]{32}$
	testToken = "0123456789abcdef0123456789abcdef"
	// exampleSid is the Sid in the spec's CreateMessage example; Prism always
	// returns it.
	exampleSid = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

// rewriteTransport sends twilio-go's requests (hard-coded to
// https://api.twilio.com) to Prism and records the form bodies it sent.
type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper

	mu    sync.Mutex
	forms []url.Values
}

func (rt *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = rt.target.Scheme, rt.target.Host, ""
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		form, _ := url.ParseQuery(string(b))
		rt.mu.Lock()
		rt.forms = append(rt.forms, form)
		rt.mu.Unlock()
		req.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	return rt.base.RoundTrip(req)
}

func (rt *rewriteTransport) lastForm() url.Values {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.forms) == 0 {
		return nil
	}
	return rt.forms[len(rt.forms)-1]
}

func newTwilio(t *testing.T, p *Prism, sid, token string) (*twilio.RestClient, *rewriteTransport) {
	t.Helper()
	target, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Bounded by the transport, not http.Client.Timeout: twilio-go does not
	// close the body of an error response, and with Client.Timeout over a
	// wrapping RoundTripper net/http keeps a timer goroutine alive until the
	// timeout fires (goleak sees it). No keep-alives, so no idle conns linger.
	tr := &http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 10 * time.Second}
	rt := &rewriteTransport{target: target, base: tr}
	c := &client.Client{
		Credentials: client.NewCredentials(sid, token),
		HTTPClient:  &http.Client{Transport: rt},
	}
	// With a custom Client, ClientParams.Username is ignored and the path's
	// AccountSid comes from the Client: set it or the path has "Accounts//".
	c.SetAccountSid(sid)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Username: sid, Password: token, Client: c}), rt
}

func TestCreateMessageAgainstPrism(t *testing.T) {
	t.Parallel()
	p := StartTwilioPrism(t)
	tw, rt := newTwilio(t, p, testSid, testToken)

	t.Run("sms", func(t *testing.T) {
		params := (&openapi.CreateMessageParams{}).
			SetTo("+12015550123").SetFrom("+12015550124").SetBody("hello ✓").
			SetStatusCallback("https://gw.example.net/twilio/status")
		msg, err := tw.Api.CreateMessage(params)
		if err != nil {
			t.Fatalf("CreateMessage: %v", err)
		}
		if msg.Sid == nil || *msg.Sid != exampleSid {
			t.Errorf("Sid = %v, want the spec example %s", msg.Sid, exampleSid)
		}
		if msg.Status == nil || *msg.Status != "queued" {
			t.Errorf("Status = %v, want queued", msg.Status)
		}
	})

	t.Run("mms with two media", func(t *testing.T) {
		media := []string{"https://gw.example.net/m/1.png", "https://gw.example.net/m/2.jpg"}
		params := (&openapi.CreateMessageParams{}).
			SetTo("+12015550123").SetFrom("+12015550124").SetMediaUrl(media)
		if _, err := tw.Api.CreateMessage(params); err != nil {
			t.Fatalf("CreateMessage: %v", err)
		}
		if got := rt.lastForm()["MediaUrl"]; len(got) != 2 || got[0] != media[0] || got[1] != media[1] {
			t.Errorf("sent MediaUrl = %q, want %q", got, media)
		}
	})
}

func TestPrismRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	p := StartTwilioPrism(t)

	t.Run("missing To", func(t *testing.T) {
		tw, _ := newTwilio(t, p, testSid, testToken)
		params := (&openapi.CreateMessageParams{}).SetFrom("+12015550124").SetBody("hi")
		_, err := tw.Api.CreateMessage(params)
		if status := restStatus(err); status != http.StatusUnprocessableEntity {
			t.Errorf("err = %v, want status 422", err)
		}
	})

	t.Run("no basic auth", func(t *testing.T) {
		tw, _ := newTwilio(t, p, testSid, "") // empty token: twilio-go sends no auth
		params := (&openapi.CreateMessageParams{}).SetTo("+12015550123").SetFrom("+12015550124").SetBody("hi")
		_, err := tw.Api.CreateMessage(params)
		if status := restStatus(err); status != http.StatusUnauthorized {
			t.Errorf("err = %v, want status 401", err)
		}
	})
}

func restStatus(err error) int {
	var re *client.TwilioRestError
	if errors.As(err, &re) {
		return re.Status
	}
	return 0
}
