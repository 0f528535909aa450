package app

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// regexpSID finds a proposal's session id.
var regexpSID = regexp.MustCompile(`<propose [^>]*id="([^"]+)"`)

// missedNotice matches the missed call notice from the caller's number JID.
func (e *env) missedNotice(s testenv.Stanza) bool {
	return s.Name == "message" && strings.HasPrefix(s.From, e.numberJID(callerNumber)) && strings.HasPrefix(s.Body(), "Missed call")
}

// checkNotice checks what a missed call notice says and how it is sent.
func checkNotice(t *testing.T, m testenv.Stanza) {
	t.Helper()
	if m.Type != "chat" || !m.Has("urn:xmpp:hints", "store") ||
		!strings.HasPrefix(m.Body(), "Missed call from +1 555-765-4321 on ") || !strings.HasSuffix(m.Body(), " UTC") {
		t.Errorf("missed call notice: %s", m.Raw)
	}
}

// TestMissedCallNotice: a phone call nobody took (voicemail off) leaves a
// chat message from the caller's number JID in the user's chat: when the
// caller gives up while it rings, and when the user is offline (it waits in
// offline storage). A call the user declines leaves none.
func TestMissedCallNotice(t *testing.T) {
	t.Run("caller hangs up while ringing", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		bob := e.user(t, "bob", "+12015550100", "sandbox")
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := e.callGateway(t, "uac_cancel.xml", "+12015550100", nil)
		if _, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && s.Has("urn:xmpp:jingle-message:0", "propose")
		}); err != nil {
			t.Fatal(err)
		}
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario: %v", err)
		}
		m, err := bob.Expect(ctx, e.missedNotice)
		if err != nil {
			t.Fatal(err)
		}
		checkNotice(t, m)
	})
	t.Run("user offline", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=1s")})
		bob := e.user(t, "bob", "+12015550100", "sandbox")
		bob.Close()
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": "480"})
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario (expects 480): %v", err)
		}
		e.lastCDR(t, ctx) // the call is over, its notice sent
		bob = e.prosody.Client(t, "bob", "pw-bob")
		m, err := bob.Expect(ctx, e.missedNotice)
		if err != nil {
			t.Fatal(err)
		}
		checkNotice(t, m)
	})
	t.Run("user declines", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		bob := e.user(t, "bob", "+12015550100", "sandbox")
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": "603"})
		prop, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && s.Has("urn:xmpp:jingle-message:0", "propose")
		})
		if err != nil {
			t.Fatal(err)
		}
		sid := regexpSID.FindStringSubmatch(prop.Raw)[1]
		if err := bob.Send(ctx, `<message type="chat" to="`+prop.From+`"><reject xmlns="urn:xmpp:jingle-message:0" id="`+sid+`"><reason xmlns="urn:xmpp:jingle:1"><decline/></reason></reject></message>`); err != nil {
			t.Fatal(err)
		}
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario (expects 603): %v", err)
		}
		e.lastCDR(t, ctx)
		short := ctxTimeoutT(t, time.Second)
		if m, err := bob.Expect(short, e.missedNotice); err == nil {
			t.Errorf("notice for a declined call: %s", m.Raw)
		}
	})
}
