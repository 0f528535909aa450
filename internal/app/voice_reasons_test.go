package app

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// callGateway has SIPp call number through the gateway's SIP listener.
func (e *env) callGateway(t *testing.T, scenario, number string, replace map[string]string) *siptest.Sipp {
	t.Helper()
	return siptest.Start(t, siptest.Options{Scenario: scenario, Remote: e.cfg.SIP.Listen, Service: number, Pcaps: true, Replace: replace})
}

// TestPhoneCallsUser: a phone (SIPp playing G.711 A-law audio and an
// RFC 2833 digit) calls a user's number; the user's client is rung with
// JMI, answers, receives the audio through the bridge, and sees the call
// end when the phone hangs up.
func TestPhoneCallsUser(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts jinglepeer.Options
	}{
		{name: "conversations-like", opts: jinglepeer.Options{Tone: 440}},
		{name: "dino-like setup active without bundle", opts: jinglepeer.Options{Tone: 440, NoBundle: true, SetupActive: true}},
		{name: "client with telephone-event", opts: jinglepeer.Options{Tone: 440, DTMF: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
			bob := e.voiceUser(t, "bob", "+12015550100", tt.opts)
			ctx := ctxTimeoutT(t, 60*time.Second)

			sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
			prop, err := bob.Expect(ctx, "propose", nil)
			if err != nil {
				t.Fatal(err)
			}
			if prop.Str("from") != e.numberFull(callerNumber) {
				t.Errorf("caller JID %q, want %q", prop.Str("from"), e.numberFull(callerNumber))
			}
			bob.Do(map[string]any{"cmd": "answer"})
			if _, err := bob.Expect(ctx, "session-initiate", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := bob.Expect(ctx, "connected", nil); err != nil {
				t.Fatal(err)
			}
			audio, err := bob.Expect(ctx, "audio", func(ev jinglepeer.Event) bool { return ev.Float("frames") >= 25 })
			if err != nil {
				t.Fatalf("no audio from the phone: %v", err)
			}
			t.Logf("received: %s", audio)
			if tt.opts.DTMF {
				// SIPp plays an RFC 2833 "1" after its audio.
				if _, err := bob.Expect(ctx, "dtmf", func(ev jinglepeer.Event) bool { return ev.Str("digit") == "1" }); err != nil {
					t.Fatalf("the phone's digit did not reach the client: %v", err)
				}
			}
			end, err := bob.Expect(ctx, "terminated", nil)
			if err != nil {
				t.Fatal(err)
			}
			if end.Str("reason") != "success" {
				t.Errorf("ended with %s", end)
			}
			if err := sipp.Wait(ctx); err != nil {
				t.Fatalf("SIPp scenario: %v", err)
			}
			cdr := e.lastCDR(t, ctx)
			if cdr.Reason != "success" || cdr.Direction != "inbound" || cdr.From != callerNumber || cdr.To != "+12015550100" ||
				cdr.JID != "bob@localhost" || cdr.Answer.IsZero() {
				t.Errorf("call record: %+v", cdr)
			}
		})
	}
}

// TestCallReasons: every way a call can fail ends both legs with the
// mapped reason (voice notes: 486 busy, 603 decline, 404 general-error,
// 480 timeout, CANCEL cancel).
func TestCallReasons(t *testing.T) {
	t.Run("phone refuses", func(t *testing.T) {
		for _, tt := range []struct {
			code   int
			phrase string
			reason string
		}{
			{486, "Busy Here", "busy"},
			{603, "Decline", "decline"},
			{404, "Not Found", "general-error"},
			{480, "Temporarily Unavailable", "timeout"},
		} {
			t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
				sipp := siptest.Start(t, siptest.Options{Scenario: "uas_reject.xml", Replace: map[string]string{"CODE": strconv.Itoa(tt.code), "REASON": tt.phrase}})
				e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
				alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{})
				ctx := ctxTimeoutT(t, 60*time.Second)
				alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
				rej, err := alice.Expect(ctx, "reject", nil)
				if err != nil {
					t.Fatal(err)
				}
				if rej.Str("reason") != tt.reason {
					t.Errorf("reject reason %q, want %q: %s", rej.Str("reason"), tt.reason, rej)
				}
				if err := sipp.Wait(ctx); err != nil {
					t.Fatalf("SIPp scenario: %v", err)
				}
				if cdr := e.lastCDR(t, ctx); cdr.Reason != tt.reason || !cdr.Answer.IsZero() {
					t.Errorf("call record: %+v", cdr)
				}
			})
		}
	})
	t.Run("user refuses", func(t *testing.T) {
		for _, tt := range []struct {
			reason string
			code   int
		}{{"busy", 486}, {"decline", 603}} {
			t.Run(tt.reason, func(t *testing.T) {
				e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
				bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{AutoReject: tt.reason})
				ctx := ctxTimeoutT(t, 60*time.Second)
				sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": strconv.Itoa(tt.code)})
				if err := sipp.Wait(ctx); err != nil {
					t.Fatalf("SIPp scenario (expects %d): %v", tt.code, err)
				}
				if _, err := bob.Expect(ctx, "reject-sent", nil); err != nil {
					t.Fatal(err)
				}
				if cdr := e.lastCDR(t, ctx); cdr.Reason != tt.reason {
					t.Errorf("call record: %+v", cdr)
				}
			})
		}
	})
	t.Run("caller gives up", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := e.callGateway(t, "uac_cancel.xml", "+12015550100", nil)
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario: %v", err)
		}
		ret, err := bob.Expect(ctx, "retract", nil)
		if err != nil {
			t.Fatal(err)
		}
		if ret.Str("reason") != "cancel" {
			t.Errorf("retract: %s", ret)
		}
	})
	t.Run("nobody answers", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9", "SWITCHBOARD_CALLS_RING_TIMEOUT=2s")})
		bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": "480"})
		if _, err := bob.Expect(ctx, "propose", nil); err != nil {
			t.Fatal(err)
		}
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario (expects 480): %v", err)
		}
		ret, err := bob.Expect(ctx, "retract", nil)
		if err != nil {
			t.Fatal(err)
		}
		if ret.Str("reason") != "timeout" {
			t.Errorf("retract: %s", ret)
		}
	})
	t.Run("unknown number", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		ctx := ctxTimeoutT(t, 60*time.Second)
		sipp := siptest.Start(t, siptest.Options{Scenario: "uac_reject.xml", Remote: e.cfg.SIP.Listen, Service: "+12015550199", Replace: map[string]string{"CODE": "404"}})
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario (expects 404): %v", err)
		}
	})
}

