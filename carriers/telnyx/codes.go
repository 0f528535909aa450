package telnyx

import "github.com/switchboard-gw/switchboard/carriers"

// reasonFor maps a Telnyx error code (an API answer's errors[].code, or a
// message.finalized payload's) onto the gateway's shared reasons, so that
// users read the same words whatever the carrier. Codes and titles are
// those of Telnyx's messaging error code reference
// (https://developers.telnyx.com/docs/messaging/messages/error-codes) and
// API error list; a code not listed has no reason (ReasonUnknown), and the
// user reads Telnyx's own title instead.
func reasonFor(code string) carriers.Reason {
	switch code {
	case "40300": // Blocked due to STOP message (HTTP 409)
		return carriers.ReasonOptedOut
	case "10002", // Invalid phone number
		"10016", // Phone number must be in +E.164 format
		"40012": // Invalid destination number (carrier rejected it)
		return carriers.ReasonInvalid
	case "40001": // Not routable: a landline or non-routable number
		return carriers.ReasonUnreachable
	case "40002", // Blocked as spam (temporary)
		"40003", // Blocked as spam (permanent)
		"40015": // Internal spam filter (Telnyx's own)
		return carriers.ReasonBlocked
	case "40010": // Not 10DLC registered ("The sending number is not 10DLC-registered but is required to be by the carrier.")
		return carriers.ReasonUnregistered
	case "10011", // Too many requests (API)
		"40011": // Rate limit exceeded (upstream carrier throughput)
		return carriers.ReasonRateLimited
	}
	return carriers.ReasonUnknown
}
