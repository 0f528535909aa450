package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

const (
	aliceNum = "+12015550100"
	phoneNum = "+12015550123"
)

type sandboxEntry struct {
	Seq           int64
	Dir, From, To string
	Body, Status  string
	Cc            []string
	Media         []struct{ URL, Type string }
	Code, Reason  string
}

// sandboxOut waits for the n-th outbound message on the sandbox.
func (e *env) sandboxOut(t *testing.T, after int64) (sandboxEntry, bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, body := e.get(t, fmt.Sprintf("/sandbox/api/messages?after=%d&wait=1", after))
		var es []sandboxEntry
		_ = json.Unmarshal([]byte(body), &es)
		for _, x := range es {
			if x.Dir == "out" {
				return x, true
			}
			after = max(after, x.Seq)
		}
	}
	return sandboxEntry{}, false
}

func (e *env) sandboxAll(t *testing.T) []sandboxEntry {
	t.Helper()
	_, body := e.get(t, "/sandbox/api/messages?after=0")
	var es []sandboxEntry
	if err := json.Unmarshal([]byte(body), &es); err != nil {
		t.Fatalf("sandbox messages: %v: %s", err, body)
	}
	return es
}

// phoneTexts plays a phone texting a gateway number through the sandbox.
func (e *env) phoneTexts(t *testing.T, from, to, body string) (int, string) {
	t.Helper()
	code, out := e.sandboxAPI(t, http.MethodPost, "/sandbox/api/send", map[string]string{"from": from, "to": to, "body": body})
	return code, string(out)
}

