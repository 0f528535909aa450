package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// ErrNoProbe: the adapter has no harmless read to check its credentials by.
var ErrNoProbe = errors.New("app: this carrier cannot check its credentials")

// Probe is one carrier's answer to ProbeCarriers.
type Probe struct {
	Carrier string
	Err     error // nil: the credentials work
}

// ProbeCarriers opens each configured carrier and checks its credentials
// with a harmless read (carriers.Prober), for `switchboard carriers
// probe`. It sends no message and needs no Redis or XMPP server.
func ProbeCarriers(ctx context.Context, cfg *Config, log *slog.Logger) []Probe {
	var out []Probe
	for _, s := range cfg.Carriers.enabled() {
		p := Probe{Carrier: s.name}
		c, err := s.Open(carriers.Env{PublicURL: cfg.HTTP.PublicURL, Logger: log})
		switch {
		case err != nil:
			p.Err = err
		default:
			if pr, ok := c.(carriers.Prober); ok {
				pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				p.Err = pr.Probe(pctx)
				cancel()
			} else {
				p.Err = ErrNoProbe
			}
			if cl, ok := c.(io.Closer); ok {
				_ = cl.Close()
			}
		}
		out = append(out, p)
	}
	return out
}
