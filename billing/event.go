package billing

// Kind is what a posting is for.
type Kind string

// Usage kinds, the ratable events. The quantity of an event is in the
// kind's unit.
const (
	SMS    Kind = "sms"     // an outbound text; quantity: segments
	MMS    Kind = "mms"     // an outbound picture message; quantity: messages
	Call   Kind = "call"    // an outbound call; quantity: seconds
	SMSIn  Kind = "sms_in"  // an inbound text; quantity: segments
	MMSIn  Kind = "mms_in"  // an inbound picture message; quantity: messages
	CallIn Kind = "call_in" // an inbound call; quantity: seconds
)

// Money kinds, posted by Credit and Renew.
const (
	Fee     Kind = "fee"     // a plan's renewal: monthly fee and number rental
	Payment Kind = "payment" // a top-up from a payment provider; id: the provider's event id
	Admin   Kind = "admin"   // an operator's credit or debit, with a reason
	Bonus   Kind = "bonus"   // credit from an invite code
)

// usage reports whether k is a ratable event kind.
func (k Kind) usage() bool {
	switch k {
	case SMS, MMS, Call, SMSIn, MMSIn, CallIn:
		return true
	}
	return false
}

// timed reports whether k is measured in seconds and rated per minute in
// billing increments.
func (k Kind) timed() bool { return k == Call || k == CallIn }

// allowance names the plan allowance k draws from: outbound usage only.
func (k Kind) allowance() string {
	switch k {
	case SMS, MMS, Call:
		return string(k)
	}
	return ""
}

// Event is a ratable event: something an account did or received that
// may cost money. The ledger knows no carrier, stanza or call; the caller
// describes the event and gets a Decision back.
type Event struct {
	// Account is the ledger account (the caller's choice of id, such as
	// the owner's bare JID).
	Account string
	// ID makes the event's posting happen once however often it is
	// retried: the outbox job key of a send, the call id, the carrier's
	// message id of an inbound message. IDs are scoped by Kind.
	ID   string
	Kind Kind
	// Remote is the other party's number (E.164), which the rate table
	// prices by prefix. The ledger keeps only the matched prefix.
	Remote string
	// Quantity is in the kind's unit: segments, messages or seconds.
	Quantity int64
}
