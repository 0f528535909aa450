package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestVoicemailFlood: SIPp floods one number with voicemail on (the issue's
// 60 INVITEs at 20/s, shortened to 10 with a cap of 3 an hour). At most
// the cap is recorded and kept in Redis; the other callers hear 480 and
// the owner gets a missed-call notice for each. Before the cap every call
// was recorded (20 of 60 in the issue, 10 of 10 here).
func TestVoicemailFlood(t *testing.T) {
	const calls, perHour = 10, 3
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9",
		"SWITCHBOARD_CALLS_RING_TIMEOUT=1s", "SWITCHBOARD_CALLS_VOICEMAIL=true",
		"SWITCHBOARD_CALLS_VOICEMAIL_PER_HOUR=3",
		// Let every call ring, so that the hourly cap is what stops them.
		"SWITCHBOARD_CALLS_MAX_CALLS_PER_NUMBER=20")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	ctx := ctxTimeoutT(t, 90*time.Second)
	sipp := siptest.Start(t, siptest.Options{Scenario: "uac_flood.xml", Remote: e.cfg.SIP.Listen,
		Service: "+12015550100", Pcaps: true, Calls: calls, Rate: 20})
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	isVoicemail := func(s testenv.Stanza) bool {
		return s.Name == "message" && strings.HasPrefix(s.Body(), "Voicemail from")
	}
	for i := range perHour {
		if _, err := bob.Expect(ctx, isVoicemail); err != nil {
			t.Fatalf("voicemail %d: %v", i+1, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if m, err := bob.Expect(short, isVoicemail); err == nil {
		t.Errorf("a voicemail over the cap: %s", m.Raw)
	}
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "sb:media:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != perHour {
		t.Errorf("%d recordings in Redis, want %d", len(keys), perHour)
	}
	soon, cancel2 := context.WithTimeout(ctx, 15*time.Second)
	defer cancel2()
	for i := range calls - perHour {
		if _, err := bob.Expect(soon, e.missedNotice); err != nil {
			t.Fatalf("missed call notice %d: %v", i+1, err)
		}
	}
	var bytes int64
	for _, k := range keys {
		n, _ := rdb.MemoryUsage(ctx, k).Result()
		bytes += n
	}
	counted, err := e.store.VoicemailBytes(ctx, time.Now())
	if err != nil || counted <= 0 || counted > bytes {
		t.Errorf("the budget counts %d bytes (%v) for recordings taking %d", counted, err, bytes)
	}
	log, _ := os.ReadFile(filepath.Join(sipp.Dir, "messages.log"))
	if n := strings.Count(string(log), "SIP/2.0 480 "); n < calls-perHour { // retransmissions may log one twice
		t.Errorf("%d callers heard 480, want %d", n, calls-perHour)
	}
}

// TestCallFlood: SIPp floods a number (10 INVITEs at 20/s from one
// address, voicemail off). Only as many calls ring the user as the limit
// allows — at once from the address, or new calls a minute from it (the
// address is the one the trunk saw the packets come from) — and the rest
// hear 486 at once. Before the limits every call rang.
func TestCallFlood(t *testing.T) {
	const calls = 10
	for _, tt := range []struct {
		name  string
		limit string
		rang  int
	}{
		{"at once from one address", "SWITCHBOARD_CALLS_MAX_CALLS_PER_SOURCE=2", 2},
		{"a minute from one address", "SWITCHBOARD_CALLS_CALLS_PER_MINUTE_PER_SOURCE=3", 3},
		{"at once to one number", "SWITCHBOARD_CALLS_MAX_CALLS_PER_NUMBER=4", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"SWITCHBOARD_CALLS_RING_TIMEOUT=1s",
				"SWITCHBOARD_CALLS_MAX_CALLS_PER_SOURCE=20", "SWITCHBOARD_CALLS_MAX_CALLS_PER_NUMBER=20", tt.limit}
			e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", env...)})
			bob := e.user(t, "bob", "+12015550100", "sandbox")
			ctx := ctxTimeoutT(t, 60*time.Second)
			sipp := siptest.Start(t, siptest.Options{Scenario: "uac_flood.xml", Remote: e.cfg.SIP.Listen,
				Service: "+12015550100", Pcaps: true, Calls: calls, Rate: 20})
			if err := sipp.Wait(ctx); err != nil {
				t.Fatalf("SIPp scenario: %v", err)
			}
			isPropose := func(s testenv.Stanza) bool {
				return s.Name == "message" && s.Has("urn:xmpp:jingle-message:0", "propose")
			}
			for i := range tt.rang {
				if _, err := bob.Expect(ctx, isPropose); err != nil {
					t.Fatalf("ring %d: %v", i+1, err)
				}
			}
			short, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if m, err := bob.Expect(short, isPropose); err == nil {
				t.Errorf("a call over the limit rang: %s", m.Raw)
			}
			log, _ := os.ReadFile(filepath.Join(sipp.Dir, "messages.log"))
			if n := strings.Count(string(log), "SIP/2.0 486 "); n < calls-tt.rang {
				t.Errorf("%d callers heard 486, want %d", n, calls-tt.rang)
			}
		})
	}
}
