package carriers

// Reason is why a carrier refused or failed a message, in terms shared by
// all adapters: each adapter maps its own error codes onto these, so users
// read the same words whatever the carrier.
type Reason string

// Reasons every adapter maps its codes onto.
const (
	ReasonUnknown      Reason = ""
	ReasonOptedOut     Reason = "opted-out"           // the recipient texted STOP
	ReasonUnreachable  Reason = "unreachable"         // handset off, unknown, or a landline
	ReasonBlocked      Reason = "blocked"             // blocked or filtered as spam
	ReasonUnregistered Reason = "unregistered-sender" // sender not registered (US A2P 10DLC)
	ReasonInvalid      Reason = "invalid-number"      // not a number that can receive texts
	ReasonTooLarge     Reason = "too-large"           // content over the carrier's limits
	ReasonRateLimited  Reason = "rate-limited"        // sending too fast or over a daily cap
)

// Text is the reason in plain language, as a user reads it.
func (r Reason) Text() string {
	switch r {
	case ReasonOptedOut:
		return "the recipient has opted out of texts from your number (they texted STOP); they can text START to opt back in"
	case ReasonUnreachable:
		return "the recipient's phone is unreachable, unknown, or a landline that cannot receive texts"
	case ReasonBlocked:
		return "the message was blocked or filtered by a carrier"
	case ReasonUnregistered:
		return "your number is not registered for sending texts to this destination (US A2P 10DLC)"
	case ReasonInvalid:
		return "this is not a valid number for texting"
	case ReasonTooLarge:
		return "the message or its media is too large for the carrier"
	case ReasonRateLimited:
		return "too many messages were sent too fast; the carrier refused this one"
	}
	return "the carrier could not deliver this message"
}
