package mms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// DefaultRetention is how long re-hosted files are kept by default.
const DefaultRetention = 72 * time.Hour

// RehostSettings configure a Rehoster. Zero values take the defaults
// noted.
type RehostSettings struct {
	Store Store
	Fetch *Fetcher // default NewFetcher(FetchSettings{})
	// PublicURL is the gateway's base URL, without a trailing slash; files
	// are at PublicURL/media/<id>/<name>.
	PublicURL string
	TTL       time.Duration // how long files are kept; default 72h
	Logger    *slog.Logger
}

// Rehoster copies carriers' inbound media into a Store, so that users get
// the gateway's URLs instead of the carrier's, which need its credentials
// and outlive the need.
type Rehoster struct {
	set RehostSettings
}

// NewRehoster makes a Rehoster.
func NewRehoster(s RehostSettings) (*Rehoster, error) {
	if s.Store == nil || s.PublicURL == "" {
		return nil, errors.New("mms: a rehoster needs a store and the public URL")
	}
	if s.Fetch == nil {
		s.Fetch = NewFetcher(FetchSettings{})
	}
	if s.TTL <= 0 {
		s.TTL = DefaultRetention
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return &Rehoster{set: s}, nil
}

// Rehost fetches m (with credentials from auth, which may be nil), keeps
// it for the TTL and returns the media at its new URL. The type is the
// response's, else the webhook's, else application/octet-stream; the file
// name's extension follows from it.
func (r *Rehoster) Rehost(ctx context.Context, m carriers.Media, auth carriers.MediaAuthorizer) (carriers.Media, error) {
	nm, _, err := r.rehost(ctx, m, auth)
	return nm, err
}

// rehost is Rehost, returning the new file's id too.
func (r *Rehoster) rehost(ctx context.Context, m carriers.Media, auth carriers.MediaAuthorizer) (carriers.Media, string, error) {
	var authorize func(*http.Request) error
	if auth != nil {
		authorize = auth.AuthorizeMedia
	}
	d, err := r.set.Fetch.Get(ctx, m.URL, authorize)
	if err != nil {
		// The fetcher's errors name no URL path; an authorizer's may.
		return carriers.Media{}, "", redactErr(err, m.URL)
	}
	typ := d.Type
	if typ == "" || typ == "application/octet-stream" {
		if t := normalType(m.Type); t != "" {
			typ = t
		}
	}
	if typ == "" {
		typ = "application/octet-stream"
	}
	it := Item{Type: typ, Name: fileName(typ)}
	id, err := r.set.Store.Put(ctx, it, d.Data, r.set.TTL)
	if err != nil {
		return carriers.Media{}, "", err
	}
	return carriers.Media{URL: r.set.PublicURL + pathPrefix + id + "/" + it.Name, Type: typ}, id, nil
}

// RehostAll re-hosts every item of a message received through c, all or
// nothing: on an error, the copies already made are deleted and the
// carrier's items are left where they are, so that a retried webhook can
// start over. Once all are copied, it deletes the carrier's items when c
// is a carriers.MediaRemover; a failed deletion is logged, not returned.
// It returns the media with the gateway's URLs, in order.
func (r *Rehoster) RehostAll(ctx context.Context, c carriers.Carrier, media []carriers.Media) ([]carriers.Media, error) {
	if len(media) == 0 {
		return nil, nil
	}
	auth, _ := c.(carriers.MediaAuthorizer)
	out := make([]carriers.Media, 0, len(media))
	ids := make([]string, 0, len(media))
	for i, m := range media {
		nm, id, err := r.rehost(ctx, m, auth)
		if err != nil {
			r.undo(ctx, ids)
			return nil, fmt.Errorf("mms: media %d of %d: %w", i+1, len(media), err)
		}
		out, ids = append(out, nm), append(ids, id)
	}
	if rm, ok := c.(carriers.MediaRemover); ok {
		for _, m := range media {
			if err := rm.DeleteMedia(ctx, m.URL); err != nil {
				// Adapters' errors may quote the URL (an HTTP client's do).
				r.set.Logger.Warn("mms: cannot delete the carrier's copy of re-hosted media", "carrier", c.Name(), "url", redactURL(m.URL), "err", scrubURL(err, m.URL))
			}
		}
	}
	r.set.Logger.Info("mms: media re-hosted", "carrier", c.Name(), "items", len(out))
	return out, nil
}

// undo deletes copies made for a message that failed, even when it
// failed because ctx ended.
func (r *Rehoster) undo(ctx context.Context, ids []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, id := range ids {
		if err := r.set.Store.Delete(ctx, id); err != nil {
			r.set.Logger.Warn("mms: cannot delete a copy of a message that failed", "err", err)
		}
	}
}
