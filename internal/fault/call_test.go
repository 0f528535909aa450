package fault

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestCallGatewayKilled: kill -9 the gateway while alice's metered call
// to a phone is up. Its media dies with it; the gateway started after it
// finds the call orphaned once the dead one's ownership lapses (30 s),
// records it as owner-lost with its answer time, and charges alice for the
// talk time until the dead gateway was last alive: not nothing, and once.
func TestCallGatewayKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("fault: kills real processes (skipped with -short)")
	}
	rds := testenv.StartRedis(t)
	prosody := testenv.StartProsody(t, testenv.ProsodyOptions{})
	carrier := newCarrier(t, 0)
	phone := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	sipPort, err := siptest.FreeUDPPort()
	if err != nil {
		t.Fatal(err)
	}
	cfg, url := gatewayConfig(t, rds, prosody, carrier, fmt.Sprintf(`
[sip]
listen = "127.0.0.1:%d"
trunk = "sip:%s"
trusted = ["127.0.0.1"]
[billing]
enabled = true
currency = "USD"
call_step = "60s"
[[billing.rates]]
prefix = "+1"
call = "0.60"
increment = "1/1"
[log]
level = "debug"
`, sipPort, phone.Addr))
	gw := startGateway(t, cfg, url+"/healthz", nil)

	st, err := store.Open(rds.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bcfg := billing.Config{Enabled: true, Currency: "USD", Rates: []billing.RateConfig{{Prefix: "+1", Call: "0.60", Increment: "1/1"}}}
	if err := bcfg.Check(); err != nil {
		t.Fatal(err)
	}
	ledger, err := billing.New(st.Client(), st.Prefix(), &bcfg, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, 3*time.Minute)
	alice := "alice@" + prosody.Domain
	prosody.Register(t, "alice", "pw-alice")
	if err := st.Assign(ctx, store.Binding{Number: aliceNum, JID: alice, Carrier: "twilio"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Open(ctx, alice, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Credit(ctx, billing.Adjustment{Account: alice, ID: "fund", Kind: billing.Admin, Amount: billing.Money{Amount: 500, Currency: "USD"}, Note: "test"}); err != nil {
		t.Fatal(err)
	}

	peer := jinglepeer.Start(t, jinglepeer.Options{JID: alice, Password: "pw-alice", Server: prosody.C2SAddr})
	peer.Do(map[string]any{"cmd": "call", "to": "+15551234567@" + prosody.ComponentDomain, "jmi": true})
	if _, err := peer.Expect(ctx, "session-accept", nil); err != nil {
		t.Fatal(err)
	}
	talk := 3 * time.Second
	time.Sleep(talk)
	gw.kill()
	killed := time.Now()
	gw.start() // a new instance: it owns nothing the dead one ran

	var cdr store.CDR
	waitUntil(t, 90*time.Second, "the orphaned call's record", func() bool {
		cdrs, err := st.CDRs(ctx, 1)
		if err != nil || len(cdrs) == 0 {
			return false
		}
		cdr = cdrs[0]
		return true
	})
	if cdr.Reason != "owner-lost" || cdr.Answer.IsZero() || cdr.JID != alice || cdr.To != "+15551234567" {
		t.Errorf("call record %+v", cdr)
	}
	var charged []billing.Posting
	waitUntil(t, 10*time.Second, "the call's charge", func() bool {
		ps, err := ledger.Usage(ctx, alice, 10)
		if err != nil {
			return false
		}
		charged = charged[:0]
		for _, p := range ps {
			if p.Kind == billing.Call {
				charged = append(charged, p)
			}
		}
		return len(charged) > 0
	})
	// Talked for about talk before the kill; the last heartbeat came at
	// most 10 s (OwnerTTL/3) before it.
	if len(charged) != 1 || charged[0].Quantity < 1 || time.Duration(charged[0].Quantity)*time.Second > talk+11*time.Second {
		t.Errorf("charged %+v, want one call posting of about %v", charged, talk)
	}
	t.Logf("killed %v after the answer; charged %d s (%s) %v after the kill; record %v",
		talk, charged[0].Quantity, charged[0].Amount, time.Since(killed).Round(time.Second), cdr.Duration().Round(time.Second))
	a, err := ledger.Account(ctx, alice)
	if err != nil || a.Balance.Amount != 500+charged[0].Amount.Amount {
		t.Errorf("account %+v %v", a, err)
	}
	if !gw.logHas("ending a call whose gateway instance died") {
		t.Error("the survivor did not log the orphan")
	}
}
