// Package signalwire is the SignalWire carrier adapter: SignalWire's
// Twilio-compatible LaML API, spoken by the Twilio adapter in SignalWire's
// dialect (path prefix, signature header, UUID ids, limits).
package signalwire

import (
	"log/slog"
	"time"

	"github.com/switchboard-gw/switchboard/carriers/twilio"
)

// Name is the adapter's configuration name and webhook path prefix.
const Name = "signalwire"

// MaxMediaBytes bounds one MMS: SignalWire delivers about 1.2 MB on local
// numbers (750 KB toll-free, where it advises 500 KB).
const MaxMediaBytes = 1200 * 1000

// Settings configures the adapter.
type Settings struct {
	// SpaceURL is the space's API, https://{space}.signalwire.com
	// (scheme, host and port; tests give a local server).
	SpaceURL  string
	ProjectID string // a UUID
	APIToken  string
	// PublicURL is the gateway's address as SignalWire calls it, without
	// a trailing slash; webhook signatures are checked against it.
	PublicURL string
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration
	// PerNumberRate is the sends per second one sending number may make;
	// default 1.
	PerNumberRate float64
	Logger        *slog.Logger
}

// Dialect is SignalWire's LaML API as the Twilio adapter speaks it.
func Dialect() twilio.Dialect {
	return twilio.Dialect{
		Name:            Name,
		Title:           "SignalWire",
		Prefix:          "/api/laml",
		SignatureHeader: "X-SignalWire-Signature",
		MaxMediaBytes:   MaxMediaBytes,
		UUIDs:           true,
	}
}

// New returns the adapter: the Twilio adapter in SignalWire's dialect.
func New(set Settings) (*twilio.Carrier, error) {
	return twilio.New(twilio.Settings{
		AccountSID:    set.ProjectID,
		AuthToken:     set.APIToken,
		APIURL:        set.SpaceURL,
		PublicURL:     set.PublicURL,
		Timeout:       set.Timeout,
		PerNumberRate: set.PerNumberRate,
		Logger:        set.Logger,
		Dialect:       Dialect(),
	})
}
