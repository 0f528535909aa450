package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	aliceNum = "+12015550100"
	phoneNum = "+12015550123"
	// n messages cross in each test: enough that a crash lands mid-flow.
	n = 100
)

// rig is a whole gateway as an operator runs it: the switchboard binary,
// redis-server (appendfsync always), Prosody, and a carrier.
type rig struct {
	t       *testing.T
	redis   *testenv.Redis
	prosody *testenv.Prosody
	carrier *carrier
	gw      *gateway
	url     string
	store   *store.Store
}

func newRig(t *testing.T) *rig {
	t.Helper()
	if testing.Short() {
		t.Skip("fault: kills real processes (skipped with -short)")
	}
	r := &rig{t: t}
	r.redis = testenv.StartRedis(t)
	r.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	// Slow enough that a crash often lands while a send is in flight.
	r.carrier = newCarrier(t, 20*time.Millisecond)
	var cfg string
	cfg, r.url = gatewayConfig(t, r.redis, r.prosody, r.carrier, `per_number_rate = 40
[outbox]
consumer = "fault-test"
[log]
level = "info"
`)
	r.gw = startGateway(t, cfg, r.url+"/healthz", nil)
	st, err := store.Open(r.redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.store = st
	r.prosody.Register(t, "alice", "pw-alice")
	if err := st.Assign(context.Background(), store.Binding{Number: aliceNum, JID: "alice@" + r.prosody.Domain, Carrier: "twilio"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// gatewayConfig is the configuration of a gateway on rds, prosody and
// carrier (as Twilio), on a free HTTP port whose URL it returns, followed
// by extra (more sections, or more keys for [carriers.twilio], which
// comes last).
func gatewayConfig(t *testing.T, rds *testenv.Redis, prosody *testenv.Prosody, carrier *carrier, extra string) (cfg, url string) {
	t.Helper()
	port := testenv.FreePort(t)
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	return fmt.Sprintf(`
[component]
jid = %q
server = %q
secret = %q
[redis]
url = %q
[http]
listen = "127.0.0.1:%d"
public_url = %q
[numbers]
default_region = "US"
[mms]
dir = %q
[carriers.twilio]
account_sid = %q
auth_token = %q
api_url = %q
`, prosody.ComponentDomain, prosody.ComponentAddr, prosody.ComponentSecret, rds.URL, port, url,
		t.TempDir(), twSID, twToken, carrier.srv.URL) + extra, url
}

func (r *rig) alice() *testenv.Client { return r.prosody.Client(r.t, "alice", "pw-alice") }

func (r *rig) phoneJID() string { return phoneNum + "@" + r.prosody.ComponentDomain }

// waitUntil polls cond for up to d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// taken reports whether the gateway holds or has sent all n outbound
// messages: what the carrier took plus what the queue holds.
func (r *rig) taken() bool {
	distinct, _ := r.carrier.counts()
	q, rt, err := r.store.OutboxLen(context.Background())
	return err == nil && distinct+int(q)+int(rt) >= n
}

// errorIDs collects the ids of error stanzas alice has received so far.
func errorIDs(t *testing.T, c *testenv.Client) map[string]string {
	out := map[string]string{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		s, err := c.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
		cancel()
		if err != nil {
			return out
		}
		out[s.ID] = s.Raw
	}
}

// checkOutbound counts: each message reached the carrier exactly once, or
// was answered with an error (and did not reach it).
func (r *rig) checkOutbound(t *testing.T, errs map[string]string) {
	t.Helper()
	_, doubled := r.carrier.counts()
	if len(doubled) > 0 {
		t.Errorf("sent twice: %v", doubled)
	}
	lost := 0
	for i := range n {
		body, id := fmt.Sprintf("out %d", i), fmt.Sprintf("o%d", i)
		e, errored := errs[id]
		switch {
		case r.carrier.has(body) && errored:
			t.Errorf("%s reached the carrier and was reported failed: %s", id, e)
		case !r.carrier.has(body) && !errored:
			lost++
			t.Errorf("%s lost: neither sent nor reported", id)
		}
	}
	distinct, _ := r.carrier.counts()
	t.Logf("%d sent once, %d refused with an error, %d lost, %d doubled", distinct, len(errs), lost, len(doubled))
}

func (r *rig) sendOut(t *testing.T, alice *testenv.Client, i int) {
	t.Helper()
	err := alice.Send(ctxT(t, 5*time.Second), fmt.Sprintf(`<message type="chat" id="o%d" to="%s"><body>out %d</body></message>`, i, r.phoneJID(), i))
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutboundGatewayKilled: the gateway dies (SIGKILL) with messages
// queued and one in flight at the carrier; restarted, it sends the rest,
// and the one in flight is found at the carrier rather than sent again.
func TestOutboundGatewayKilled(t *testing.T) {
	r := newRig(t)
	alice := r.alice()
	for i := range n {
		r.sendOut(t, alice, i)
	}
	waitUntil(t, 20*time.Second, "the gateway to take every message", r.taken)
	waitUntil(t, 20*time.Second, "a third to go out", func() bool { d, _ := r.carrier.counts(); return d >= n/3 })
	r.gw.kill()
	time.Sleep(200 * time.Millisecond)
	r.gw.start()
	waitUntil(t, 30*time.Second, "every message at the carrier", func() bool { d, _ := r.carrier.counts(); return d >= n })
	time.Sleep(300 * time.Millisecond) // a doubled send would arrive by now
	r.checkOutbound(t, errorIDs(t, alice))
	if r.gw.logHas("an interrupted send had reached the carrier") {
		t.Log("the crash landed during a send; the carrier's list showed it had been taken")
	}
}

// TestOutboundRedisKilled: Redis dies mid-flow and comes back from its
// append-only file. Messages sent meanwhile are refused with an error;
// every accepted one goes out once.
func TestOutboundRedisKilled(t *testing.T) {
	r := newRig(t)
	alice := r.alice()
	for i := range n {
		switch i {
		case n * 2 / 5:
			r.redis.Kill(t)
		case n * 3 / 5:
			r.redis.Start(t)
		}
		r.sendOut(t, alice, i)
		time.Sleep(10 * time.Millisecond)
	}
	errs := map[string]string{}
	waitUntil(t, 60*time.Second, "every message sent or refused", func() bool {
		for k, v := range errorIDs(t, alice) {
			errs[k] = v
		}
		d, _ := r.carrier.counts()
		return d+len(errs) >= n
	})
	time.Sleep(300 * time.Millisecond)
	for k, v := range errorIDs(t, alice) {
		errs[k] = v
	}
	r.checkOutbound(t, errs)
}

// TestOutboundProsodyKilled: the XMPP server dies with messages queued;
// the queue goes on sending without it.
func TestOutboundProsodyKilled(t *testing.T) {
	r := newRig(t)
	alice := r.alice()
	for i := range n {
		r.sendOut(t, alice, i)
	}
	waitUntil(t, 20*time.Second, "the gateway to take every message", r.taken)
	r.prosody.Kill(t)
	waitUntil(t, 30*time.Second, "every message at the carrier with Prosody down", func() bool { d, _ := r.carrier.counts(); return d >= n })
	r.prosody.Start(t)
	r.checkOutbound(t, nil)
}

// inbound plays the carrier: n texts from a phone, each webhook retried
// until the gateway answers 2xx; crash runs after n/3 were posted, restore
// after n/2.
func (r *rig) inbound(t *testing.T, crash, restore func()) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	deadline := time.Now().Add(90 * time.Second)
	for i := range n {
		switch i {
		case n / 3:
			crash()
		case n / 2:
			restore()
		}
		// A few at once, as a carrier's retries and new messages overlap.
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := deliver(r.url, fmt.Sprintf("SM%032d", i), phoneNum, aliceNum, fmt.Sprintf("in %d", i), deadline); err != nil {
				errc <- err
			}
		}(i)
		time.Sleep(3 * time.Millisecond)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// received collects alice's messages from the phone until all n arrived
// or d passed, and checks each came once.
func received(t *testing.T, clients func() []*testenv.Client, d time.Duration) {
	t.Helper()
	got := map[string]int{}
	deadline := time.Now().Add(d)
	for len(got) < n && time.Now().Before(deadline) {
		for _, c := range clients() {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			s, err := c.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "chat" })
			cancel()
			if err == nil {
				got[between(s.Raw, "<body>", "</body>")]++
			}
		}
	}
	lost, doubled := 0, 0
	for i := range n {
		switch got[fmt.Sprintf("in %d", i)] {
		case 0:
			lost++
		case 1:
		default:
			doubled++
		}
	}
	t.Logf("inbound: %d delivered once, %d lost, %d doubled", n-lost-doubled, lost, doubled)
	if lost > 0 || doubled > 0 {
		t.Errorf("%d lost, %d doubled", lost, doubled)
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	out, _, _ := strings.Cut(rest, b)
	return out
}

// TestInboundGatewayKilled: the gateway dies while webhooks arrive; the
// carrier's retries bring every message, once.
func TestInboundGatewayKilled(t *testing.T) {
	r := newRig(t)
	alice := r.alice()
	r.inbound(t, r.gw.kill, r.gw.start)
	received(t, func() []*testenv.Client { return []*testenv.Client{alice} }, 30*time.Second)
}

// TestInboundRedisKilled: Redis dies while webhooks arrive; the gateway
// answers 503 meanwhile, and the retries bring every message, once.
func TestInboundRedisKilled(t *testing.T) {
	r := newRig(t)
	alice := r.alice()
	r.inbound(t, func() { r.redis.Kill(t) }, func() { r.redis.Start(t) })
	received(t, func() []*testenv.Client { return []*testenv.Client{alice} }, 30*time.Second)
}

// TestInboundProsodyKilled: the XMPP server dies while webhooks arrive
// for a user who is offline; what it took is in its offline store, the
// rest waits at the gateway, and all of it reaches the user once, after.
func TestInboundProsodyKilled(t *testing.T) {
	r := newRig(t)
	r.inbound(t, func() { r.prosody.Kill(t) }, func() { r.prosody.Start(t) })
	alice := r.alice()
	received(t, func() []*testenv.Client { return []*testenv.Client{alice} }, 30*time.Second)
}
