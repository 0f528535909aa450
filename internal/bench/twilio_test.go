//go:build linux

package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// fakeTwilio answers the Messages API as fast as it can, like Twilio would
// (201 and the message resource as JSON), and credits every request to the
// current run as an arrival at "carrier".
type fakeTwilio struct {
	URL        string
	accountSID string
	srv        *http.Server

	requests atomic.Int64
	badAuth  atomic.Int64
	conns    atomic.Int64 // TCP connections accepted
}

func startFakeTwilio(tb testing.TB, accountSID string) *fakeTwilio {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f := &fakeTwilio{URL: "http://" + ln.Addr().String(), accountSID: accountSID}
	f.srv = &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				f.conns.Add(1)
			}
		},
	}
	go func() { _ = f.srv.Serve(ln) }()
	tb.Cleanup(func() { _ = f.srv.Close() })
	return f
}

// twilioMessage is the resource Twilio answers a CreateMessage with.
type twilioMessage struct {
	AccountSID      string            `json:"account_sid"`
	APIVersion      string            `json:"api_version"`
	Body            string            `json:"body"`
	DateCreated     string            `json:"date_created"`
	DateSent        *string           `json:"date_sent"`
	DateUpdated     string            `json:"date_updated"`
	Direction       string            `json:"direction"`
	ErrorCode       *int              `json:"error_code"`
	ErrorMessage    *string           `json:"error_message"`
	From            string            `json:"from"`
	MessagingSvcSID *string           `json:"messaging_service_sid"`
	NumMedia        string            `json:"num_media"`
	NumSegments     string            `json:"num_segments"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	SID             string            `json:"sid"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	To              string            `json:"to"`
	URI             string            `json:"uri"`
}

// picture is what the fake serves as MMS media: a user's upload at
// /files/pic.jpg, and an inbound message's item behind Basic auth.
var picture = make([]byte, 64<<10)

// mediaPath is the inbound media item's path at the fake Twilio.
func (f *fakeTwilio) mediaPath() string {
	return "/2010-04-01/Accounts/" + f.accountSID + "/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef"
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now().UnixNano()
	prefix := "/2010-04-01/Accounts/" + f.accountSID + "/Messages"
	switch {
	case r.URL.Path == "/files/pic.jpg" || r.URL.Path == f.mediaPath() && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "image/jpeg")
		http.ServeContent(w, r, "pic.jpg", time.Time{}, bytes.NewReader(picture))
		return
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, f.mediaPath()):
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != prefix+".json" {
		http.NotFound(w, r)
		return
	}
	if user, _, ok := r.BasicAuth(); !ok || user != f.accountSID {
		f.badAuth.Add(1)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := f.requests.Add(1)
	body := r.PostForm.Get("Body")
	id, _, _ := strings.Cut(body, " ")
	arrive("carrier", id, now)

	sid := fmt.Sprintf("SM%032x", n)
	date := time.Now().UTC().Format(time.RFC1123Z)
	b, _ := json.Marshal(twilioMessage{
		AccountSID: f.accountSID, APIVersion: "2010-04-01", Body: body,
		DateCreated: date, DateUpdated: date, Direction: "outbound-api",
		From: r.PostForm.Get("From"), To: r.PostForm.Get("To"),
		NumMedia: "0", NumSegments: "1", PriceUnit: "USD", SID: sid, Status: "queued",
		SubresourceURIs: map[string]string{"media": prefix + "/" + sid + "/Media.json"},
		URI:             prefix + "/" + sid + ".json",
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(b)
}

// TestSignature checks the benchmark's signer against twilio-go's validator,
// which is what the gateway uses.
func TestSignature(t *testing.T) {
	const token = "f00dfacef00dfacef00dfacef00dface"
	u := "http://127.0.0.1:8080/twilio/sms"
	form := url.Values{"MessageSid": {"SM0123"}, "Body": {"hi & bye ✓"}, "From": {"+12015550123"}, "To": {"+12015550100"}, "AccountSid": {"AC01"}}
	flat := map[string]string{}
	for k, v := range form {
		flat[k] = v[0]
	}
	sig := carriertest.SignTwilio(token, u, form)
	v, other := tclient.NewRequestValidator(token), tclient.NewRequestValidator("other")
	if !v.Validate(u, flat, sig) {
		t.Fatalf("twilio-go rejects signature %s", sig)
	}
	if other.Validate(u, flat, sig) {
		t.Fatal("twilio-go accepts the signature with another token")
	}
}

// webhookSender posts signed inbound-message webhooks, as Twilio does for
// an SMS to the user's number from each recipient in turn.
type webhookSender struct {
	client     *http.Client
	url        string // POST here, and sign for it
	authToken  string
	accountSID string
	to         string   // the user's number
	from       []string // E.164
	nonce      string   // makes MessageSids unique across runs
	media      string   // a media URL at the fake Twilio, making each message an MMS
}

var messageSids atomic.Int64

func (s *webhookSender) send(r *run, seq int) error {
	form := url.Values{
		"MessageSid":  {fmt.Sprintf("SM%s%016x", s.nonce, messageSids.Add(1))},
		"AccountSid":  {s.accountSID},
		"From":        {s.from[seq%len(s.from)]},
		"To":          {s.to},
		"Body":        {r.body(seq)},
		"NumMedia":    {"0"},
		"NumSegments": {"1"},
		"SmsStatus":   {"received"},
		"ApiVersion":  {"2010-04-01"},
	}
	if s.media != "" {
		form.Set("NumMedia", "1")
		form.Set("MediaUrl0", s.media)
		form.Set("MediaContentType0", "image/jpeg")
	}
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", carriertest.SignTwilio(s.authToken, s.url, form))
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered HTTP %d", res.StatusCode)
	}
	return nil
}

func (s *webhookSender) flush() error { return nil }
