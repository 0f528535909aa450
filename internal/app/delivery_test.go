package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// scriptedTwilio is a Twilio Messages API whose answers a test writes:
// each CreateMessage takes the next reply (the last one repeats).
type scriptedTwilio struct {
	mu      sync.Mutex
	replies []scriptedReply
	forms   []url.Values
	srv     *httptest.Server
}

type scriptedReply struct {
	status int
	body   string
}

var (
	twCreated     = scriptedReply{http.StatusCreated, ""} // body filled with a fresh SID
	twUnavailable = scriptedReply{http.StatusServiceUnavailable, `{"code":20503,"message":"Service Unavailable","status":503}`}
	twOptedOut    = scriptedReply{http.StatusBadRequest, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`}
)

func newScriptedTwilio(t *testing.T, replies ...scriptedReply) *scriptedTwilio {
	s := &scriptedTwilio{replies: replies}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm)
		n := len(s.forms)
		rep := s.replies[min(n, len(s.replies))-1]
		s.mu.Unlock()
		if rep.body == "" {
			rep.body = fmt.Sprintf(`{"sid":"SM%032d","status":"queued"}`, n)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		fmt.Fprint(w, rep.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptedTwilio) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

func (s *scriptedTwilio) toml(extra string) string {
	return fmt.Sprintf("[carriers.twilio]\naccount_sid = %q\nauth_token = %q\napi_url = %q\n%s", twSID, twToken, s.srv.URL, extra)
}

func errorFor(id string) func(testenv.Stanza) bool {
	return func(s testenv.Stanza) bool {
		return s.Name == "message" && s.Type == "error" && strings.Contains(s.Raw, `id="`+id+`"`)
	}
}

func TestOptOutRemembered(t *testing.T) {
	api := newScriptedTwilio(t, twOptedOut, twCreated)
	e := startEnv(t, envOptions{extraTOML: api.toml("")})
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)

	send := func(id string) {
		t.Helper()
		if err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+phone+`"><body>hi</body></message>`); err != nil {
			t.Fatal(err)
		}
	}
	send("o1")
	r, err := alice.Expect(ctx, errorFor("o1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "opted out") || !strings.Contains(r.Raw, "21610") || !strings.Contains(r.Raw, "not-allowed") {
		t.Errorf("opt-out error should name the reason and code: %s", r.Raw)
	}
	// The next message fails at once, without the carrier.
	send("o2")
	if r, err = alice.Expect(ctx, errorFor("o2")); err != nil || !strings.Contains(r.Raw, "opted out") {
		t.Fatalf("second send: %v %s", err, r.Raw)
	}
	if n := api.calls(); n != 1 {
		t.Errorf("the carrier saw %d sends; want 1 (the opt-out is remembered)", n)
	}
	// The recipient texts START: it reaches alice, and texts flow again.
	if code, body := e.signed(t, "/twilio/sms", inboundForm("SM"+strings.Repeat("5", 32), phoneNum, aliceNum, "START")); code != http.StatusOK {
		t.Fatalf("inbound START: %d %s", code, body)
	}
	if r, err := alice.Expect(ctx, isMessageFrom(phone)); err != nil || !strings.Contains(r.Raw, "START") {
		t.Fatalf("START should reach the user as a text: %v %s", err, r.Raw)
	}
	send("o3")
	deadline := time.Now().Add(10 * time.Second)
	for api.calls() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("after START, the message did not reach the carrier")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCarrierUnavailableRetried(t *testing.T) {
	api := newScriptedTwilio(t, twUnavailable, twUnavailable, twCreated)
	e := startEnv(t, envOptions{extraTOML: api.toml(""), env: []string{"SWITCHBOARD_OUTBOX_RETRY_MIN=50ms", "SWITCHBOARD_OUTBOX_RETRY_MAX=200ms"}})
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	if err := alice.Send(ctx, `<message type="chat" id="r1" to="`+e.numberJID(phoneNum)+`"><body>persist</body></message>`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for api.calls() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the carrier saw %d tries; want 3", api.calls())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := api.calls(); n != 3 {
		t.Errorf("the carrier saw %d tries; want exactly 3 (sent once it took it)", n)
	}
	if r, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), errorFor("r1")); err == nil {
		t.Errorf("a retried message that went out got an error: %s", r.Raw)
	}
	if q, rt := e.outboxLen(t); q != 0 || rt != 0 {
		t.Errorf("queue holds %d entries and %d retries after sending; want none", q, rt)
	}
}

