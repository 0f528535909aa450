package app

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestPolicyRefusesPremiumSMS: a message from a real XMPP client to a
// premium-rate number gets a not-allowed error naming the destination
// policy and reaches no carrier; it used to be sent. An ordinary number
// after it still goes out.
func TestPolicyRefusesPremiumSMS(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	premium := e.numberJID("+19005550123")
	if err := alice.Send(ctx, `<message type="chat" id="p1" to="`+premium+`"><body>win a prize</body></message>`); err != nil {
		t.Fatal(err)
	}
	r, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Type == "error" })
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "p1" || r.ErrorCondition() != "not-allowed" || !strings.Contains(r.ErrorText(), "+1900… is refused by this gateway's destination policy (premium rate)") {
		t.Fatalf("got %s", r.Raw)
	}
	if err := alice.Send(ctx, `<message type="chat" id="p2" to="`+e.numberJID(phoneNum)+`"><body>ordinary</body></message>`); err != nil {
		t.Fatal(err)
	}
	got, ok := e.sandboxOut(t, 0)
	if !ok || got.To != phoneNum {
		t.Fatalf("ordinary message: %+v, %v", got, ok)
	}
	time.Sleep(200 * time.Millisecond)
	for _, m := range e.sandboxAll(t) {
		if m.Dir == "out" && m.To != phoneNum {
			t.Errorf("the carrier got a message to %s", m.To)
		}
	}
}
