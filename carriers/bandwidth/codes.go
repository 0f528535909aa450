package bandwidth

import "github.com/switchboard-gw/switchboard/carriers"

// reasonFor maps a Bandwidth messaging error code (a message-failed
// callback's errorCode) onto the gateway's shared reasons, so that users read
// the same words whatever the carrier. Codes and names are those of
// Bandwidth's messaging error table (dev.bandwidth.com, Messaging > Errors);
// a code not listed has no reason (ReasonUnknown), and the user reads
// Bandwidth's own description instead.
func reasonFor(code string) carriers.Reason {
	switch code {
	case "4775": // destination-rejected-due-to-user-opt-out
		return carriers.ReasonOptedOut
	case "4303", // malformed-invalid-to-number
		"4350", // malformed-for-destination
		"4404", // rejected-forbidden-to-number
		"4406", // rejected-unallocated-to-number
		"4434", // rejected-forbidden-tollfree-for-recipient
		"4492", // reject-emergency
		"4720", // invalid-destination-address (not in the numbering plan, or a landline)
		"4721": // destination-tn-deactivated
		return carriers.ReasonInvalid
	case "4700", // invalid-service-type: the handset or its carrier takes no SMS/MMS
		"4701", // destination-service-unavailable
		"4702", // destination-subscriber-unavailable (handset off, SIM full...)
		"4730": // no-route-to-destination-carrier (roaming out of reach)
		return carriers.ReasonUnreachable
	case "4470", // rejected-spam-detected (by Bandwidth)
		"4481", // rejected-from-number-in-blacklist
		"4482", // rejected-to-number-in-blacklist
		"4750", // destination-rejected-message (no reason given; often spam)
		"4770", // destination-spam-detected
		"4771", // rejected-shortened-url
		"4772": // rejected-tn-blocked
		return carriers.ReasonBlocked
	case "4773", // inactive-campaign (10DLC campaign not active)
		"4774", // provisioning-issue (10DLC provisioning incomplete)
		"4795": // tfn-not-verified (toll-free verification)
		return carriers.ReasonUnregistered
	case "4411", // rejected-message-size-limit-exceeded (Bandwidth)
		"4711", // rejected-message-size-limit-exceeded (downstream)
		"4751": // destination-rejected-message-size-invalid
		return carriers.ReasonTooLarge
	case "4780", // volume-violation-tmo (T-Mobile daily limit)
		"4781", // volume-violation-att (AT&T throttling)
		"4785": // volumetric-violation
		return carriers.ReasonRateLimited
	}
	return carriers.ReasonUnknown
}
