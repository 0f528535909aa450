package app

import (
	"fmt"

	"github.com/switchboard-gw/switchboard/internal/mms"
)

// newMMS opens the store of [mms] and the rehoster that fills it. A
// directory that cannot be made is an error here, at start, rather than
// at the first picture.
func (g *Gateway) newMMS() error {
	cfg := &g.cfg.MMS
	st, err := cfg.Open(g.store.Client(), g.store.Prefix(), g.log)
	if err != nil {
		return fmt.Errorf("app: mms.dir: %w", err)
	}
	g.media = st
	g.fetch = mms.NewFetcher(cfg.FetchSettings())
	g.mms, err = mms.NewRehoster(mms.RehostSettings{
		Store:     st,
		Fetch:     g.fetch,
		PublicURL: g.cfg.HTTP.PublicURL,
		TTL:       cfg.Retention,
		Logger:    g.log,
	})
	if err != nil {
		return fmt.Errorf("app: mms: %w", err)
	}
	return nil
}

// Rehoster copies carriers' inbound media into the gateway's store
// (mms.Rehoster.RehostAll), so that users get the gateway's URLs.
func (g *Gateway) Rehoster() *mms.Rehoster { return g.mms }

// Fetcher fetches URLs users supply (uploads to check or hand to
// carriers) without reaching internal addresses, within [mms] max_bytes
// and fetch_timeout.
func (g *Gateway) Fetcher() *mms.Fetcher { return g.fetch }
