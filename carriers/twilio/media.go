package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// Errors of AuthorizeMedia and DeleteMedia, for URLs the adapter will not
// hand the account's credentials to or act on.
var (
	// errForeignMediaHost: the URL is not on the configured API (scheme,
	// host and port), so it gets no credentials.
	errForeignMediaHost = errors.New("twilio: media url is not on the twilio api")
	// errNotMediaURL: not the path of a Media resource.
	errNotMediaURL = errors.New("twilio: not a twilio media url")
	// errForeignAccount: a Media resource of another account.
	errForeignAccount = errors.New("twilio: media of another account")
)

// AuthorizeMedia implements carriers.MediaAuthorizer: Twilio's inbound media
// URLs need the account's HTTP Basic credentials. They are added only when
// req goes to the configured API (https://api.twilio.com by default), so a
// MediaUrl pointing elsewhere never receives them. Twilio answers with a
// redirect to short-lived storage; Go's http.Client drops Authorization on
// a redirect to another host, and that request needs no credentials.
func (c *Carrier) AuthorizeMedia(req *http.Request) error {
	if req == nil || req.URL == nil || !c.onAPI(req.URL) {
		return errForeignMediaHost
	}
	req.SetBasicAuth(c.set.AccountSID, c.set.AuthToken)
	return nil
}

// DeleteMedia implements carriers.MediaRemover: it deletes an inbound media
// item at Twilio once the gateway has its own copy. rawURL must be a Media
// resource of this account on the configured API, as inbound MediaUrlN
// gives it:
// {api}/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}.
// An item already gone (404) counts as deleted.
func (c *Carrier) DeleteMedia(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return errNotMediaURL
	}
	if !c.onAPI(u) {
		return errForeignMediaHost
	}
	ref, ok := c.d.mediaPath(u)
	if !ok {
		return errNotMediaURL
	}
	if ref.account != c.set.AccountSID {
		return errForeignAccount
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	p := &openapi.DeleteMediaParams{}
	p.SetPathAccountSid(ref.account)
	if err := api.DeleteMedia(ref.message, ref.media, p); err != nil {
		if rt.status == http.StatusNotFound {
			return nil
		}
		return rt.classify(err)
	}
	return nil
}

// onAPI reports whether u is on the configured API (api.On).
func (c *Carrier) onAPI(u *url.URL) bool { return api.On(u, c.api) }

// mediaRef names one Media resource.
type mediaRef struct{ account, message, media string }

// mediaPath reads u's path as a Media resource,
// {Prefix}/2010-04-01/Accounts/AC…/Messages/(SM|MM)…/Media/ME…, with every
// id in the shape the dialect gives it (Twilio's API definition's, or
// SignalWire's UUIDs) and nothing else in the URL (no query, no fragment,
// no escapes).
func (d Dialect) mediaPath(u *url.URL) (mediaRef, bool) {
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return mediaRef{}, false
	}
	p, ok := strings.CutPrefix(u.EscapedPath(), d.Prefix)
	if !ok {
		return mediaRef{}, false
	}
	s := strings.Split(p, "/")
	if len(s) != 8 || s[0] != "" || s[1] != "2010-04-01" || s[2] != "Accounts" || s[4] != "Messages" || s[6] != "Media" {
		return mediaRef{}, false
	}
	ref := mediaRef{account: s[3], message: s[5], media: s[7]}
	if !d.accountID(ref.account) || !d.messageID(ref.message) || !d.mediaID(ref.media) {
		return mediaRef{}, false
	}
	return ref, true
}
