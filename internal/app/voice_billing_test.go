package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// meteredVoiceEnv is a gateway with SIPp as its trunk and calls priced at
// 0.60 a minute in increment inc, credit reserved step at a time.
func meteredVoiceEnv(t *testing.T, sipp *siptest.Sipp, inc string, step time.Duration) *env {
	t.Helper()
	e := &env{}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{env: voiceEnv(t, sipp.Addr)})
	e.cfg.Billing = billing.Config{Enabled: true, CallStep: step,
		Rates: []billing.RateConfig{{Prefix: "+1", Call: "0.60", Increment: inc}}}
	if err := e.cfg.Billing.Check(); err != nil {
		t.Fatal(err)
	}
	e.launch(t, nil)
	return e
}

// fund opens account with amount on it.
func (e *env) fund(t *testing.T, account, amount string) {
	t.Helper()
	if _, err := e.gw.ledger.Open(context.Background(), account, ""); err != nil {
		t.Fatal(err)
	}
	if amount == "" {
		return
	}
	m, err := billing.ParseMoney(amount, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.gw.ledger.Credit(context.Background(), billing.Adjustment{Account: account, ID: "fund", Kind: billing.Admin, Amount: m, Note: "test"}); err != nil {
		t.Fatal(err)
	}
}

// callCharge is the one call posting of account, after the call ended.
func (e *env) callCharge(t *testing.T, ctx context.Context, account string) (billing.Posting, billing.Account) {
	t.Helper()
	for {
		ps, err := e.gw.ledger.Usage(context.Background(), account, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Kind == billing.Call {
				a, err := e.gw.ledger.Account(context.Background(), account)
				if err != nil {
					t.Fatal(err)
				}
				return p, a
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the call was not charged: %+v", ps)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// callWithCredit has alice, with amount on her account, call a phone
// (SIPp answering and echoing) at 0.60 a minute in increments inc, and
// waits for the phone's answer to reach her.
func callWithCredit(t *testing.T, inc string, step time.Duration, amount string) (*env, *siptest.Sipp, *jinglepeer.Peer, string, context.Context) {
	t.Helper()
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	e := meteredVoiceEnv(t, sipp, inc, step)
	alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{Tone: 440})
	account := "alice@" + e.prosody.Domain
	e.fund(t, account, amount)
	ctx := ctxTimeoutT(t, 60*time.Second)
	alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
	if _, err := alice.Expect(ctx, "session-accept", nil); err != nil {
		t.Fatal(err)
	}
	return e, sipp, alice, account, ctx
}

// TestPrepaidCalls: calls to phones with billing on a real ledger and
// SIPp as the trunk. Without credit nothing is dialled and the user's
// client is told why; a balance that covers one step ends the call (BYE,
// <expired/>, a notice from the gateway) when it runs out; a call is
// charged its talk time in the rate's increments.
func TestPrepaidCalls(t *testing.T) {
	t.Run("no credit", func(t *testing.T) {
		sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml"})
		e := meteredVoiceEnv(t, sipp, "60/60", 0)
		alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{Tone: 440})
		e.fund(t, "alice@"+e.prosody.Domain, "")
		ctx := ctxTimeoutT(t, 30*time.Second)
		alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
		rej, err := alice.Expect(ctx, "reject", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rej.Str("text"), "balance") || !strings.Contains(rej.Str("text"), "not placed") {
			t.Errorf("the reject should say the balance does not cover the call: %s", rej)
		}
		time.Sleep(300 * time.Millisecond)
		if b, _ := os.ReadFile(filepath.Join(sipp.Dir, "messages.log")); strings.Contains(string(b), "INVITE sip:") {
			t.Errorf("the trunk was dialled without credit:\n%s", b)
		}
	})
	t.Run("runs out", func(t *testing.T) {
		// 0.02 pays for one 2-second step at a cent a second.
		e, sipp, alice, account, ctx := callWithCredit(t, "1/1", 2*time.Second, "0.02")
		end, err := alice.Expect(ctx, "terminated", nil)
		if err != nil {
			t.Fatal(err)
		}
		if end.Str("reason") != "expired" {
			t.Errorf("the call ended with %s, want expired", end)
		}
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp (which waits for our BYE): %v", err)
		}
		n, err := alice.Expect(ctx, "message", func(ev jinglepeer.Event) bool { return ev.Str("from") == e.prosody.ComponentDomain })
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(n.Str("body"), "Your call ended: your balance ran out") {
			t.Errorf("notice %s", n)
		}
		p, a := e.callCharge(t, ctx, account)
		if p.Amount.String() != "-0.02 USD" || a.Balance.String() != "0.00 USD" {
			t.Errorf("charged %s, balance %s; want 0.02 for the 2 s reserved, and nothing left", p.Amount, a.Balance)
		}
	})
	t.Run("60/60", func(t *testing.T) {
		e, sipp, alice, account, ctx := callWithCredit(t, "60/60", 0, "1.00")
		if _, err := alice.Expect(ctx, "connected", nil); err != nil {
			t.Fatal(err)
		}
		alice.Do(map[string]any{"cmd": "hangup"})
		if err := sipp.Wait(ctx); err != nil {
			t.Fatalf("SIPp scenario: %v", err)
		}
		p, a := e.callCharge(t, ctx, account)
		if p.Amount.String() != "-0.60 USD" || a.Balance.String() != "0.40 USD" || a.Reserved.Amount != 0 {
			t.Errorf("charged %s, balance %s, reserved %s; want a started minute (0.60) and nothing held", p.Amount, a.Balance, a.Reserved)
		}
	})
}

// TestForwardedCallCharged: with billing on a real ledger, a call to a
// number forwarded to another phone is charged to the number's owner as a
// call to that phone (SIPp is the trunk and the target); without credit
// the caller gets 480, nothing is dialled and the owner is told.
func TestForwardedCallCharged(t *testing.T) {
	t.Run("charged", func(t *testing.T) {
		target := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
		e := meteredVoiceEnv(t, target, "1/1", time.Minute)
		e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
		account := "bob@" + e.prosody.Domain
		e.fund(t, account, "5.00")
		ctx := ctxTimeoutT(t, 60*time.Second)
		e.forwardedCall(t, ctx, "+12015550100", "+15551234567", target)
		p, a := e.callCharge(t, ctx, account)
		if p.Where != "+1" || p.Quantity < 1 || p.Amount.Amount >= 0 || a.Balance.Amount != 500+p.Amount.Amount {
			t.Errorf("posting %+v, account %+v: want bob charged for the call to +15551234567", p, a)
		}
	})
	t.Run("no credit", func(t *testing.T) {
		target := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
		e := meteredVoiceEnv(t, target, "1/1", time.Minute)
		bob := e.user(t, "bob", "+12015550100", "sandbox")
		e.fund(t, "bob@"+e.prosody.Domain, "")
		if err := e.store.SetForward(context.Background(), "+12015550100", "+15551234567"); err != nil {
			t.Fatal(err)
		}
		ctx := ctxTimeoutT(t, 60*time.Second)
		caller := e.callGateway(t, "uac_reject.xml", "+12015550100", map[string]string{"CODE": "480"})
		if err := caller.Wait(ctx); err != nil {
			t.Fatalf("caller scenario (expects 480): %v", err)
		}
		if _, err := bob.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && strings.Contains(s.Body(), "could not be forwarded to +1 555-123-4567")
		}); err != nil {
			t.Fatal(err)
		}
		if target.Exited() {
			t.Error("the target's scenario ended: something was dialled")
		}
		if msgs, _ := os.ReadFile(filepath.Join(target.Dir, "messages.log")); strings.Contains(string(msgs), "INVITE sip:") {
			t.Errorf("the target was dialled without credit:\n%s", msgs)
		}
	})
}
