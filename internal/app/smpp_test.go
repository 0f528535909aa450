package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestSMPPEndToEnd runs the gateway with an SMPP carrier against the Node
// SMSC: the app binds it at start (carriers.Runner), sends a user's text
// as submit_sm, turns a receipt into an XMPP receipt, passes an MO text
// on, and unbinds at shutdown without leaving goroutines (goleak).
func TestSMPPEndToEnd(t *testing.T) {
	smsc := carriertest.StartSMSC(t, "switchbd", "pw123456")
	e := startEnv(t, envOptions{extraTOML: fmt.Sprintf(`
[carriers.smpp]
addr = %q
system_id = "switchbd"
password = "pw123456"
registered_delivery = true
reconnect_min = "100ms"
`, smsc.Addr)})
	smsc.WaitBinds(t, 1)
	alice := e.user(t, "alice", aliceNum, "smpp")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)

	if err := alice.Send(ctx, `<message type="chat" id="s1" to="`+phone+`"><body>via smpp ✓</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
		t.Fatal(err)
	}
	sub := smsc.WaitSubmits(t, 1)[0]
	if sub.Text != "via smpp ✓" || sub.Dest != strings.TrimPrefix(phoneNum, "+") || sub.Source != strings.TrimPrefix(aliceNum, "+") || sub.RegisteredDelivery != 1 {
		t.Fatalf("submit_sm %+v", sub)
	}
	// The outbox records the id after the answer; a receipt for an id it
	// does not know yet is retried here as an SMSC would.
	deadline := time.Now().Add(10 * time.Second)
	for {
		smsc.Deliver(t, map[string]any{
			"source_addr": strings.TrimPrefix(phoneNum, "+"), "source_addr_ton": 1, "source_addr_npi": 1,
			"destination_addr": strings.TrimPrefix(aliceNum, "+"), "dest_addr_ton": 1, "dest_addr_npi": 1,
			"esm_class": 4, "data_coding": 0, "receipted_message_id": sub.MessageID,
			"short_message": "id:" + sub.MessageID + " sub:001 dlvrd:001 submit date:2611301200 done date:2611301201 stat:DELIVRD err:000 text:via",
		}, nil)
		r, err := alice.Expect(ctxTimeout(t, 500*time.Millisecond), isMessageFrom(phone))
		if err == nil {
			if !r.Has("urn:xmpp:receipts", "received") || !strings.Contains(r.Raw, `id="s1"`) {
				t.Fatalf("want a receipt for s1, got %s", r.Raw)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no receipt after the DELIVRD deliver_sm")
		}
	}

	st := smsc.Deliver(t, map[string]any{
		"source_addr": strings.TrimPrefix(phoneNum, "+"), "source_addr_ton": 1, "source_addr_npi": 1,
		"destination_addr": strings.TrimPrefix(aliceNum, "+"), "dest_addr_ton": 1, "dest_addr_npi": 1,
		"esm_class": 0, "short_message": "from the handset 👋",
	}, nil)
	if len(st) != 1 || st[0] != 0 {
		t.Fatalf("deliver_sm_resp %v", st)
	}
	m, err := alice.Expect(ctx, isMessageFrom(phone))
	if err != nil || m.Body() != "from the handset 👋" {
		t.Fatalf("inbound: %v %s", err, m.Raw)
	}
}
