package app

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// TestVoicemailUserSetting: a user who turned voicemail off (the settings
// command) is not sent to voicemail on a gateway where it is on: the
// unanswered call is refused with 480, as with voicemail off.
func TestVoicemailUserSetting(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=1s", "SWITCHBOARD_CALLS_VOICEMAIL=true")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	bob.Close()
	off := false
	if err := e.store.SetSettings(context.Background(), "bob@localhost", store.UserSettings{Voicemail: &off}); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeoutT(t, 60*time.Second)
	sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": "480"})
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (expects 480, not voicemail): %v", err)
	}
}
