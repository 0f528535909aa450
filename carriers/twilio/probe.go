package twilio

import (
	"context"

	"github.com/switchboard-gw/switchboard/carriers"
)

var _ carriers.Prober = (*Carrier)(nil)

// Probe fetches the account (GET /2010-04-01/Accounts/{Sid}.json): it
// proves the SID and token work and reads nothing else.
func (c *Carrier) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	if _, err := api.FetchAccount(c.set.AccountSID); err != nil {
		return rt.classify(err)
	}
	return nil
}
