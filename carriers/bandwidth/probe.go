package bandwidth

import (
	"context"
	"net/http"

	"github.com/switchboard-gw/switchboard/carriers"
)

var _ carriers.Prober = (*Carrier)(nil)

// Probe lists the account's media (GET /users/{accountId}/media): a read
// that proves the account id and the API user's credentials, changing
// nothing.
func (c *Carrier) Probe(ctx context.Context) error {
	u := c.api.JoinPath("api/v2/users", c.set.AccountID, "media")
	return c.call(ctx, http.MethodGet, u.String(), nil, nil, http.StatusOK)
}