// sandboxAPI calls the sandbox page's API as the page does (token, JSON)
// and returns the status and the body.
func (e *env) sandboxAPI(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sandbox-Token", e.gw.SandboxToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func TestOutboundSMSWithReceipt(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	to := e.numberJID(phoneNum)
	body := "hello phone ✓ <&> 👋"
	if err := alice.Send(ctx, `<message type="chat" id="m1" to="`+to+`"><body>hello phone ✓ &lt;&amp;&gt; 👋</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
		t.Fatal(err)
	}
	got, ok := e.sandboxOut(t, 0)
	if !ok {
		t.Fatal("no message reached the carrier")
	}
	if got.From != aliceNum || got.To != phoneNum || got.Body != body {
		t.Fatalf("carrier got %+v", got)
	}
	r, err := alice.Expect(ctx, isMessageFrom(to))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has("urn:xmpp:receipts", "received") || !strings.Contains(r.Raw, `id="m1"`) {
		t.Fatalf("want a receipt for m1, got %s", r.Raw)
	}
}

func TestOutboundKeepsOrder(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	const n = 30
	for i := range n {
		if err := alice.Send(ctx, fmt.Sprintf(`<message type="chat" to="%s"><body>%d</body></message>`, e.numberJID(phoneNum), i)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var es []sandboxEntry
	for len(es) < n && time.Now().Before(deadline) {
		es = e.sandboxAll(t)
		time.Sleep(20 * time.Millisecond)
	}
	if len(es) != n {
		t.Fatalf("carrier got %d of %d messages", len(es), n)
	}
	for i, x := range es {
		if x.Body != fmt.Sprint(i) {
			t.Fatalf("message %d is %q: order lost", i, x.Body)
		}
	}
}

func TestOutboundRefusals(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	bob := e.user(t, "bob", "", "")
	ctx := ctxT(t)
	gw := e.prosody.ComponentDomain
	tests := []struct {
		name   string
		client *testenv.Client
		stanza string
		cond   string
		text   string
	}{
		{"sender without number", bob, `<message type="chat" id="x" to="+12015550123@` + gw + `"><body>hi</body></message>`, "registration-required", "no phone number"},
		{"too short number", alice, `<message type="chat" id="x" to="+1555@` + gw + `"><body>hi</body></message>`, "jid-malformed", "too short"},
		{"letters", alice, `<message type="chat" id="x" to="pizza@` + gw + `"><body>hi</body></message>`, "jid-malformed", "not a usable phone number"},
		{"unknown country", alice, `<message type="chat" id="x" to="+999123456@` + gw + `"><body>hi</body></message>`, "jid-malformed", "country code"},
		{"too long body", alice, `<message type="chat" id="x" to="+12015550123@` + gw + `"><body>` + strings.Repeat("é", 1601) + `</body></message>`, "not-acceptable", "1601 characters"},
		{"groupchat", alice, `<message type="groupchat" id="x" to="+12015550123@` + gw + `"><body>hi</body></message>`, "feature-not-implemented", "group chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.client.Send(ctx, tt.stanza); err != nil {
				t.Fatal(err)
			}
			r, err := tt.client.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
			if err != nil {
				t.Fatal(err)
			}
			if r.ErrorCondition() != tt.cond || !strings.Contains(r.ErrorText(), tt.text) || r.ID != "x" {
				t.Fatalf("want %s error mentioning %q, got %s", tt.cond, tt.text, r.Raw)
			}
		})
	}
	// Chat states and other bodiless messages are not SMS and get no answer.
	if err := alice.Send(ctx, `<message type="chat" to="+12015550123@`+gw+`"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`); err != nil {
		t.Fatal(err)
	}
	// A message to the gateway itself gets a hint back.
	if err := alice.Send(ctx, `<message type="chat" to="`+gw+`"><body>help</body></message>`); err != nil {
		t.Fatal(err)
	}
	h, err := alice.Expect(ctx, isMessageFrom(gw))
	if err != nil || !strings.Contains(h.Body(), "+12015550123@"+gw) {
		t.Fatalf("no usage hint: %v %s", err, h.Raw)
	}
	if es := e.sandboxAll(t); len(es) != 0 {
		t.Fatalf("refused messages reached the carrier: %+v", es)
	}
}

func TestInboundSMS(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	if code, body := e.phoneTexts(t, phoneNum, aliceNum, "hi alice ✓"); code != http.StatusAccepted {
		t.Fatalf("send: %d %s", code, body)
	}
	m, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "chat" || m.Body() != "hi alice ✓" || !strings.HasPrefix(m.To, "alice@localhost") {
		t.Fatalf("got %s", m.Raw)
	}

	// Bad input on the sandbox API is refused with a reason.
	for _, tt := range []struct{ from, to, body, want string }{
		{"12", aliceNum, "x", "from"},
		{phoneNum, "nope", "x", "to"},
		{phoneNum, aliceNum, "  ", "body"},
	} {
		if code, body := e.phoneTexts(t, tt.from, tt.to, tt.body); code != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("phoneTexts(%q, %q, %q) = %d %s", tt.from, tt.to, tt.body, code, body)
		}
	}
	// A number nobody owns: the sandbox says so (webhook carriers get a
	// success answer instead, so that they stop retrying).
	if code, body := e.phoneTexts(t, phoneNum, "+12015550199", "lost"); code != http.StatusNotFound || !strings.Contains(body, "no user") {
		t.Errorf("unknown number: %d %s", code, body)
	}
}

// TestInboundWhileOffline: the message is addressed to the bare JID so the
// server's offline storage keeps it.
func TestInboundWhileOffline(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	alice.Close()
	if code, body := e.phoneTexts(t, phoneNum, aliceNum, "while you were out"); code != http.StatusAccepted {
		t.Fatalf("send: %d %s", code, body)
	}
	time.Sleep(200 * time.Millisecond)
	alice = e.prosody.Client(t, "alice", "pw-alice")
	m, err := alice.Expect(ctxT(t), isMessageFrom(e.numberJID(phoneNum)))
	if err != nil || m.Body() != "while you were out" {
		t.Fatalf("offline message: %v %s", err, m.Raw)
	}
}

// TestProsodyRestart: messages that arrive while the XMPP server is down
// wait in Redis and are delivered once the component has reconnected.
func TestProsodyRestart(t *testing.T) {
	e := startEnv(t, envOptions{})
	e.user(t, "alice", aliceNum, "sandbox").Close()
	e.prosody.Stop(t)
	e.waitXMPPDown(t)
	if code, body := e.phoneTexts(t, phoneNum, aliceNum, "queued while down"); code != http.StatusAccepted {
		t.Fatalf("send while XMPP down: %d %s", code, body)
	}
	e.prosody.Start(t)
	e.waitHealthy(t)
	alice := e.prosody.Client(t, "alice", "pw-alice")
	m, err := alice.Expect(ctxT(t), isMessageFrom(e.numberJID(phoneNum)))
	if err != nil || m.Body() != "queued while down" {
		t.Fatalf("queued message: %v %s", err, m.Raw)
	}
	// Nothing stays at rest once delivered.
	if n, err := e.redisLen(t, "sb:pending"); err != nil || n != 0 {
		t.Fatalf("pending queue has %d entries (%v)", n, err)
	}
}

// TestRedisStopped: with Redis gone, users and carriers are told and nothing
// is lost; when it comes back everything works again.
func TestRedisStopped(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	e.redis.Stop(t)

	if err := alice.Send(ctx, `<message type="chat" id="d1" to="`+e.numberJID(phoneNum)+`"><body>during outage</body></message>`); err != nil {
		t.Fatal(err)
	}
	r, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
	if err != nil || r.ErrorCondition() != "internal-server-error" || !strings.Contains(r.ErrorText(), "not sent") {
		t.Fatalf("want internal-server-error, got %v %s", err, r.Raw)
	}
	if code, _ := e.phoneTexts(t, phoneNum, aliceNum, "inbound during outage"); code != http.StatusServiceUnavailable {
		t.Fatalf("inbound during outage: %d, want 503 so the carrier retries", code)
	}
	if code, body := e.get(t, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"redis":"down`) {
		t.Fatalf("healthz: %d %s", code, body)
	}

	e.redis.Start(t)
	e.waitHealthy(t)
	if code, body := e.phoneTexts(t, phoneNum, aliceNum, "after outage"); code != http.StatusAccepted {
		t.Fatalf("inbound after outage: %d %s", code, body)
	}
	if m, err := alice.Expect(ctx, isMessageFrom(e.numberJID(phoneNum))); err != nil || m.Body() != "after outage" {
		t.Fatalf("after outage: %v %s", err, m.Raw)
	}
}

