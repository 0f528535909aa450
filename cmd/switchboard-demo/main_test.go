package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// The demo stops every goroutine it started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDemo runs the demo on free ports, texts the demo user from the sandbox
// page's API, logs in over STARTTLS with what the banner says, gets the text,
// then stops the demo and checks that it left nothing behind.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody, Redis and the gateway (skipped with -short)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, options{}, pw, t.Output())
		pw.Close()
		done <- err
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(pr); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	// When the test fails too: stop the demo and wait until it has stopped.
	t.Cleanup(func() {
		cancel()
		for range lines {
		}
	})
	var banner strings.Builder
	for !strings.Contains(banner.String(), "Data, config and logs:") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("run ended before it was ready: %v\n%s", <-done, banner.String())
			}
			banner.WriteString(l + "\n")
		case <-time.After(30 * time.Second):
			t.Fatalf("no banner after 30s:\n%s", banner.String())
		}
	}
	field := func(re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(banner.String())
		if m == nil {
			t.Fatalf("banner lacks %s:\n%s", re, banner.String())
		}
		return m[1]
	}
	password := field(`Password: +(\S+)`)
	c2s := field(`Server: +(127\.0\.0\.1:\d+)`)
	sandbox := field(`(http://127\.0\.0\.1:\d+/sandbox/)\?token=[0-9a-f]{32}\n`)
	token := field(`http://127\.0\.0\.1:\d+/sandbox/\?token=([0-9a-f]{32})\n`)
	dir := field(`Data, config and logs: (\S+)`)
	field(`(\+12015550123@sms\.localhost)`)
	prosodyHTTP := field(`ws://(127\.0\.0\.1:\d+)/xmpp-websocket`)
	field(`uploads to (upload\.localhost)`)
	certFile := checkCertHelp(t, banner.String(), field)
	if !strings.HasPrefix(certFile, dir+string(filepath.Separator)) {
		t.Errorf("certificate %s is outside the demo's directory %s, so it outlives the demo", certFile, dir)
	}

	// The page answers only with the banner's token.
	page, err := http.Get(sandbox)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusForbidden {
		t.Errorf("the sandbox page without its token: %s", page.Status)
	}
	page, err = http.Get(sandbox + "?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), token) {
		t.Errorf("the sandbox page with its token: %s", page.Status)
	}

	// Clients can upload pictures: Prosody serves XEP-0363 file share
	// (internal/testenv's TestFileShare does a whole upload with the same
	// option).
	share, err := http.Get("http://" + prosodyHTTP + "/file_share/")
	if err != nil {
		t.Fatal(err)
	}
	share.Body.Close()
	if share.StatusCode != http.StatusOK {
		t.Errorf("Prosody's file share: %s", share.Status)
	}

	// A phone texts the demo user, who is offline: Prosody keeps the message.
	req, err := http.NewRequest(http.MethodPost, sandbox+"api/send",
		strings.NewReader(`{"from":"+12015550123","to":"+12015550100","body":"hello demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sandbox-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST api/send: %s", resp.Status)
	}

	// Trusting only the printed file, as Poezio would.
	got := loginAndReceive(t, c2s, password, certFile)
	if got != "+12015550123@sms.localhost: hello demo" {
		t.Errorf("demo user got %q", got)
	}

	// The account without a number signs up by chat text and gets the
	// first number the sandbox offers (the demo user holds +12015550100).
	newJID := field(`Sign up: (newcomer@localhost) \(password`)
	newPassword := field(`newcomer@localhost \(password (\S+)\)`)
	if got := signUpByChat(t, c2s, strings.TrimSuffix(newJID, "@localhost"), newPassword, certFile); !strings.Contains(got, "Welcome! Your number is +12015550101.") {
		t.Errorf("sign-up ended with %q", got)
	}
	// ...and its first text reached the phone network.
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, sandbox+"api/messages", nil)
		req.Header.Set("X-Sandbox-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "hello from my new number") && strings.Contains(string(b), "+12015550101") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new number's text is not on the sandbox page: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	cancel()
	var rest strings.Builder
	for l := range lines {
		rest.WriteString(l + "\n")
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if rest.String() != "Stopped. Removed "+dir+"\n" {
		t.Errorf("output after the banner: %q", rest.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data directory %s still there: %v", dir, err)
	}
	if c, err := net.Dial("tcp", c2s); err == nil {
		c.Close()
		t.Errorf("Prosody still listens on %s", c2s)
	}
}

// checkCertHelp checks that the banner gives what each client needs to trust
// the demo's certificate: the SHA-1 fingerprint (Profanity), the SHA-256
// one, both of the printed file, and the file (Poezio). It returns the file.
func checkCertHelp(t *testing.T, banner string, field func(string) string) string {
	t.Helper()
	const pair = `[0-9A-F]{2}`
	sha1FP := field(`SHA-1: +((?:` + pair + `:){19}` + pair + `)\n`)
	sha256FP := field(`SHA-256: +((?:` + pair + `:){31}` + pair + `)\n`)
	certFile := field(`(?m)^ +(/\S+\.crt)$`)
	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatalf("the printed certificate file: %v\n%s", err, banner)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s is not a PEM certificate:\n%s", certFile, data)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Fatalf("%s: %v", certFile, err)
	}
	s1, s256 := sha1.Sum(block.Bytes), sha256.Sum256(block.Bytes)
	if want := colonHex(s1[:]); sha1FP != want {
		t.Errorf("banner's SHA-1 %s, the file's %s", sha1FP, want)
	}
	if want := colonHex(s256[:]); sha256FP != want {
		t.Errorf("banner's SHA-256 %s, the file's %s", sha256FP, want)
	}
	return certFile
}

// colonHex is a digest written as clients show it, independently of the
// demo's own code: AB:CD:...
func colonHex(sum []byte) string {
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// login logs user in over STARTTLS, trusting only certFile, and returns
// the session, with the bodies of the messages it gets ("from: body") on
// a channel, offline ones included.
func login(t *testing.T, ctx context.Context, addr, user, password, certFile string) (*xmpp.Session, <-chan string) {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	origin := jid.MustParse(user + "@localhost")
	s, err := xmpp.NewSession(ctx, origin.Domain(), origin, conn, 0,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: []xmpp.StreamFeature{
				xmpp.StartTLS(&tls.Config{ServerName: "localhost", RootCAs: roots, MinVersion: tls.VersionTLS12}),
				xmpp.SASL("", password, sasl.ScramSha1, sasl.Plain),
				xmpp.BindResource(),
			}}
		}))
	if err != nil {
		t.Fatalf("log in as %s over STARTTLS: %v", origin, err)
	}
	if s.State()&xmpp.Secure == 0 {
		t.Error("session is not encrypted")
	}
	msgs := make(chan string, 16)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			var m struct {
				stanza.Message
				Body string `xml:"body"`
			}
			if start.Name.Local != "message" {
				return nil
			}
			// DecodeElement fills m but then reports the end tag as
			// unexpected on the handler's reader; only the fields matter.
			_ = xml.NewTokenDecoder(r).DecodeElement(&m, start)
			if m.Body == "" {
				return nil
			}
			select {
			case msgs <- m.From.String() + ": " + m.Body:
			default:
			}
			return nil
		}))
		close(msgs)
	}()
	t.Cleanup(func() {
		s.Close()
		conn.Close()
		<-served
	})
	// Offline messages come with the first available presence.
	if err := s.Send(ctx, stanza.Presence{}.Wrap(nil)); err != nil {
		t.Fatal(err)
	}
	return s, msgs
}

// loginAndReceive logs in as the demo user and returns the first message
// it gets ("from: body").
func loginAndReceive(t *testing.T, addr, password, certFile string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, msgs := login(t, ctx, addr, "demo", password, certFile)
	select {
	case m := <-msgs:
		return m
	case <-ctx.Done():
		t.Fatal("no message for the demo user")
		return ""
	}
}

// signUpByChat logs in as the banner's account without a number and
// signs up by chatting with the gateway, as a client without a command UI
// would: it searches, picks the first number, pays on the sandbox's
// payment page, finishes, and texts a phone from the new number. It
// returns the sign-up's last answer.
func signUpByChat(t *testing.T, addr, user, password, certFile string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, msgs := login(t, ctx, addr, user, password, certFile)
	send := func(to, text string) {
		t.Helper()
		body := xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Local: "body"}})
		if err := s.Send(ctx, stanza.Message{To: jid.MustParse(to), Type: stanza.ChatMessage}.Wrap(body)); err != nil {
			t.Fatal(err)
		}
	}
	// await returns the first message containing want.
	await := func(want string) string {
		t.Helper()
		var seen []string
		for {
			select {
			case m := <-msgs:
				if strings.Contains(m, want) {
					return m
				}
				seen = append(seen, m)
			case <-ctx.Done():
				t.Fatalf("no message with %q; got %q", want, seen)
			}
		}
	}
	say := func(text, want string) string {
		t.Helper()
		send(gatewayJID, text)
		return await(want)
	}
	say("register", "Register")
	say("finish", "+12015550101")     // search with no criteria: the list
	say("1", "Top up by")             // pick the first: the pay step
	link := say("1", "/sandbox/pay/") // 5.00: a payment link
	url := regexp.MustCompile(`http://\S+/sandbox/pay/[A-Za-z0-9_-]+`).FindString(link)
	if url == "" {
		t.Fatalf("no payment link in %q", link)
	}
	resp, err := http.Post(url, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("paying on the sandbox page: %s", resp.Status)
	}
	await("5.00 USD")                   // the gateway tells of the credit
	say("finish", "Take +12015550101?") // paid: the confirmation
	last := say("finish", "Welcome!")
	send("+12015550123@"+gatewayJID, "hello from my new number")
	return last
}
