package smpp

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestConformance runs the carriers' shared suite against the Node SMSC
// (npm smpp@0.5.1): sends are submit_sm it takes, statuses and inbound
// texts are deliver_sm it sends, errors are submit_sm_resp statuses it
// answers with.
func TestConformance(t *testing.T) {
	var smsc *icarriertest.SMSC
	// The SMPP statuses that play the HTTP errors of the suite's table.
	errs := map[int]int{
		http.StatusBadRequest:          statusInvDstAdr, // rejected: invalid number
		http.StatusUnauthorized:        statusInvSrcAdr, // rejected: not allowed to send from this number
		http.StatusTooManyRequests:     statusThrottled,
		http.StatusInternalServerError: statusSysErr,
		http.StatusServiceUnavailable:  statusMsgQFul,
	}
	carriertest.Run(t, carriertest.Harness{
		API: func(t *testing.T) string {
			smsc = icarriertest.StartSMSC(t, testSystemID, testPassword)
			return smsc.Addr
		},
		New: func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier {
			c, err := New(testSettings(api, log))
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Errors: func(t *testing.T, status int, hang bool) string {
			if hang {
				smsc.Hang(t)
			} else {
				smsc.Fail(t, errs[status])
			}
			t.Cleanup(func() { smsc.OK(t) })
			return smsc.Addr
		},
		Deliver: func(t *testing.T, m carriers.Message) {
			f := moFields(m.From, m.To)
			f["short_message"] = m.Body
			allOK(t, smsc.Deliver(t, f, nil))
		},
		Receipt: func(t *testing.T, id, status, code string) {
			allOK(t, smsc.Deliver(t, receiptPDU(id, status, code), nil))
		},
		Statuses: map[string]carriers.State{
			"DELIVRD": carriers.StateDelivered,
			"ACCEPTD": carriers.StateSent, "ENROUTE": carriers.StateSent, "UNKNOWN": carriers.StateSent,
			"UNDELIV": carriers.StateFailed, "REJECTD": carriers.StateFailed,
			"EXPIRED": carriers.StateFailed, "DELETED": carriers.StateFailed,
		},
		Codes: map[string]carriers.Reason{
			"001": carriers.ReasonInvalid,     // unknown subscriber
			"011": carriers.ReasonInvalid,     // teleservice not provisioned
			"013": carriers.ReasonBlocked,     // call barred
			"027": carriers.ReasonUnreachable, // absent subscriber
		},
		Secrets: []string{testPassword},
	})
}
