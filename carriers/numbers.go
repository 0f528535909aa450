package carriers

import (
	"context"
	"strings"
)

// NumberStore is implemented by carriers whose API can search for, buy and
// release phone numbers, for self-service sign-up. Whatever a carrier
// needs to route a bought number to the gateway (webhook URLs, a messaging
// profile) the adapter sets itself from its own settings, as Send sets its
// status callback: the caller names only the number.
//
// No carrier's API holds a number for a while without buying it in the
// same way (Telnyx has number reservations, Twilio none), so the gateway
// reserves a picked number itself until BuyNumber.
type NumberStore interface {
	// SearchNumbers lists numbers the carrier can sell now that match q
	// (see NumberQuery.Normal) and can receive texts. An empty list is no
	// error.
	SearchNumbers(ctx context.Context, q NumberQuery) ([]AvailableNumber, error)
	// BuyNumber buys number (E.164, as SearchNumbers gave it) and points
	// its messaging at the gateway. A number sold in the meantime is
	// ErrNumberGone, so the caller can offer another.
	BuyNumber(ctx context.Context, number string) (OwnedNumber, error)
	// ReleaseNumber gives back the number with the carrier's id id
	// (OwnedNumber.ID). A number the account no longer holds counts as
	// released, so a retried cancel succeeds.
	ReleaseNumber(ctx context.Context, id string) error
}

// NumberFinder is implemented by NumberStores whose API lists the numbers
// the account holds. A purchase whose answer was lost (a timeout, a 5xx
// after the carrier had acted) may have bought the number all the same:
// the gateway asks, rather than leave a number paid for and bound to
// nobody.
type NumberFinder interface {
	// FindNumber reports whether the account holds number (E.164), and
	// its id as BuyNumber would have given it.
	FindNumber(ctx context.Context, number string) (own OwnedNumber, found bool, err error)
}

// ErrNumberGone: the number was sold or withdrawn since it was offered;
// retrying will not help, another number may. It is a rejection
// (errors.Is(ErrNumberGone, ErrRejected)), and the Kind of the
// carriers.Error that reports it.
var ErrNumberGone error = numberGone{}

type numberGone struct{}

func (numberGone) Error() string { return "carriers: the number is no longer available" }
func (numberGone) Unwrap() error { return ErrRejected }

// Bounds of a number search.
const (
	DefaultNumberLimit = 20 // numbers listed when NumberQuery.Limit is 0
	MaxNumberLimit     = 50 // the most one search lists
)

// NumberQuery asks for available numbers. Every field is optional; the
// carriers that cannot filter on a field say so in their README.
type NumberQuery struct {
	// Country is an ISO 3166-1 alpha-2 code; default "US".
	Country string
	// AreaCode is the area code's digits ("415"); carriers apply it to
	// North American (+1) numbers.
	AreaCode string
	// Region is a state or province abbreviation ("CA", "ON").
	Region string
	// Contains is digits the number must hold, in a row ("2020").
	Contains string
	// Limit is how many numbers at most; default DefaultNumberLimit, at
	// most MaxNumberLimit.
	Limit int
}

// Normal returns q with its defaults filled in and letters in upper case,
// or an *Error (ErrRejected) saying which field is malformed; adapters
// call it before they build a request, so that nothing a user typed
// reaches a URL path unchecked.
func (q NumberQuery) Normal() (NumberQuery, error) {
	q.Country = strings.ToUpper(strings.TrimSpace(q.Country))
	if q.Country == "" {
		q.Country = "US"
	}
	q.AreaCode = strings.TrimSpace(q.AreaCode)
	q.Region = strings.ToUpper(strings.TrimSpace(q.Region))
	q.Contains = strings.TrimSpace(q.Contains)
	bad := func(msg string) (NumberQuery, error) {
		return NumberQuery{}, &Error{Kind: ErrRejected, Message: msg}
	}
	switch {
	case len(q.Country) != 2 || !only(q.Country, 'A', 'Z'):
		return bad("the country must be a two-letter code (US, CA, GB)")
	case q.AreaCode != "" && (len(q.AreaCode) != 3 || !only(q.AreaCode, '0', '9')):
		return bad("an area code is three digits")
	case q.Region != "" && (len(q.Region) > 3 || !only(q.Region, 'A', 'Z')):
		return bad("a region is a state or province abbreviation (CA, NY, ON)")
	case q.Contains != "" && (len(q.Contains) < 2 || len(q.Contains) > 10 || !only(q.Contains, '0', '9')):
		return bad("a pattern is 2 to 10 digits")
	case q.Limit < 0:
		return bad("the number of results cannot be negative")
	}
	if q.Limit == 0 {
		q.Limit = DefaultNumberLimit
	}
	q.Limit = min(q.Limit, MaxNumberLimit)
	return q, nil
}

// only reports whether every byte of s is within lo..hi.
func only(s string, lo, hi byte) bool {
	for i := range len(s) {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}

// AvailableNumber is a number a carrier offers.
type AvailableNumber struct {
	Number   string // E.164
	Locality string // city or rate center, when the carrier says
	Region   string // state or province abbreviation, when the carrier says
	Country  string // ISO 3166-1 alpha-2
	Capabilities
}

// Capabilities says what a number can receive.
type Capabilities struct {
	SMS, MMS, Voice bool
}

// OwnedNumber is a number bought through a carrier.
type OwnedNumber struct {
	Number string // E.164
	// ID is the carrier's id of the number in the account (Twilio's PN…
	// sid, Telnyx's phone number id), which ReleaseNumber takes; the
	// gateway stores it with the account.
	ID string
	// Pending: the carrier took the order but has not finished it (a
	// Telnyx number order still "pending"); texts reach the number once
	// it has. The number is the account's either way, and is released
	// the same way.
	Pending bool
}

// CheckNumber returns an *Error (ErrRejected) unless number has the shape
// of E.164 (+ and 8 to 15 digits, no leading 0); adapters call it before
// a number reaches a request.
func CheckNumber(number string) error {
	d, ok := strings.CutPrefix(number, "+")
	if !ok || len(d) < 8 || len(d) > 15 || d[0] == '0' || !only(d, '0', '9') {
		return &Error{Kind: ErrRejected, Message: "not a number in international form (+15551234567)"}
	}
	return nil
}