func (e *env) redisLen(t *testing.T, key string) (int64, error) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	return rdb.LLen(context.Background(), key).Result()
}

// TestOutboundMedia: a XEP-0066 attachment travels as MMS media, and the
// copy of its URL that clients put in the body is not sent as text.
func TestOutboundMedia(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	const u = "https://upload.example.org/abc/cat.jpg"
	if err := alice.Send(ctxT(t), `<message type="chat" to="`+e.numberJID(phoneNum)+`"><body>`+u+`</body><x xmlns="jabber:x:oob"><url>`+u+`</url></x></message>`); err != nil {
		t.Fatal(err)
	}
	got, ok := e.sandboxOut(t, 0)
	if !ok {
		t.Fatal("no message reached the carrier")
	}
	es := e.sandboxAll(t)
	if got.Body != "" || len(es) != 1 || !strings.Contains(fmt.Sprint(es[0].Media), u) {
		t.Fatalf("carrier got %+v", es)
	}
}

// TestRedisDownAtStart: the gateway starts without Redis, says so, and
// works once Redis is there.
func TestRedisDownAtStart(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	e.stop()
	e.redis.Stop(t)
	e.start(t, nil)
	e.url = "http://" + e.gw.Addr()
	e.waitHealth(t, "reporting Redis down", func(code int, body string) bool {
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"redis":"down`) && strings.Contains(body, `"xmpp":"ok"`)
	})
	e.redis.Start(t)
	e.waitHealthy(t)
	if code, body := e.phoneTexts(t, phoneNum, aliceNum, "redis is back"); code != http.StatusAccepted {
		t.Fatalf("inbound: %d %s", code, body)
	}
	if m, err := alice.Expect(ctxT(t), isMessageFrom(e.numberJID(phoneNum))); err != nil || m.Body() != "redis is back" {
		t.Fatalf("inbound: %v %s", err, m.Raw)
	}
}

// TestBetweenGatewayNumbers: two users of the same gateway text each other
// over XMPP; nothing goes through a carrier.
func TestBetweenGatewayNumbers(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	bob := e.user(t, "bob", "+12015550101", "sandbox")
	ctx := ctxT(t)
	if err := alice.Send(ctx, `<message type="chat" id="l1" to="`+e.numberJID("+12015550101")+`"><body>neighbour</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
		t.Fatal(err)
	}
	m, err := bob.Expect(ctx, isMessageFrom(e.numberJID(aliceNum)))
	if err != nil || m.Body() != "neighbour" || m.Type != "chat" {
		t.Fatalf("bob got %v %s", err, m.Raw)
	}
	r, err := alice.Expect(ctx, isMessageFrom(e.numberJID("+12015550101")))
	if err != nil || !r.Has("urn:xmpp:receipts", "received") {
		t.Fatalf("no receipt: %v %s", err, r.Raw)
	}
	if es := e.sandboxAll(t); len(es) != 0 {
		t.Fatalf("carrier saw %+v", es)
	}
}
