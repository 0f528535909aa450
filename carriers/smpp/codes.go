package smpp

import (
	"fmt"

	"github.com/linxGnu/gosmpp/data"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Command statuses (SMPP 3.4 5.1.3) with a meaning for the gateway.
const (
	statusOK           = 0x00
	statusInvMsgLen    = 0x01
	statusInvBindSts   = 0x04
	statusSysErr       = 0x08
	statusInvSrcAdr    = 0x0A
	statusInvDstAdr    = 0x0B
	statusInvPaswd     = 0x0E
	statusInvSysID     = 0x0F
	statusMsgQFul      = 0x14
	statusSubmitFail   = 0x45
	statusInvSrcTON    = 0x48
	statusInvSrcNPI    = 0x49
	statusInvDstTON    = 0x50
	statusInvDstNPI    = 0x51
	statusThrottled    = 0x58
	statusXTAppn       = 0x64 // ESME_RX_T_APPN: temporary, the SMSC retries
	statusXPAppn       = 0x65 // ESME_RX_P_APPN: permanent, it does not
	statusDeliveryFail = 0xFE
	statusUnknownErr   = 0xFF
)

// statusError turns a submit_sm_resp's non-zero command_status into the
// carrier error the gateway acts on. The SMSC being busy, full or broken
// is temporary (ErrUnavailable, retried); anything about the message or
// its addresses is a rejection, as are statuses SMPP 3.4 does not define,
// so that a message is not sent again and again on an unknown answer.
func statusError(st uint32) error {
	e := &carriers.Error{Kind: carriers.ErrRejected, Code: fmt.Sprintf("0x%08X", st), Message: data.CommandStatusType(int32(st)).Desc()}
	switch st {
	case statusThrottled:
		e.Kind, e.Reason = carriers.ErrUnavailable, carriers.ReasonRateLimited
	case statusMsgQFul, statusSysErr, statusInvBindSts, statusSubmitFail, statusXTAppn, statusDeliveryFail, statusUnknownErr:
		e.Kind = carriers.ErrUnavailable
	case statusInvDstAdr, statusInvDstTON, statusInvDstNPI:
		e.Reason = carriers.ReasonInvalid
	case statusInvSrcAdr, statusInvSrcTON, statusInvSrcNPI:
		e.Reason = carriers.ReasonUnregistered
	case statusInvMsgLen:
		e.Reason = carriers.ReasonTooLarge
	}
	if e.Message == "" {
		e.Message = "the SMSC refused the message"
	}
	return e
}

// statusType is st as gosmpp types it.
func statusType(st uint32) data.CommandStatusType { return data.CommandStatusType(int32(st)) }
