package app

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// The SIPp scenarios check the caller ID the gateway sends: this number.
const callerNumber = "+15557654321"

// voiceUser registers name with a number and logs it in as an aiortc
// Jingle client.
func (e *env) voiceUser(t *testing.T, name, number string, opts jinglepeer.Options) *jinglepeer.Peer {
	t.Helper()
	e.prosody.Register(t, name, "pw-"+name)
	if number != "" {
		e.assign(t, name, number)
	}
	opts.JID, opts.Password, opts.Server = name+"@"+e.prosody.Domain, "pw-"+name, e.prosody.C2SAddr
	return jinglepeer.Start(t, opts)
}

// assign binds number to name's bare JID through the sandbox carrier.
func (e *env) assign(t *testing.T, name, number string) {
	t.Helper()
	if err := e.store.Assign(context.Background(), store.Binding{Number: number, JID: name + "@" + e.prosody.Domain, Carrier: "sandbox"}); err != nil {
		t.Fatal(err)
	}
}

func ctxTimeoutT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// lastCDR waits for the record of the call that just ended.
func (e *env) lastCDR(t *testing.T, ctx context.Context) store.CDR {
	t.Helper()
	for {
		cdrs, err := e.store.CDRs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(cdrs) == 1 {
			return cdrs[0]
		}
		select {
		case <-ctx.Done():
			t.Fatal("no call detail record")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestCallPhone: an XMPP user calls a phone with JMI. SIPp plays the trunk,
// rings, answers and echoes RTP, so the tone the user's client sends comes
// back through both legs of the bridge. The user hangs up: SIPp gets a BYE.
func TestCallPhone(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts jinglepeer.Options
		jmi  bool
	}{
		{name: "jmi", opts: jinglepeer.Options{Tone: 440}, jmi: true},
		{name: "dino-like without bundle or jmi", opts: jinglepeer.Options{Tone: 440, NoBundle: true, NoJMI: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
			e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
			alice := e.voiceUser(t, "alice", callerNumber, tt.opts)
			ctx := ctxTimeoutT(t, 60*time.Second)
			phone := e.numberJID("+15551234567")

			alice.Do(map[string]any{"cmd": "call", "to": phone, "jmi": tt.jmi})
			if tt.jmi {
				for _, ev := range []string{"receipt", "ringing", "proceed"} {
					if _, err := alice.Expect(ctx, ev, nil); err != nil {
						t.Fatalf("waiting for %s: %v", ev, err)
					}
				}
			}
			if _, err := alice.Expect(ctx, "session-accept", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := alice.Expect(ctx, "connected", nil); err != nil {
				t.Fatal(err)
			}
			ev, err := alice.WaitTone(ctx, 0.5)
			if err != nil {
				t.Fatalf("the tone did not come back through the bridge: %v", err)
			}
			t.Logf("echoed tone: %s", ev)
			alice.Do(map[string]any{"cmd": "hangup"})
			if err := sipp.Wait(ctx); err != nil {
				t.Fatalf("SIPp scenario: %v", err)
			}
			cdr := e.lastCDR(t, ctx)
			if cdr.Reason != "success" || cdr.Direction != "outbound" || cdr.From != callerNumber || cdr.To != "+15551234567" ||
				cdr.JID != "alice@localhost" || cdr.Answer.IsZero() || cdr.Duration() <= 0 {
				t.Errorf("call record: %+v", cdr)
			}
		})
	}
}
