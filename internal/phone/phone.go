// Package phone normalises telephone numbers to E.164, the form a number JID's
// localpart takes (+15551234567@sms.example.org).
//
// The gateway accepts every number that is *possible* for its country (right
// length, known country code) rather than only *valid* ones: the metadata that
// decides validity lags behind newly allocated ranges, and the carrier is the
// final judge of whether a number can be reached.
package phone

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Sentinel errors, wrapped with the offending input by Normalize.
var (
	ErrEmpty       = errors.New("phone: empty number")
	ErrMalformed   = errors.New("phone: not a phone number")
	ErrCountryCode = errors.New("phone: unknown country code")
	ErrTooShort    = errors.New("phone: too short")
	ErrTooLong     = errors.New("phone: too long")
	ErrImpossible  = errors.New("phone: not a possible number")
	ErrNoRegion    = errors.New("phone: national number needs a country code (+...)")
)

// maxInput bounds the work done on hostile input; real numbers are far shorter.
const maxInput = 64

// Normalize returns s in E.164 form ("+12015550123"). A number written without
// a leading "+" is read as a national number of region (an ISO 3166 code such
// as "US"); with an empty region such a number is refused.
func Normalize(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrEmpty
	}
	if len(s) > maxInput {
		return "", fmt.Errorf("%w: %d characters", ErrTooLong, len(s))
	}
	if !strings.ContainsAny(s, "0123456789") {
		return "", fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	if !strings.HasPrefix(s, "+") && region == "" {
		return "", fmt.Errorf("%w: %q", ErrNoRegion, s)
	}
	if region == "" {
		region = "ZZ"
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return "", fmt.Errorf("%w: %q", ErrCountryCode, s)
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return "", fmt.Errorf("%w: %q", ErrTooShort, s)
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return "", fmt.Errorf("%w: %q", ErrTooLong, s)
		default:
			return "", fmt.Errorf("%w: %q", ErrMalformed, s)
		}
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", fmt.Errorf("%w: %q", ErrCountryCode, s)
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", fmt.Errorf("%w: %q", ErrTooShort, s)
	case phonenumbers.TOO_LONG:
		return "", fmt.Errorf("%w: %q", ErrTooLong, s)
	default:
		return "", fmt.Errorf("%w: %q", ErrImpossible, s)
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	// Degenerate national numbers (leading zeros that some regions strip)
	// can format to an E.164 string that reads back as another number;
	// only fixed points are usable as JIDs and bindings.
	back, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil || phonenumbers.Format(back, phonenumbers.E164) != e164 || !phonenumbers.IsPossibleNumber(back) {
		return "", fmt.Errorf("%w: %q", ErrImpossible, s)
	}
	return e164, nil
}

// Display writes an E.164 number the way people read it, in the
// international format ("+1 201-555-0123"); anything else comes back as it
// is.
func Display(e164 string) string {
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// IsE164 reports whether s is already in canonical E.164 form.
func IsE164(s string) bool {
	n, err := Normalize(s, "")
	return err == nil && n == s
}

// Redactor returns the one function every log line passes phone numbers
// through: whole when full is set ([log] full_numbers), otherwise Redact.
func Redactor(full bool) func(string) string {
	if full {
		return func(s string) string { return s }
	}
	return Redact
}

// Redact shortens a number for logs: enough to tell numbers apart when
// debugging, not enough to identify the person ("+1201…23"). In a SIP URI
// (a call forwarding target, a caller) it shortens a numeric user part
// and keeps the rest ("sip:+1555…67@pbx.example.org"). What does not look
// like a number (a SIP user "alice", a sender name) is left as it is.
func Redact(s string) string {
	for _, scheme := range []string{"sip:", "sips:"} {
		if rest, ok := strings.CutPrefix(s, scheme); ok {
			user, host, found := strings.Cut(rest, "@")
			user = Redact(user)
			if !found {
				return scheme + user
			}
			return scheme + user + "@" + host
		}
	}
	if s == "" || s[0] != '+' && (s[0] < '0' || s[0] > '9') {
		return s
	}
	if len(s) <= 6 {
		return "…"
	}
	return s[:5] + "…" + s[len(s)-2:]
}
