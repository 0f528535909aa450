package testenv_test

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestFreePort(t *testing.T) {
	if p := testenv.FreePort(t); p <= 0 || p > 65535 {
		t.Fatalf("FreePort = %d", p)
	}
}

func TestRedisStopStart(t *testing.T) {
	r := testenv.StartRedis(t)
	if !strings.HasPrefix(r.URL, "redis://127.0.0.1:") || !strings.HasPrefix(r.Addr, "127.0.0.1:") {
		t.Fatalf("Addr %q URL %q", r.Addr, r.URL)
	}
	opt, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Fail fast while stopped: go-redis v9.23 otherwise retries each failed
	// dial 5 times, 100ms apart.
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	rdb := redis.NewClient(opt)
	defer rdb.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET = %q, %v; want v", v, err)
	}

	r.Stop(t)
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded while redis is stopped")
	}

	r.Start(t)
	// State survives a restart, as with an operator's persistent Redis.
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET after restart = %q, %v; want v", v, err)
	}
	if err := rdb.Set(ctx, "k", "w", 0).Err(); err != nil {
		t.Fatalf("SET after restart: %v", err)
	}
}

func TestProsodyChat(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	if p.ComponentDomain != "sms.localhost" || p.ComponentSecret == "" {
		t.Fatalf("defaults: domain %q secret %q", p.ComponentDomain, p.ComponentSecret)
	}
	p.Register(t, "alice", "alice-pw")
	p.Register(t, "bob", "bob-pw")
	alice := p.Client(t, "alice", "alice-pw")
	bob := p.Client(t, "bob", "bob-pw")
	if alice.JID.Bare().String() != "alice@localhost" || alice.JID.Resourcepart() == "" {
		t.Fatalf("alice JID = %s", alice.JID)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := alice.Send(ctx, `<message type="chat" to="bob@localhost" id="m1"><body>hi &amp; bye</body><request xmlns="urn:xmpp:receipts"/></message>`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bob.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.ID == "m1" })
	if err != nil {
		t.Fatal(err)
	}
	if got.Body() != "hi & bye" || got.Type != "chat" || !strings.HasPrefix(got.From, "alice@localhost/") || got.To != "bob@localhost" {
		t.Errorf("bob got %s", got)
	}
	if !got.Has("urn:xmpp:receipts", "request") || got.Has("urn:xmpp:receipts", "received") {
		t.Errorf("Has is wrong for %s", got)
	}

	// No component is connected: Prosody 0.12 bounces the message.
	if err := alice.Send(ctx, `<message type="chat" to="+12015550123@sms.localhost" id="m2"><body>x</body></message>`); err != nil {
		t.Fatal(err)
	}
	bounce, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "m2" })
	if err != nil {
		t.Fatal(err)
	}
	if bounce.Type != "error" || bounce.ErrorCondition() != "remote-server-timeout" || bounce.ErrorText() != "Component unavailable" {
		t.Errorf("bounce = %s (condition %q, text %q)", bounce, bounce.ErrorCondition(), bounce.ErrorText())
	}

	if err := alice.Send(ctx, `<message><body>unclosed</message>`); err == nil {
		t.Error("Send accepted malformed XML")
	}
}

func TestProsodyRestart(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{ComponentDomain: "gw.localhost", ComponentSecret: "s3cret"})
	p.Register(t, "alice", "pw")
	p.Register(t, "bob", "pw")
	alice := p.Client(t, "alice", "pw")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// bob is offline: mod_offline stores the message in the data directory.
	if err := alice.Send(ctx, `<message type="chat" to="bob@localhost" id="off1"><body>while you were out</body></message>`); err != nil {
		t.Fatal(err)
	}
	// A round trip through the server, so the message is stored before Stop.
	if err := alice.Send(ctx, `<iq type="get" id="sync" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "sync" }); err != nil {
		t.Fatal(err)
	}

	p.Stop(t)
	if _, err := alice.Expect(ctx, func(testenv.Stanza) bool { return false }); err == nil || ctx.Err() != nil {
		t.Fatalf("Expect after Stop = %v; want a session-ended error", err)
	}
	alice.Close()

	p.Start(t)
	// Accounts and offline messages survived the restart.
	bob := p.Client(t, "bob", "pw")
	got, err := bob.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "off1" })
	if err != nil {
		t.Fatal(err)
	}
	if got.Body() != "while you were out" || !got.Has("urn:xmpp:delay", "delay") {
		t.Errorf("offline message = %s", got)
	}
}

// TestProsodyWebSocket checks that HTTPAddr upgrades /xmpp-websocket to the
// XMPP WebSocket subprotocol (RFC 7395), as a browser client would.
func TestProsodyWebSocket(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	conn, err := net.DialTimeout("tcp", p.HTTPAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = fmt.Fprintf(conn, "GET /xmpp-websocket HTTP/1.1\r\nHost: %s\r\nOrigin: http://example.test\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n", p.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "xmpp" {
		t.Fatalf("upgrade: %s %v", resp.Status, resp.Header)
	}
}

func TestStanzaHelpers(t *testing.T) {
	s := testenv.Stanza{Raw: `<message xmlns="jabber:client" type="error" id="x"><body>b</body>` +
		`<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>` +
		`<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">no such number</text></error></message>`}
	if s.Body() != "b" || s.ErrorCondition() != "item-not-found" || s.ErrorText() != "no such number" {
		t.Errorf("Body %q ErrorCondition %q ErrorText %q", s.Body(), s.ErrorCondition(), s.ErrorText())
	}
	if !s.Has("urn:ietf:params:xml:ns:xmpp-stanzas", "item-not-found") || s.Has("jabber:client", "message") {
		t.Error("Has")
	}
}

// TestProsodyComponent checks that ComponentAddr and ComponentSecret let a
// XEP-0114 component connect and exchange messages with a client.
func TestProsodyComponent(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	p.Register(t, "alice", "pw")
	alice := p.Client(t, "alice", "pw")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.ComponentAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	comp, err := component.NewSession(ctx, jid.MustParse(p.ComponentDomain), []byte(p.ComponentSecret), conn)
	if err != nil {
		t.Fatalf("component handshake: %v", err)
	}
	served := make(chan error, 1)
	go func() {
		// Echo every message back to its sender, from the number it was sent to.
		served <- comp.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			msg, err := stanza.NewMessage(*start)
			if err != nil || start.Name.Local != "message" {
				return nil
			}
			_, err = xmlstream.Copy(r, stanza.Message{To: msg.From, From: msg.To, Type: stanza.ChatMessage}.Wrap(
				xmlstream.Wrap(xmlstream.Token(xml.CharData("echo")), xml.StartElement{Name: xml.Name{Local: "body"}})))
			return err
		}))
	}()
	defer func() {
		comp.Close()
		conn.Close()
		<-served
	}()

	if err := alice.Send(ctx, `<message type="chat" to="+12015550123@sms.localhost" id="m1"><body>hi</body></message>`); err != nil {
		t.Fatal(err)
	}
	got, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.From == "+12015550123@sms.localhost" })
	if err != nil {
		t.Fatal(err)
	}
	if got.Body() != "echo" || got.Type != "chat" {
		t.Errorf("alice got %s", got)
	}
}
