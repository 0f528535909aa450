//go:build linux

package bench

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// fakeTwilio answers the Messages API as Twilio would (201 and the message
// resource as JSON), and credits every request to the current run as an
// arrival at "carrier". It also serves a user's upload (/files/pic.jpg)
// and an inbound message's media item behind Basic auth, and takes that
// item's DELETE.
//
// It speaks just enough HTTP/1.1 itself (keep-alive, Content-Length
// bodies, which is what Go's client sends) rather than through net/http:
// it shares the machine's two cores with the gateway, and net/http's
// server cost about 20 µs a request, charged to the gateway's throughput
// although a real carrier runs elsewhere.
type fakeTwilio struct {
	URL        string
	accountSID string
	ln         net.Listener

	requests atomic.Int64
	badAuth  atomic.Int64
	conns    atomic.Int64 // TCP connections accepted

	mu   sync.Mutex
	open map[net.Conn]struct{}
	wg   sync.WaitGroup
}

func startFakeTwilio(tb testing.TB, accountSID string) *fakeTwilio {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f := &fakeTwilio{URL: "http://" + ln.Addr().String(), accountSID: accountSID, ln: ln, open: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.accept()
	tb.Cleanup(f.close)
	return f
}

func (f *fakeTwilio) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.conns.Add(1)
		f.mu.Lock()
		f.open[c] = struct{}{}
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.serve(c)
			f.mu.Lock()
			delete(f.open, c)
			f.mu.Unlock()
			c.Close()
		}()
	}
}

func (f *fakeTwilio) close() {
	f.ln.Close()
	f.mu.Lock()
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// fakeRequest is what the fake reads of a request.
type fakeRequest struct {
	method, path string
	user         string // Basic auth user
	body         []byte
	close        bool
}

// serve answers the requests of one connection in turn.
func (f *fakeTwilio) serve(c net.Conn) {
	br := bufio.NewReaderSize(c, 16<<10)
	bw := bufio.NewWriterSize(c, 16<<10)
	for {
		r, err := readRequest(br)
		if err != nil {
			return
		}
		f.answer(bw, r)
		// Flush only when no other request is already waiting, as a
		// server reading a pipelined connection would.
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
		if r.close {
			_ = bw.Flush()
			return
		}
	}
}

func readRequest(br *bufio.Reader) (*fakeRequest, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	method, rest, ok1 := strings.Cut(strings.TrimRight(string(line), "\r\n"), " ")
	path, _, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("bad request line %q", line)
	}
	r := &fakeRequest{method: method, path: path}
	length := 0
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		k, v, _ := strings.Cut(strings.TrimRight(string(h), "\r\n"), ":")
		if k == "" {
			break
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			if length, err = strconv.Atoi(v); err != nil || length < 0 || length > 1<<20 {
				return nil, fmt.Errorf("bad content-length %q", v)
			}
		case "authorization":
			if enc, ok := strings.CutPrefix(v, "Basic "); ok {
				if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
					r.user, _, _ = strings.Cut(string(dec), ":")
				}
			}
		case "connection":
			r.close = strings.EqualFold(v, "close")
		case "transfer-encoding":
			return nil, fmt.Errorf("transfer-encoding %q not supported", v)
		}
	}
	r.body = make([]byte, length)
	if _, err := io.ReadFull(br, r.body); err != nil {
		return nil, err
	}
	return r, nil
}

// picture is what the fake serves as MMS media: a user's upload at
// /files/pic.jpg, and an inbound message's item behind Basic auth.
var picture = make([]byte, 64<<10)

// mediaPath is the inbound media item's path at the fake Twilio.
func (f *fakeTwilio) mediaPath() string {
	return "/2010-04-01/Accounts/" + f.accountSID + "/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef"
}

