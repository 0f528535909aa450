package softphone

import "strconv"

// refusal is what the page shows for a call the gateway refused with SIP
// status code: people trying the sandbox should not need to know SIP.
func refusal(code int) string {
	switch code {
	case 486, 600:
		return "Busy"
	case 603:
		return "Declined"
	case 480, 408:
		return "No answer"
	case 487:
		return "Cancelled"
	case 404:
		return "Number not found: not on this gateway"
	case 503:
		return "Gateway unavailable"
	}
	return "Call failed (code " + strconv.Itoa(code) + ")"
}
