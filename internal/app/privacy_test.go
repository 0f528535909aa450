package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// TestLogsKeepNoSecretsBodiesOrNumbers runs traffic in both directions,
// refusals and a Redis outage with debug logging on, then reads the logs.
func TestLogsKeepNoSecretsBodiesOrNumbers(t *testing.T) {
	logs := &syncbuf.Buffer{}
	e := startEnv(t, envOptions{logTo: logs})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	to := e.numberJID(phoneNum)

	if err := alice.Send(ctx, `<message type="chat" id="p1" to="`+to+`"><body>secret-outbound-body</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Expect(ctx, isMessageFrom(to)); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.phoneTexts(t, phoneNum, aliceNum, "secret-inbound-body"); code != http.StatusAccepted {
		t.Fatal(code)
	}
	if _, err := alice.Expect(ctx, isMessageFrom(to)); err != nil {
		t.Fatal(err)
	}
	e.phoneTexts(t, phoneNum, "+12015550199", "secret-unknown-body")
	e.redis.Stop(t)
	_ = alice.Send(ctx, `<message type="chat" id="p2" to="`+to+`"><body>secret-outage-body</body></message>`)
	_, _ = alice.Expect(ctx, isMessageFrom(to))
	e.phoneTexts(t, phoneNum, aliceNum, "secret-outage-inbound")
	e.redis.Start(t)
	time.Sleep(100 * time.Millisecond)

	out := logs.String()
	if !strings.Contains(out, "+1201…23") {
		t.Fatalf("expected redacted numbers in the logs; got:\n%s", out)
	}
	for _, leak := range []string{"secret-", phoneNum, aliceNum, "+12015550199", e.prosody.ComponentSecret, e.gw.SandboxToken()} {
		if strings.Contains(out, leak) {
			t.Errorf("logs contain %q:\n%s", leak, out)
		}
	}
}