func TestCarrierUnavailableGivesUp(t *testing.T) {
	api := newScriptedTwilio(t, twUnavailable)
	e := startEnv(t, envOptions{extraTOML: api.toml(""), env: []string{"SWITCHBOARD_OUTBOX_MAX_AGE=1s", "SWITCHBOARD_OUTBOX_RETRY_MIN=100ms", "SWITCHBOARD_OUTBOX_RETRY_MAX=200ms"}})
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	if err := alice.Send(ctx, `<message type="chat" id="g1" to="`+e.numberJID(phoneNum)+`"><body>doomed</body></message>`); err != nil {
		t.Fatal(err)
	}
	r, err := alice.Expect(ctx, errorFor("g1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, "gave up") {
		t.Errorf("want a give-up error, got %s", r.Raw)
	}
	if q, rt := e.outboxLen(t); q != 0 || rt != 0 {
		t.Errorf("queue holds %d entries and %d retries after giving up; want none", q, rt)
	}
}

// TestDeliveryFailureReasons: a status callback's error code becomes a
// readable error on the stanza the user sent.
func TestDeliveryFailureReasons(t *testing.T) {
	api := newScriptedTwilio(t, twCreated)
	e := startEnv(t, envOptions{extraTOML: api.toml("per_number_rate = 1000\n")})
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	for i, tt := range []struct {
		code, want string
	}{
		{"30003", "unreachable"},
		{"30007", "blocked or filtered"},
		{"30034", "not registered"},
		{"21211", "not a valid number"},
		{"21610", "opted out"},
	} {
		t.Run(tt.code, func(t *testing.T) {
			id := fmt.Sprintf("f%d", i)
			if err := alice.Send(ctx, `<message type="chat" id="`+id+`" to="`+e.numberJID(phoneNum)+`"><body>x</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
				t.Fatal(err)
			}
			for api.calls() < i+1 {
				time.Sleep(10 * time.Millisecond)
			}
			sid := fmt.Sprintf("SM%032d", i+1)
			deadline := time.Now().Add(10 * time.Second)
			for {
				// Until the gateway tracked the SID, the report is unknown
				// to it and dropped; post again.
				code, _ := e.signed(t, "/twilio/status", url.Values{"MessageSid": {sid}, "AccountSid": {twSID}, "MessageStatus": {"undelivered"}, "ErrorCode": {tt.code}})
				if code != http.StatusOK {
					t.Fatalf("status webhook: %d", code)
				}
				if r, err := alice.Expect(ctxTimeout(t, 300*time.Millisecond), errorFor(id)); err == nil {
					if !strings.Contains(r.Raw, tt.want) || !strings.Contains(r.Raw, tt.code) {
						t.Errorf("error for code %s should say %q and the code: %s", tt.code, tt.want, r.Raw)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("no error reached the user")
				}
			}
		})
	}
}

func TestGroupTextUnsupportedNamesCarrier(t *testing.T) {
	api := newScriptedTwilio(t, twCreated)
	e := startEnv(t, envOptions{extraTOML: api.toml("")})
	alice := e.user(t, "alice", aliceNum, "twilio")
	ctx := ctxT(t)
	for _, tt := range []struct{ name, stanza string }{
		{"xep-0033", `<message type="chat" id="x1" to="` + e.prosody.ComponentDomain + `"><addresses xmlns="http://jabber.org/protocol/address"><address type="to" uri="sms:+12015550123"/><address type="cc" uri="sms:+12015550124"/></addresses><body>all</body></message>`},
		{"group jid", `<message type="chat" id="x1" to="+12015550123,+12015550124@` + e.prosody.ComponentDomain + `"><body>all</body></message>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := alice.Send(ctx, tt.stanza); err != nil {
				t.Fatal(err)
			}
			r, err := alice.Expect(ctx, errorFor("x1"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Raw, "twilio cannot send group texts") {
				t.Errorf("want an error naming the carrier, got %s", r.Raw)
			}
		})
	}
	if n := api.calls(); n != 0 {
		t.Errorf("the carrier saw %d sends", n)
	}
}

func (e *env) outboxLen(t *testing.T) (int64, int64) {
	t.Helper()
	q, r, err := e.gw.store.OutboxLen(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return q, r
}
