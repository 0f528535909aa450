package twilio

import "github.com/switchboard-gw/switchboard/carriers"

// reasonFor maps a Twilio error code (an API error's code, or a status
// callback's ErrorCode) onto the gateway's shared reasons, so that users read
// the same words whatever the carrier. Codes and names are those of
// https://www.twilio.com/docs/api/errors; a code not listed has no reason
// (ReasonUnknown), and the user reads Twilio's own text instead.
func reasonFor(code string) carriers.Reason {
	switch code {
	case "21610": // Attempt to send to unsubscribed recipient (STOP)
		return carriers.ReasonOptedOut
	case "21211", // Invalid 'To' phone number
		"21614": // 'To' number is not a valid mobile number
		return carriers.ReasonInvalid
	case "30003", // Unreachable destination handset
		"30005", // Unknown destination handset
		"30006": // Landline or unreachable carrier
		return carriers.ReasonUnreachable
	case "30004", // Message blocked
		"30007": // Message filtered (carrier spam filter)
		return carriers.ReasonBlocked
	case "30019": // Content size exceeds carrier limit
		return carriers.ReasonTooLarge
	case "20429", // API: Too Many Requests (HTTP 429)
		"30022", // US A2P 10DLC: rate limits exceeded
		"30023", // US A2P 10DLC: daily message cap reached
		"30027": // US A2P 10DLC: T-Mobile daily message limit reached
		return carriers.ReasonRateLimited
	case "30032", // Toll-free number has not been verified
		"30034": // US A2P 10DLC: message from an unregistered number
		return carriers.ReasonUnregistered
	}
	return carriers.ReasonUnknown
}
