package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

const (
	mmsSID   = "MM0123456789abcdef0123456789abcdef"
	mediaSID = "ME0123456789abcdef0123456789abcdef"
)

// twilioWithMedia is a Twilio API that holds one inbound media item behind
// HTTP Basic auth, deletes it on DELETE, and takes sends.
type twilioWithMedia struct {
	mu      sync.Mutex
	deleted []string
	sends   []url.Values
	srv     *httptest.Server
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n fake picture")

func newTwilioWithMedia(t *testing.T) *twilioWithMedia {
	tw := &twilioWithMedia{}
	mediaPath := "/2010-04-01/Accounts/" + twSID + "/Messages/" + mmsSID + "/Media/" + mediaSID
	tw.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != twSID || p != twToken {
			http.Error(w, `{"code":20003,"message":"Authenticate"}`, http.StatusUnauthorized)
			return
		}
		tw.mu.Lock()
		defer tw.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/Media/ME"+strings.Repeat("5", 32)):
			http.Error(w, `{"code":20500,"message":"busy"}`, http.StatusServiceUnavailable)
		case r.Method == http.MethodGet && r.URL.Path == mediaPath:
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes)
		case r.Method == http.MethodDelete && strings.TrimSuffix(r.URL.Path, ".json") == mediaPath:
			tw.deleted = append(tw.deleted, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages.json"):
			_ = r.ParseForm()
			tw.sends = append(tw.sends, r.PostForm)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued"}`, len(tw.sends))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(tw.srv.Close)
	return tw
}

func (tw *twilioWithMedia) env(t *testing.T) *env {
	return startEnv(t, envOptions{
		extraTOML: fmt.Sprintf("[carriers.twilio]\naccount_sid = %q\nauth_token = %q\napi_url = %q\nper_number_rate = 1000\n", twSID, twToken, tw.srv.URL),
		env:       []string{"SWITCHBOARD_MMS_FETCH_ALLOW=127.0.0.1/32"},
	})
}

// TestInboundMMSRehosted: a picture from a phone reaches the user as the
// text, then its own message with the gateway's URL (body and OOB); the
// carrier's URL, with the account id in it, never does; the copy at the
// carrier is deleted.
func TestInboundMMSRehosted(t *testing.T) {
	tw := newTwilioWithMedia(t)
	e := tw.env(t)
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)

	form := inboundForm(mmsSID, phoneNum, aliceNum, "look at this")
	form.Set("NumMedia", "1")
	form.Set("MediaUrl0", tw.srv.URL+"/2010-04-01/Accounts/"+twSID+"/Messages/"+mmsSID+"/Media/"+mediaSID)
	form.Set("MediaContentType0", "image/png")
	if code, body := e.signed(t, "/twilio/sms", form); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	text, err := alice.Expect(ctx, isMessageFrom(phone))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.Raw, "look at this") {
		t.Fatalf("first message should be the text: %s", text.Raw)
	}
	pic, err := alice.Expect(ctx, isMessageFrom(phone))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []testenv.Stanza{text, pic} {
		if strings.Contains(s.Raw, twSID) || strings.Contains(s.Raw, tw.srv.URL) {
			t.Errorf("the carrier's media URL reached the user: %s", s.Raw)
		}
	}
	if !pic.Has("jabber:x:oob", "x") {
		t.Fatalf("media message without OOB: %s", pic.Raw)
	}
	u := between(pic.Raw, "<url>", "</url>")
	if !strings.HasPrefix(u, e.cfg.HTTP.PublicURL+"/media/") || !strings.HasSuffix(u, ".png") || !strings.Contains(pic.Raw, "<body>"+u+"</body>") {
		t.Fatalf("want the gateway's URL as body and OOB, got %s", pic.Raw)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || string(got) != string(pngBytes) {
		t.Errorf("GET %s: %d %s %q", u, res.StatusCode, res.Header.Get("Content-Type"), got)
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if len(tw.deleted) != 1 {
		t.Errorf("the carrier's copy was deleted %d times; want once", len(tw.deleted))
	}
}

// TestOutboundMMSChecked: an attachment goes out as media with its URL
// taken out of the text, unless it breaks the carrier's limits or points
// into a private network.
func TestOutboundMMSChecked(t *testing.T) {
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ, n := "image/jpeg", 1000
		switch {
		case strings.HasSuffix(r.URL.Path, ".exe"):
			typ = "application/x-msdownload"
		case strings.Contains(r.URL.Path, "big"):
			n = 6 << 20
		}
		w.Header().Set("Content-Type", typ)
		w.Header().Set("Content-Length", strconv.Itoa(n))
		if r.Method == http.MethodGet {
			w.Write(make([]byte, n))
		}
	}))
	defer files.Close()
	tw := newTwilioWithMedia(t)
	e := tw.env(t)
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)

	tests := []struct {
		name, url, refusal string
	}{
		{"picture", files.URL + "/a.jpg", ""},
		{"wrong type", files.URL + "/setup.exe", "does not take attachments of type application/x-msdownload"},
		{"too big", files.URL + "/big.jpg", "accepts at most 5.0 MB"},
		{"private network", "http://10.11.12.13/a.jpg", "private network"},
		{"metadata address", "http://169.254.169.254/latest/meta-data/", "private network"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("mms%d", i)
			before := len(tw.sends)
			err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+phone+`"><body>see `+tt.url+`</body><x xmlns="jabber:x:oob"><url>`+tt.url+`</url></x></message>`)
			if err != nil {
				t.Fatal(err)
			}
			if tt.refusal != "" {
				r, err := alice.Expect(ctx, errorFor(id))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(r.Raw, tt.refusal) {
					t.Errorf("want %q, got %s", tt.refusal, r.Raw)
				}
				return
			}
			waitFor(t, "the send", func() bool { tw.mu.Lock(); defer tw.mu.Unlock(); return len(tw.sends) > before })
			tw.mu.Lock()
			f := tw.sends[len(tw.sends)-1]
			tw.mu.Unlock()
			if f.Get("MediaUrl") != tt.url || f.Get("Body") != "see" {
				t.Errorf("carrier got Body %q MediaUrl %q", f.Get("Body"), f["MediaUrl"])
			}
		})
	}
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	out, _, _ := strings.Cut(rest, b)
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInboundMMSUnfetchable: media the gateway can never fetch (gone at
// the carrier) does not hold the text back: it arrives, saying so. Media
// it cannot fetch for now makes the carrier retry.
func TestInboundMMSUnfetchable(t *testing.T) {
	tw := newTwilioWithMedia(t)
	e := tw.env(t)
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	base := tw.srv.URL + "/2010-04-01/Accounts/" + twSID + "/Messages/" + mmsSID + "/Media/"

	form := inboundForm("MM"+strings.Repeat("1", 32), phoneNum, aliceNum, "gone picture")
	form.Set("NumMedia", "1")
	form.Set("MediaUrl0", base+"ME"+strings.Repeat("9", 32)) // 404 at the fake
	if code, body := e.signed(t, "/twilio/sms", form); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	r, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "gone picture") || !strings.Contains(r.Raw, "could not be delivered") || r.Has("jabber:x:oob", "x") {
		t.Errorf("want the text with a note and no link, got %s", r.Raw)
	}

	// Media the carrier cannot serve for now (503): the carrier retries.
	form = inboundForm("MM"+strings.Repeat("2", 32), phoneNum, aliceNum, "later")
	form.Set("NumMedia", "1")
	form.Set("MediaUrl0", base+"ME"+strings.Repeat("5", 32))
	if code, _ := e.signed(t, "/twilio/sms", form); code == http.StatusOK {
		t.Errorf("media that failed for now: webhook answered 200; want a retry")
	}
	// Media on another host than the carrier's: never fetched with the
	// carrier's credentials; the text arrives without it.
	form = inboundForm("MM"+strings.Repeat("3", 32), phoneNum, aliceNum, "elsewhere")
	form.Set("NumMedia", "1")
	form.Set("MediaUrl0", "http://127.0.0.1:9/evil.png")
	if code, body := e.signed(t, "/twilio/sms", form); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	if r, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum))); err != nil || !strings.Contains(r.Raw, "elsewhere") || r.Has("jabber:x:oob", "x") {
		t.Errorf("foreign media host: %v %s", err, r.Raw)
	}
}
