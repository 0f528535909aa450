package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Errors of SearchNumbers for a carrier it cannot search.
var (
	// ErrNoNumberStore: the adapter cannot search for numbers
	// (carriers.NumberStore).
	ErrNoNumberStore = errors.New("app: this carrier cannot search for numbers")
	// ErrWhichCarrier: several carriers are configured and none, or one
	// that is not, was named.
	ErrWhichCarrier = errors.New("app: name a configured carrier")
)

// SearchNumbers opens the configured carrier name (the only one when name
// is empty) and lists the numbers it offers for q, for `switchboard
// numbers search`. It buys nothing and needs no Redis or XMPP server.
func SearchNumbers(ctx context.Context, cfg *Config, name string, q carriers.NumberQuery, log *slog.Logger) (string, []carriers.AvailableNumber, error) {
	var pick *carrierSection
	enabled := cfg.Carriers.enabled()
	for i, s := range enabled {
		if s.name == name || name == "" && len(enabled) == 1 {
			pick = &enabled[i]
		}
	}
	if pick == nil {
		return "", nil, fmt.Errorf("%w (%v)", ErrWhichCarrier, cfg.CarrierNames())
	}
	c, err := pick.Open(carriers.Env{PublicURL: cfg.HTTP.PublicURL, Logger: log})
	if err != nil {
		return pick.name, nil, err
	}
	if cl, ok := c.(io.Closer); ok {
		defer cl.Close()
	}
	ns, ok := c.(carriers.NumberStore)
	if !ok {
		return pick.name, nil, ErrNoNumberStore
	}
	found, err := ns.SearchNumbers(ctx, q)
	return pick.name, found, err
}