func (f *fakeTwilio) answer(w *bufio.Writer, r *fakeRequest) {
	now := time.Now().UnixNano()
	prefix := "/2010-04-01/Accounts/" + f.accountSID + "/Messages"
	switch {
	case (r.method == http.MethodGet || r.method == http.MethodHead) && (r.path == "/files/pic.jpg" || r.path == f.mediaPath()):
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(picture))
		if r.method == http.MethodGet {
			_, _ = w.Write(picture)
		}
		return
	case r.method == http.MethodDelete && strings.HasPrefix(r.path, f.mediaPath()):
		_, _ = w.WriteString("HTTP/1.1 204 No Content\r\n\r\n")
		return
	case r.method != http.MethodPost || r.path != prefix+".json":
		_, _ = w.WriteString("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if r.user != f.accountSID {
		f.badAuth.Add(1)
	}
	form, err := url.ParseQuery(string(r.body))
	if err != nil {
		_, _ = w.WriteString("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		return
	}
	n := f.requests.Add(1)
	body := form.Get("Body")
	id, _, _ := strings.Cut(body, " ")
	arrive("carrier", id, now)

	// The message resource as Twilio answers it, field for field.
	sid := fmt.Sprintf("SM%032x", n)
	date := time.Now().UTC().Format(time.RFC1123Z)
	quoted, _ := json.Marshal(body)
	res := fmt.Appendf(nil, `{"account_sid":%q,"api_version":"2010-04-01","body":%s,"date_created":%q,"date_sent":null,"date_updated":%q,`+
		`"direction":"outbound-api","error_code":null,"error_message":null,"from":%q,"messaging_service_sid":null,"num_media":"0",`+
		`"num_segments":"1","price":null,"price_unit":"USD","sid":%q,"status":"queued","subresource_uris":{"media":%q},"to":%q,"uri":%q}`,
		f.accountSID, quoted, date, date, form.Get("From"), sid, prefix+"/"+sid+"/Media.json", form.Get("To"), prefix+"/"+sid+".json")
	fmt.Fprintf(w, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(res))
	_, _ = w.Write(res)
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
// an SMS to the user's number from each recipient in turn. One goroutine
// drives each sender, over its own keep-alive connection.
//
// Like the fake Twilio, it writes HTTP/1.1 itself rather than through
// net/http's client, which cost about 15 µs a request of the cores the
// gateway is measured on.
type webhookSender struct {
	addr       string // host:port
	url        string // POST here, and sign for it
	authToken  string
	accountSID string
	to         string   // the user's number
	from       []string // E.164
	nonce      string   // makes MessageSids unique across runs
	media      string   // a media URL at the fake Twilio, making each message an MMS

	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
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
	status, err := s.post(form.Encode(), carriertest.SignTwilio(s.authToken, s.url, form))
	if err != nil {
		s.close() // the next send dials again
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("webhook answered HTTP %d", status)
	}
	return nil
}

// post writes one request on the sender's connection and reads the
// answer's status, discarding its body.
func (s *webhookSender) post(body, signature string) (int, error) {
	if s.conn == nil {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return 0, err
		}
		s.conn, s.br, s.bw = c, bufio.NewReader(c), bufio.NewWriter(c)
	}
	// s.url is http://{addr}{path}: the request line needs only the path.
	fmt.Fprintf(s.bw, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: %s\r\nContent-Length: %d\r\n\r\n%s",
		strings.TrimPrefix(s.url, "http://"+s.addr), s.addr, signature, len(body), body)
	if err := s.bw.Flush(); err != nil {
		return 0, err
	}
	line, err := s.br.ReadString('\n')
	if err != nil {
		return 0, err
	}
	_, rest, _ := strings.Cut(line, " ")
	status, err := strconv.Atoi(strings.TrimSpace(rest[:min(3, len(rest))]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, closing := 0, false
	for {
		h, err := s.br.ReadString('\n')
		if err != nil {
			return 0, err
		}
		k, v, _ := strings.Cut(strings.TrimRight(h, "\r\n"), ":")
		if k == "" {
			break
		}
		switch strings.ToLower(k) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		case "connection":
			closing = strings.EqualFold(strings.TrimSpace(v), "close")
		case "transfer-encoding":
			return 0, fmt.Errorf("transfer-encoding %q not supported", v)
		}
	}
	if _, err := s.br.Discard(length); err != nil {
		return 0, err
	}
	if closing {
		s.close()
	}
	return status, nil
}

func (s *webhookSender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

func (s *webhookSender) flush() error { return nil }
