package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// TestForwardedCall: a number forwarded to another number sends its calls
// there through the trunk instead of ringing the owner. The target (SIPp)
// sees the caller's ID, and tshark sees the caller's A-law audio and its
// RFC 2833 digit arrive at the target's media port.
func TestForwardedCall(t *testing.T) {
	t.Run("to a number", func(t *testing.T) { testForward(t, false) })
	t.Run("to a SIP URI", func(t *testing.T) { testForward(t, true) })
}

// testForward forwards to the target through the trunk, or straight to
// its SIP URI (then the configured trunk is a dead port).
func testForward(t *testing.T, uri bool) {
	target := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
	capture := siptest.CaptureRTP(t, target.MediaPort)
	logs := &syncbuf.Buffer{}
	trunk, forward, wantTo := target.Addr, "+15551234567", "+15551234567"
	if uri {
		trunk, forward = "127.0.0.1:9", "sip:+15551234567@"+target.Addr
		wantTo = forward
	}
	e := startEnv(t, envOptions{logTo: logs, env: voiceEnv(t, trunk)})
	bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
	ctx := ctxTimeoutT(t, 60*time.Second)
	e.forwardedCall(t, ctx, "+12015550100", forward, target)
	if err := capture.Wait(ctx, "A-law audio and digit 1", func(c *siptest.Capture) bool {
		return c.Packets(8) >= 20 && slices.Contains(c.Events(), 1)
	}); err != nil {
		t.Fatal(err)
	}
	cdr := e.lastCDR(t, ctx)
	if cdr.Direction != "forwarded" || cdr.From != callerNumber || cdr.To != wantTo || cdr.Reason != "success" || cdr.Answer.IsZero() {
		t.Errorf("call record: %+v", cdr)
	}
	// Logs at debug level still carry no whole phone number.
	for _, n := range []string{callerNumber, "+15551234567", "+12015550100"} {
		if strings.Contains(logs.String(), n) {
			t.Errorf("the logs show %s", n)
		}
	}
	for _, ev := range bob.Events() {
		if ev.Name == "propose" {
			t.Errorf("the owner was rung for a forwarded call: %s", ev)
		}
	}
}

// forwardedCall forwards number to forward and has SIPp call it; target,
// where the call goes, must answer, get the caller's ID and our BYE.
func (e *env) forwardedCall(t *testing.T, ctx context.Context, number, forward string, target *siptest.Sipp) {
	t.Helper()
	if err := e.store.SetForward(context.Background(), number, forward); err != nil {
		t.Fatal(err)
	}
	caller := e.callGateway(t, "uac_call.xml", number, nil)
	if err := caller.Wait(ctx); err != nil {
		t.Fatalf("caller scenario: %v", err)
	}
	if err := target.Wait(ctx); err != nil {
		t.Fatalf("target scenario (expects the caller's ID and our BYE): %v", err)
	}
}

// TestUntrustedForward: the toll fraud of issue 8. An INVITE from
// 127.0.0.2, which is not the trunk, to a forwarded number gets 403:
// nothing is dialled (the trunk, SIPp, sees no INVITE), nobody is rung and
// no call is recorded. The same call from the trunk's address is forwarded.
func TestUntrustedForward(t *testing.T) {
	target := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
	logs := &syncbuf.Buffer{}
	e := startEnv(t, envOptions{logTo: logs, env: voiceEnv(t, target.Addr)})
	bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
	if err := e.store.SetForward(context.Background(), "+12015550100", "+15551234567"); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeoutT(t, 60*time.Second)

	attacker := siptest.Start(t, siptest.Options{Scenario: "uac_reject.xml", Remote: e.cfg.SIP.Listen, Service: "+12015550100",
		LocalIP: "127.0.0.2", Replace: map[string]string{"CODE": "403"}})
	if err := attacker.Wait(ctx); err != nil {
		t.Fatalf("the untrusted INVITE was not refused with 403: %v", err)
	}
	time.Sleep(time.Second) // what a forward would have sent by now
	if target.Exited() {
		t.Fatal("the trunk's scenario ended: something was dialled")
	}
	if msgs, _ := os.ReadFile(filepath.Join(target.Dir, "messages.log")); strings.Contains(string(msgs), "INVITE sip:") {
		t.Fatalf("the untrusted INVITE was forwarded to the trunk:\n%s", msgs)
	}
	if cdrs, err := e.store.CDRs(ctx, 10); err != nil || len(cdrs) != 0 {
		t.Fatalf("call records after a refused INVITE: %+v, %v", cdrs, err)
	}
	if !strings.Contains(logs.String(), "refused a request from an untrusted source") {
		t.Errorf("the refusal was not logged:\n%s", logs.String())
	}

	caller := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
	if err := caller.Wait(ctx); err != nil {
		t.Fatalf("the trunk's call: %v", err)
	}
	if err := target.Wait(ctx); err != nil {
		t.Fatalf("target scenario (expects the caller's ID and our BYE): %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Direction != "forwarded" || cdr.From != callerNumber || cdr.Reason != "success" {
		t.Errorf("call record: %+v", cdr)
	}
	for _, ev := range bob.Events() {
		if ev.Name == "propose" {
			t.Errorf("the owner was rung: %s", ev)
		}
	}
}

// TestForwardedCallHeld: the caller of a forwarded call puts it on hold
// with a re-INVITE (a=sendonly): the gateway carries it to the target
// (SIPp checks a=sendonly and answers a=recvonly) and answers the caller
// with the target's a=recvonly, instead of refusing it with 488.
func TestForwardedCallHeld(t *testing.T) {
	target := siptest.Start(t, siptest.Options{Scenario: "uas_hold.xml", RTPEcho: true})
	e := startEnv(t, envOptions{env: voiceEnv(t, target.Addr)})
	e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
	if err := e.store.SetForward(context.Background(), "+12015550100", "+15551234567"); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeoutT(t, 60*time.Second)
	caller := e.callGateway(t, "uac_hold.xml", "+12015550100", nil)
	if err := caller.Wait(ctx); err != nil {
		t.Fatalf("caller scenario (expects a=recvonly to its hold): %v", err)
	}
	if err := target.Wait(ctx); err != nil {
		t.Fatalf("target scenario (expects the hold, a=sendonly, then our BYE): %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Direction != "forwarded" || cdr.Reason != "success" {
		t.Errorf("call record: %+v", cdr)
	}
}
