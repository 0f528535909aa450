package twilio

import "github.com/switchboard-gw/switchboard/carriers/internal/api"

// Dialect is what a Twilio-compatible API (SignalWire's LaML API) does
// differently from Twilio itself; everything else (the 2010-04-01 Messages
// resource, its form fields, statuses, error codes and the HMAC-SHA1
// webhook signature) is shared, so one adapter serves both.
type Dialect struct {
	// Name is the adapter's configuration name, Carrier.Name, and the
	// webhook mount: /{Name}/sms and /{Name}/status.
	Name string
	// Title names the carrier in the text users read ("Twilio").
	Title string
	// APIURL is the default API base, scheme://host[:port].
	APIURL string
	// Prefix goes before /2010-04-01/ in every API path ("/api/laml");
	// empty for Twilio. A dialect with a prefix is called through the
	// adapter's own SDK client (lamlClient), which also takes account ids
	// twilio-go's client refuses.
	Prefix string
	// SignatureHeader carries the webhook signature.
	SignatureHeader string
	// MaxMediaBytes bounds the body and all media of one MMS.
	MaxMediaBytes int64
	// UUIDs: the account, message and media ids are UUIDs (SignalWire)
	// rather than Twilio's two-letter-prefixed SIDs. Message ids of
	// Twilio's shape are accepted as well.
	UUIDs bool
}

// twilioDialect is Twilio itself, the default.
func twilioDialect() Dialect {
	return Dialect{
		Name:            Name,
		Title:           "Twilio",
		APIURL:          defaultAPIURL,
		SignatureHeader: "X-Twilio-Signature",
		MaxMediaBytes:   MaxMediaBytes,
	}
}

// messageID reports whether s has the shape of the dialect's message ids.
// The webhook signature joins keys and values without separators, so only
// a fixed shape tells where the id ends (see verified).
func (d Dialect) messageID(s string) bool {
	return messageSID(s) || d.UUIDs && api.IsUUID(s)
}

// accountID reports whether s has the shape of the dialect's account ids.
func (d Dialect) accountID(s string) bool {
	if d.UUIDs {
		return api.IsUUID(s)
	}
	return isSID(s, "AC")
}

// mediaID reports whether s has the shape of the dialect's media ids.
func (d Dialect) mediaID(s string) bool {
	if d.UUIDs {
		return api.IsUUID(s)
	}
	return isSID(s, "ME")
}

// numberID reports whether s has the shape of the dialect's
// IncomingPhoneNumber ids: PN… for Twilio, a UUID for SignalWire (which
// may give Twilio's shape too, as for message ids).
func (d Dialect) numberID(s string) bool {
	return isSID(s, "PN") || d.UUIDs && api.IsUUID(s)
}
