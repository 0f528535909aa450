package bandwidth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// Errors of AuthorizeMedia and DeleteMedia, for URLs the adapter will not
// hand the account's credentials to or act on.
var (
	// errForeignMediaHost: the URL is not on the configured API (scheme,
	// host and port), so it gets no credentials.
	errForeignMediaHost = errors.New("bandwidth: media url is not on the bandwidth api")
	// errNotMediaURL: not a media item of this account.
	errNotMediaURL = errors.New("bandwidth: not a media url of this account")
)

// AuthorizeMedia implements carriers.MediaAuthorizer: Bandwidth's inbound
// media URLs ({api}/api/v2/users/{accountId}/media/...) need the API
// credentials. They are added only to a media URL of this account on the
// configured API, so a media URL pointing elsewhere never receives them.
func (c *Carrier) AuthorizeMedia(req *http.Request) error {
	if req == nil || req.URL == nil {
		return errForeignMediaHost
	}
	if err := c.ownMedia(req.URL); err != nil {
		return err
	}
	req.SetBasicAuth(c.set.Username, c.set.Password)
	return nil
}

// DeleteMedia implements carriers.MediaRemover: it deletes an inbound media
// item at Bandwidth (the definition's deleteMedia, DELETE
// /users/{accountId}/media/{mediaId}) once the gateway has its own copy.
// Inbound media ids hold slashes ({messageId}/{n}/{name}), so the URL is
// used as the callback gave it. An item already gone (404) counts as
// deleted.
func (c *Carrier) DeleteMedia(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return errNotMediaURL
	}
	if err := c.ownMedia(u); err != nil {
		return err
	}
	return c.call(ctx, http.MethodDelete, u.String(), nil, nil, http.StatusNoContent, http.StatusOK, http.StatusNotFound)
}

// ownMedia checks that u is a media item of this account on the configured
// API: same scheme, host and port (an absent port is the scheme's
// default), no user info, query or fragment, and the path
// /api/v2/users/{accountId}/media/ followed by a clean media id.
func (c *Carrier) ownMedia(u *url.URL) error {
	if !api.On(u, c.api) {
		return errForeignMediaHost
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return errNotMediaURL
	}
	prefix := "/api/v2/users/" + url.PathEscape(c.set.AccountID) + "/media/"
	id, ok := strings.CutPrefix(u.EscapedPath(), prefix)
	if !ok || id == "" {
		return errNotMediaURL
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return errNotMediaURL
		}
	}
	return nil
}
