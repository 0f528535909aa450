package signalwire

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/twilio"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// request is what the recorder saw of one API call.
type request struct {
	method, path, user, pass string
	form                     url.Values
}

// recorder answers every API call with a minimal message and keeps it.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	u, p, _ := r.BasicAuth()
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, request{r.Method, r.URL.Path, u, p, r.Form})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Write([]byte(`{"sid":"0a8f1e52-6f2b-4c3e-9d3a-5b1c2d3e4f50","messages":[]}`))
}

func (rec *recorder) all() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

// TestRequestsUnderLaMLPrefix: every call goes to the space under
// /api/laml with the UUID project id as Basic user, where twilio-go's own
// client would have refused the id before any request.
func TestRequestsUnderLaMLPrefix(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := New(Settings{SpaceURL: srv.URL, ProjectID: testProject, APIToken: testToken, PublicURL: "https://gw.example.org", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := c.Send(ctx, carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hi",
		Media: []carriers.Media{{URL: "https://files.example.org/a.jpg"}, {URL: "https://files.example.org/b.jpg"}}})
	if err != nil || id != "0a8f1e52-6f2b-4c3e-9d3a-5b1c2d3e4f50" {
		t.Fatalf("Send: %q, %v", id, err)
	}
	if err := c.Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if _, _, err := c.Find(ctx, carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hi"}, time.Now()); err != nil {
		t.Fatalf("Find: %v", err)
	}
	media := srv.URL + "/api/laml/2010-04-01/Accounts/" + testProject + "/Messages/" + testMessage + "/Media/" + testMedia
	if err := c.DeleteMedia(ctx, media); err != nil {
		t.Fatalf("DeleteMedia: %v", err)
	}
	acct := "/api/laml/2010-04-01/Accounts/" + testProject
	want := []struct{ method, path string }{
		{http.MethodPost, acct + "/Messages.json"},
		{http.MethodGet, acct + ".json"},
		{http.MethodGet, acct + "/Messages.json"},
		{http.MethodDelete, acct + "/Messages/" + testMessage + "/Media/" + testMedia + ".json"},
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
	f := got[0].form
	if f.Get("StatusCallback") != "https://gw.example.org/signalwire/status" || len(f["MediaUrl"]) != 2 || f.Get("Body") != "hi" {
		t.Errorf("send form %v", f)
	}

	// The same id through twilio-go's own client never leaves the process.
	tw, err := twilio.New(twilio.Settings{AccountSID: testProject, AuthToken: testToken, APIURL: srv.URL, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Probe(ctx); err == nil {
		t.Error("twilio-go's client took a UUID account id; the LaML client is no longer needed")
	}
	if n := len(rec.all()); n != len(want) {
		t.Errorf("twilio-go's client sent %d requests with a UUID id", n-len(want))
	}
}

// Media ids as SignalWire gives them: UUIDs.
const (
	testMessage = "1c6b9a34-0d7e-4f8a-b2c1-3e4d5f607182"
	testMedia   = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
)

// TestDeleteMediaAgainstLaMLSpec deletes a UUID-named media item at Prism
// serving the LaML definition, and gives credentials to the space only.
func TestDeleteMediaAgainstLaMLSpec(t *testing.T) {
	p := icarriertest.StartSignalWirePrism(t)
	c, err := New(Settings{SpaceURL: p.URL, ProjectID: testProject, APIToken: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	media := p.URL + "/api/laml/2010-04-01/Accounts/" + testProject + "/Messages/" + testMessage + "/Media/" + testMedia
	if err := c.DeleteMedia(context.Background(), media); err != nil {
		t.Fatalf("DeleteMedia: %v", err)
	}
	refused := []string{
		p.URL + "/2010-04-01/Accounts/" + testProject + "/Messages/" + testMessage + "/Media/" + testMedia,                           // Twilio's path
		p.URL + "/api/laml/2010-04-01/Accounts/7bd3a8d2-0000-4c1a-9a1e-0c6f3b2d4e5f/Messages/" + testMessage + "/Media/" + testMedia, // another project
		"https://evil.example.org/api/laml/2010-04-01/Accounts/" + testProject + "/Messages/" + testMessage + "/Media/" + testMedia,
	}
	for _, u := range refused {
		if err := c.DeleteMedia(context.Background(), u); err == nil {
			t.Errorf("DeleteMedia(%s) acted", u)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, media, nil)
	if err := c.AuthorizeMedia(req); err != nil {
		t.Errorf("AuthorizeMedia on the space: %v", err)
	}
	req, _ = http.NewRequest(http.MethodGet, "https://evil.example.org/x", nil)
	if err := c.AuthorizeMedia(req); err == nil || req.Header.Get("Authorization") != "" {
		t.Error("AuthorizeMedia gave credentials to another host")
	}
}

// TestLimits: SignalWire's MMS cap, and receipts for SMS only in effect.
func TestLimits(t *testing.T) {
	c, err := New(Settings{SpaceURL: "https://example.signalwire.com", ProjectID: testProject, APIToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits()
	if c.Name() != "signalwire" || l.MaxMediaBytes != 1_200_000 || !l.Delivery || l.Group() || l.PerNumber != 1 {
		t.Errorf("%s %+v", c.Name(), l)
	}
	if _, err := New(Settings{ProjectID: testProject, APIToken: testToken}); err == nil {
		t.Error("New without a space URL succeeded")
	}
}

// TestWebhookHeaders: SignalWire signs with Twilio's scheme in its own
// header; the signature in Twilio's header, or at Twilio's path, is
// refused. Signatures come from the npm twilio package.
func TestWebhookHeaders(t *testing.T) {
	const public = "https://gw.example.org"
	c, err := New(Settings{SpaceURL: "https://example.signalwire.com", ProjectID: testProject, APIToken: testToken, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	recv := &icarriertest.Receiver{}
	h := c.Handler(recv)
	f := inboundForm(carriers.Message{ID: testMessage, From: "+12015550123", To: "+12015550100", Body: "hello"})
	sig := icarriertest.TwilioSignature(t, testToken, public+"/signalwire/sms", f)
	tests := []struct {
		name, path, header string
		want               int
	}{
		{"signalwire header", "/signalwire/sms", "X-SignalWire-Signature", http.StatusOK},
		{"twilio header", "/signalwire/sms", "X-Twilio-Signature", http.StatusForbidden},
		{"twilio path", "/twilio/sms", "X-SignalWire-Signature", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(recv.Messages())
			r := signed(public, tt.path, f, tt.header)
			r.Header.Set(tt.header, sig) // npm twilio's, not the Go signer's
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("answered %d; want %d", w.Code, tt.want)
			}
			got := recv.Messages()[before:]
			if tt.want != http.StatusOK {
				if len(got) != 0 {
					t.Error("a refused webhook reached the gateway")
				}
				return
			}
			if len(got) != 1 || got[0].ID != testMessage || got[0].Carrier != Name || got[0].Body != "hello" {
				t.Errorf("got %+v", got)
			}
		})
	}
}
