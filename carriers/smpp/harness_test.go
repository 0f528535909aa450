package smpp

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// The credentials the test SMSC takes.
const (
	testSystemID = "switchbd"
	testPassword = "s3cr3tPw"
)

// testSettings are quick to give up and to rebind, for tests.
func testSettings(addr string, log *slog.Logger) Settings {
	return Settings{
		Addr: addr, SystemID: testSystemID, Password: testPassword,
		SourceTON: 1, SourceNPI: 1, RegisteredDelivery: true,
		EnquireLink: 2 * time.Second, Timeout: time.Second,
		ReconnectMin: 50 * time.Millisecond, ReconnectMax: 200 * time.Millisecond,
		BindWait: 3 * time.Second, Logger: log,
	}
}

// newRunning builds an adapter bound to smsc.
func newRunning(t *testing.T, smsc *icarriertest.SMSC, r carriers.Receiver, log *slog.Logger, edit ...func(*Settings)) *Carrier {
	t.Helper()
	s := testSettings(smsc.Addr, log)
	for _, e := range edit {
		e(&s)
	}
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	carriertest.Start(t, c, r)
	return c
}

// addr is an E.164 number as SMPP carries it.
func addr(n string) string { return strings.TrimPrefix(n, "+") }

// moFields is a deliver_sm carrying an MO text from one number to another;
// npm smpp picks the data coding for a string short_message.
func moFields(from, to string) map[string]any {
	return map[string]any{
		"source_addr": addr(from), "source_addr_ton": 1, "source_addr_npi": 1,
		"destination_addr": addr(to), "dest_addr_ton": 1, "dest_addr_npi": 1,
		"esm_class": 0,
	}
}

// receiptPDU is a deliver_sm delivery receipt for id.
func receiptPDU(id, stat, code string) map[string]any {
	if code == "" {
		code = "000"
	}
	return map[string]any{
		"source_addr": "12015550123", "source_addr_ton": 1, "source_addr_npi": 1,
		"destination_addr": "12015550100", "dest_addr_ton": 1, "dest_addr_npi": 1,
		"esm_class": esmReceipt, "data_coding": 0,
		"short_message":        "id:" + id + " sub:001 dlvrd:001 submit date:2611301200 done date:2611301201 stat:" + stat + " err:" + code + " text:hello",
		"receipted_message_id": id,
	}
}

// allOK fails t unless every deliver_sm_resp was ESME_ROK.
func allOK(t *testing.T, statuses []int) {
	t.Helper()
	if len(statuses) == 0 {
		t.Fatal("no session was bound to take the deliver_sm")
	}
	for _, st := range statuses {
		if st != 0 {
			t.Fatalf("deliver_sm_resp statuses %v; want all 0", statuses)
		}
	}
}
