package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// ejEnv is one gateway wired to a real ejabberd and a real Redis. The embedded
// env has no Prosody: only its Prosody-free helpers (get, phoneTexts,
// sandboxOut, redisLen) may be used.
type ejEnv struct {
	*env
	ej *testenv.Ejabberd
}

func startEjabberdEnv(t *testing.T) *ejEnv {
	t.Helper()
	return startEjabberdEnvWith(t, envOptions{})
}

func startEjabberdEnvWith(t *testing.T, o envOptions) *ejEnv {
	t.Helper()
	begin := time.Now()
	ej := testenv.StartEjabberd(t, testenv.ProsodyOptions{})
	t.Logf("ejabberd started in %v", time.Since(begin).Round(time.Millisecond))
	e := &ejEnv{env: &env{redis: testenv.StartRedis(t)}, ej: ej}
	e.serverLog = ej.LogTail
	e.cfg = gatewayConfig(t, ej.ComponentDomain, ej.ComponentAddr, ej.ComponentSecret, e.redis.URL, o)
	e.launch(t, o.logTo)
	return e
}

// user registers user@localhost and binds number to it when not empty. It
// does not log in.
func (e *ejEnv) user(t *testing.T, name, number string) {
	t.Helper()
	e.ej.Register(t, name, "pw-"+name)
	if number != "" {
		if err := e.store.Assign(context.Background(), store.Binding{Number: number, JID: name + "@" + e.ej.Domain, Carrier: "sandbox"}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *ejEnv) login(t *testing.T, name string) *testenv.Client {
	t.Helper()
	return e.ej.Client(t, name, "pw-"+name)
}

func (e *ejEnv) numberJID(n string) string { return n + "@" + e.ej.ComponentDomain }

// loginExpecting logs name in and waits for a stanza that was sent to the
// bare JID while name was offline, logging in again when it does not come.
//
// On ejabberd a message to a bare JID with no available session is stored by
// mod_offline in the routing process, which takes 10-100ms with Mnesia. A
// login takes 5ms: if the new session's initial presence fetches the offline
// messages before the store has finished, the message waits for the next
// login. Prosody, single-threaded, has no such window. The pause makes a
// first login that hits it rare; the retry makes the test immune to it.
func (e *ejEnv) loginExpecting(t *testing.T, name string, match func(testenv.Stanza) bool) (*testenv.Client, testenv.Stanza) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	deadline := time.Now().Add(15 * time.Second)
	for attempt := 1; ; attempt++ {
		c := e.login(t, name)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := c.Expect(ctx, match)
		cancel()
		if err == nil {
			if attempt > 1 {
				t.Logf("%s got the message at login %d", name, attempt)
			}
			return c, st
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get the message in %d logins: %v", name, attempt, err)
		}
	}
}

// TestEjabberd runs the gateway against ejabberd instead of Prosody. The
// subtests share one server (starting ejabberd takes seconds) and run in
// order.
func TestEjabberd(t *testing.T) {
	e := startEjabberdEnv(t)
	e.user(t, "alice", aliceNum)
	e.user(t, "bob", "")
	gw := e.ej.ComponentDomain
	phone := e.numberJID(phoneNum)

	t.Run("disco", func(t *testing.T) {
		bob := e.login(t, "bob")
		defer bob.Close()
		ctx := ctxT(t)
		for i, tt := range []struct {
			to, payload string
			want        []string
		}{
			{gw, `<query xmlns="http://jabber.org/protocol/disco#info"/>`,
				[]string{`category="gateway"`, `type="sms"`, `var="jabber:iq:gateway"`, `var="urn:xmpp:receipts"`}},
			{phone, `<query xmlns="http://jabber.org/protocol/disco#info"/>`, []string{`category="client"`, `type="sms"`}},
			{gw, `<ping xmlns="urn:xmpp:ping"/>`, nil},
			{gw, `<query xmlns="jabber:iq:version"/>`, []string{"<name>Switchboard</name>"}},
			// Clients find the gateway among the server's items.
			{e.ej.Domain, `<query xmlns="http://jabber.org/protocol/disco#items"/>`, []string{`jid="` + gw + `"`}},
		} {
			id := fmt.Sprintf("d%d", i)
			if err := bob.Send(ctx, `<iq type="get" id="`+id+`" to="`+tt.to+`">`+tt.payload+`</iq>`); err != nil {
				t.Fatal(err)
			}
			res, err := bob.Expect(ctx, isIQ(id))
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != "result" || res.From != tt.to {
				t.Errorf("want a result from %s, got %s", tt.to, res.Raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Raw, w) {
					t.Errorf("answer lacks %q: %s", w, res.Raw)
				}
			}
		}
	})

	t.Run("presence subscription", func(t *testing.T) {
		bob := e.login(t, "bob")
		defer bob.Close()
		ctx := ctxT(t)
		if err := bob.Send(ctx, `<presence type="subscribe" to="`+phone+`"/>`); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "presence" && s.From == phone+"/"+component.Resource && s.Type == ""
		}); err != nil {
			t.Fatalf("no available presence from %s: %v", phone, err)
		}
		if err := bob.Send(ctx, `<iq type="get" id="roster1"><query xmlns="jabber:iq:roster"/></iq>`); err != nil {
			t.Fatal(err)
		}
		r, err := bob.Expect(ctx, isIQ("roster1"))
		if err != nil || !strings.Contains(r.Raw, phone) || !strings.Contains(r.Raw, `subscription="to"`) {
			t.Fatalf("roster lacks a subscription to %s: %v %s", phone, err, r.Raw)
		}
	})

	t.Run("refusal", func(t *testing.T) {
		bob := e.login(t, "bob")
		defer bob.Close()
		ctx := ctxT(t)
		if err := bob.Send(ctx, `<message type="chat" id="x" to="`+phone+`"><body>hi</body></message>`); err != nil {
			t.Fatal(err)
		}
		r, err := bob.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
		if err != nil || r.ErrorCondition() != "registration-required" || r.ID != "x" {
			t.Fatalf("want registration-required, got %v %s", err, r.Raw)
		}
	})

	t.Run("outbound with receipt", func(t *testing.T) {
		alice := e.login(t, "alice")
		defer alice.Close()
		ctx := ctxT(t)
		after := lastSeq(e.sandboxAll(t))
		if err := alice.Send(ctx, `<message type="chat" id="m1" to="`+phone+`"><body>hello from ejabberd ✓</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
			t.Fatal(err)
		}
		got, ok := e.sandboxOut(t, after)
		if !ok {
			t.Fatal("no message reached the carrier")
		}
		if got.From != aliceNum || got.To != phoneNum || got.Body != "hello from ejabberd ✓" {
			t.Fatalf("carrier got %+v", got)
		}
		r, err := alice.Expect(ctx, isMessageFrom(phone))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Has("urn:xmpp:receipts", "received") || !strings.Contains(r.Raw, `id="m1"`) {
			t.Fatalf("want a receipt for m1, got %s", r.Raw)
		}
	})

	t.Run("inbound", func(t *testing.T) {
		alice := e.login(t, "alice")
		defer alice.Close()
		ctx := ctxT(t)
		if code, body := e.phoneTexts(t, phoneNum, aliceNum, "hi alice on ejabberd ✓"); code != http.StatusAccepted {
			t.Fatalf("send: %d %s", code, body)
		}
		m, err := alice.Expect(ctx, isMessageFrom(phone))
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != "chat" || m.Body() != "hi alice on ejabberd ✓" || !strings.HasPrefix(m.To, "alice@localhost") {
			t.Fatalf("got %s", m.Raw)
		}
	})

	t.Run("inbound while offline", func(t *testing.T) {
		if code, body := e.phoneTexts(t, phoneNum, aliceNum, "while you were out"); code != http.StatusAccepted {
			t.Fatalf("send: %d %s", code, body)
		}
		alice, m := e.loginExpecting(t, "alice", isMessageFrom(phone))
		defer alice.Close()
		if m.Body() != "while you were out" {
			t.Fatalf("offline message: %s", m.Raw)
		}
	})

	t.Run("restart", func(t *testing.T) {
		e.ej.Stop(t)
		e.waitXMPPDown(t)
		if code, body := e.phoneTexts(t, phoneNum, aliceNum, "queued while down"); code != http.StatusAccepted {
			t.Fatalf("send while XMPP down: %d %s", code, body)
		}
		begin := time.Now()
		e.ej.Start(t)
		t.Logf("ejabberd restarted in %v", time.Since(begin).Round(time.Millisecond))
		e.waitHealthy(t)
		t.Logf("gateway healthy %v after the restart began", time.Since(begin).Round(time.Millisecond))

		alice, m := e.loginExpecting(t, "alice", isMessageFrom(phone))
		defer alice.Close()
		if m.Body() != "queued while down" {
			t.Fatalf("queued message: %s", m.Raw)
		}
		// Nothing stays at rest once delivered.
		if n, err := e.redisLen(t, "sb:pending"); err != nil || n != 0 {
			t.Fatalf("pending queue has %d entries (%v)", n, err)
		}
		ctx := ctxT(t)

		// Both directions work on the new stream.
		after := lastSeq(e.sandboxAll(t))
		if err := alice.Send(ctx, `<message type="chat" id="m2" to="`+phone+`"><body>after restart</body></message>`); err != nil {
			t.Fatal(err)
		}
		if got, ok := e.sandboxOut(t, after); !ok || got.Body != "after restart" {
			t.Fatalf("after restart the carrier got %+v (%v)", got, ok)
		}
		if code, body := e.phoneTexts(t, phoneNum, aliceNum, "inbound after restart"); code != http.StatusAccepted {
			t.Fatalf("send: %d %s", code, body)
		}
		if m, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
			return isMessageFrom(phone)(s) && s.Body() != ""
		}); err != nil || m.Body() != "inbound after restart" {
			t.Fatalf("inbound after restart: %v %s", err, m.Raw)
		}
	})
}

func lastSeq(es []sandboxEntry) int64 {
	var seq int64
	for _, x := range es {
		seq = max(seq, x.Seq)
	}
	return seq
}
