package telnyx

import (
	"context"
	"net/http"

	"github.com/switchboard-gw/switchboard/carriers"
)

var _ carriers.Prober = (*Carrier)(nil)

// Probe reads the messaging profile (GET /v2/messaging_profiles/{id}): it
// proves the API key and the profile id, changing nothing.
func (c *Carrier) Probe(ctx context.Context) error {
	// The id is a UUID (Check), safe in a path as it is.
	return c.call(ctx, http.MethodGet, "/v2/messaging_profiles/"+c.set.MessagingProfileID, nil, nil)
}