// TestHold: hold travels both ways. The user's session-info <hold/>
// becomes a re-INVITE with a=sendonly (SIPp checks it and answers
// recvonly); the phone's own sendonly re-INVITE gets a recvonly answer
// (SIPp checks) and reaches the user as session-info <hold/>.
func TestHold(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{AutoAnswer: true})
	ctx := ctxTimeoutT(t, 60*time.Second)
	sipp := e.callGateway(t, "uac_reinvite.xml", "+12015550100", nil)
	if _, err := bob.Expect(ctx, "connected", nil); err != nil {
		t.Fatal(err)
	}
	bob.Do(map[string]any{"cmd": "hold"})
	info, err := bob.Expect(ctx, "session-info", nil)
	if err != nil {
		t.Fatalf("the phone's hold did not reach the user: %v", err)
	}
	if !strings.Contains(info.Raw, "hold") {
		t.Errorf("session-info: %s", info)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if _, err := bob.Expect(ctx, "terminated", nil); err != nil {
		t.Fatal(err)
	}
}

// TestRingAllResources: a call rings every resource of the owner; the one
// that answers gets the session, the other is told to stop ringing.
func TestRingAllResources(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	phone := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{Resource: "phone"})
	laptop := jinglepeer.Start(t, jinglepeer.Options{JID: "bob@" + e.prosody.Domain, Password: "pw-bob", Server: e.prosody.C2SAddr,
		Resource: "laptop", AutoAnswer: true})
	ctx := ctxTimeoutT(t, 60*time.Second)
	sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
	if _, err := phone.Expect(ctx, "propose", nil); err != nil {
		t.Fatalf("the phone did not ring: %v", err)
	}
	if _, err := laptop.Expect(ctx, "connected", nil); err != nil {
		t.Fatalf("the laptop did not get the call: %v", err)
	}
	ret, err := phone.Expect(ctx, "retract", nil)
	if err != nil {
		t.Fatalf("the phone kept ringing: %v", err)
	}
	if ret.Str("reason") != "cancel" {
		t.Errorf("retract: %s", ret)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario: %v", err)
	}
	if _, err := laptop.Expect(ctx, "terminated", nil); err != nil {
		t.Fatal(err)
	}
}

// TestOpusOnlyClient: a client that offers no G.711 is told why, instead
// of getting a call with no sound (the gateway does not transcode).
func TestOpusOnlyClient(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{Codecs: []string{"opus"}})
	ctx := ctxTimeoutT(t, 60*time.Second)
	alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": false})
	end, err := alice.Expect(ctx, "terminated", nil)
	if err != nil {
		t.Fatal(err)
	}
	if end.Str("reason") != "incompatible-parameters" || !strings.Contains(end.Str("text"), "G.711") {
		t.Errorf("terminated: %s", end)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Reason != "incompatible-parameters" {
		t.Errorf("call record: %+v", cdr)
	}
}

// TestDeclineAfterInitiate: a client that takes the call (proceed) and
// then declines the session (session-terminate <decline/>) gets the caller
// a 603, as a JMI reject would.
func TestDeclineAfterInitiate(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	bob := e.user(t, "bob", "+12015550100", "sandbox")
	ctx := ctxTimeoutT(t, 60*time.Second)
	sipp := e.callGateway(t, "uac_ring_reject.xml", "+12015550100", map[string]string{"CODE": "603"})
	prop, err := bob.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && strings.Contains(s.Raw, "<propose") })
	if err != nil {
		t.Fatal(err)
	}
	sid := regexp.MustCompile(`<propose [^>]*id="([^"]+)"`).FindStringSubmatch(prop.Raw)[1]
	if err := bob.Send(ctx, `<message type="chat" to="`+prop.From+`"><proceed xmlns="urn:xmpp:jingle-message:0" id="`+sid+`"/></message>`); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "iq" && strings.Contains(s.Raw, `action="session-initiate"`)
	}); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, `<iq type="set" id="t1" to="`+prop.From+`"><jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="`+sid+`"><reason><decline/></reason></jingle></iq>`); err != nil {
		t.Fatal(err)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (expects 603): %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Reason != "decline" {
		t.Errorf("call record: %+v", cdr)
	}
}
