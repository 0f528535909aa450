package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowCarrierStallsNothingElse: while the carrier hangs on one
// conversation, the gateway still answers pings and relays other
// conversations.
func TestSlowCarrierStallsNothingElse(t *testing.T) {
	const slowNum = "+12015550177"
	release := make(chan struct{})
	var sent atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("To") == slowNum {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		n := sent.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued"}`, n)
	}))
	defer api.Close()
	defer close(release)

	// Unpaced: this is about a slow carrier, not a number's pace.
	e := startEnv(t, envOptions{extraTOML: fmt.Sprintf("[carriers.twilio]\naccount_sid = %q\nauth_token = %q\napi_url = %q\nper_number_rate = 1000\n", twSID, twToken, api.URL)})
	alice := e.user(t, "alice", aliceNum, "twilio")
	bob := e.user(t, "bob", "+12015550101", "twilio")
	ctx := ctxT(t)

	if err := alice.Send(ctx, `<message type="chat" to="`+e.numberJID(slowNum)+`"><body>stuck</body></message>`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the slow send reach the carrier
	if err := alice.Send(ctx, `<iq type="get" id="ping1" to="`+e.prosody.ComponentDomain+`"><ping xmlns="urn:xmpp:ping"/></iq>`); err != nil {
		t.Fatal(err)
	}
	if r, err := alice.Expect(ctxTimeout(t, 3*time.Second), isIQ("ping1")); err != nil || r.Type != "result" {
		t.Fatalf("ping stalled behind a slow carrier call: %v %s", err, r.Raw)
	}
	for i := range 5 {
		if err := bob.Send(ctx, fmt.Sprintf(`<message type="chat" to="%s"><body>%d</body></message>`, e.numberJID(phoneNum), i)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for sent.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("other conversations stalled: %d of 5 sent", sent.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSandboxOnlyWhenEnabled: the sandbox page must not exist on a gateway
// that does not run the sandbox carrier.
func TestSandboxOnlyWhenEnabled(t *testing.T) {
	api := httptest.NewServer(http.NotFoundHandler())
	defer api.Close()
	e := startEnv(t, envOptions{extraTOML: fmt.Sprintf("[carriers.twilio]\naccount_sid = %q\nauth_token = %q\napi_url = %q\n[carriers.sandbox]\nenabled = false\n", twSID, twToken, api.URL)})
	for _, p := range []string{"/sandbox/", "/sandbox/api/messages", "/sandbox/api/numbers"} {
		if code, _ := e.get(t, p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}
	e2 := startEnv(t, envOptions{})
	if code, body := e2.get(t, "/sandbox/?token="+e2.gw.SandboxToken()); code != http.StatusOK || !strings.Contains(body, "Switchboard sandbox") {
		t.Errorf("sandbox page with the sandbox enabled: %d", code)
	}
}
