// Package twilio is the Twilio carrier adapter: it sends SMS and MMS through
// Twilio's REST API (twilio-go) and receives inbound messages and delivery
// reports through signed webhooks.
package twilio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	tclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// errBadAPIURL: the API base must be scheme://host[:port].
var errBadAPIURL = errors.New("twilio: bad api url")

// Name is the adapter's configuration name and webhook path prefix.
const Name = "twilio"

// Twilio's limits on one message (https://www.twilio.com/docs/messaging/guides/accepted-mime-types).
const (
	MaxBody       = 1600            // body characters
	MaxMedia      = 10              // media items in one MMS
	MaxMediaBytes = 5 * 1000 * 1000 // all media of one MMS with its body: 5 MB
)

// Settings configures the adapter.
type Settings struct {
	AccountSID string
	AuthToken  string
	// APIURL replaces https://api.twilio.com (scheme, host and port), for
	// Twilio-compatible APIs and tests.
	APIURL string
	// PublicURL is the gateway's address as Twilio calls it, without a
	// trailing slash; webhook signatures are checked against it.
	PublicURL string
	// Timeout bounds every API call (the SDK takes no context); default 15s.
	Timeout time.Duration
	// PerNumberRate is the sends per second one sending number may make
	// (Limits.PerNumber); default 1, a US long code's rate.
	PerNumberRate float64
	// TrunkSID, when set, is the Elastic SIP Trunk BuyNumber puts numbers
	// on (the number's TrunkSid), so their calls reach the gateway.
	TrunkSID string
	// Transport is the HTTP transport under the SDK; default
	// api.Transport().
	Transport http.RoundTripper
	Logger    *slog.Logger
	// Dialect is the Twilio-compatible API spoken; the zero value is
	// Twilio itself.
	Dialect Dialect
}

// Carrier is the Twilio adapter.
type Carrier struct {
	set      Settings
	d        Dialect // set.Dialect, or Twilio's
	api      *url.URL
	status   string       // StatusCallback URL
	messages string       // the Messages resource's URL
	http     *http.Client // for Send
}

var (
	_ carriers.Carrier         = (*Carrier)(nil)
	_ carriers.Webhooks        = (*Carrier)(nil)
	_ carriers.MediaAuthorizer = (*Carrier)(nil)
	_ carriers.MediaRemover    = (*Carrier)(nil)
)

// New checks set and returns the adapter.
func New(set Settings) (*Carrier, error) {
	d := set.Dialect
	if d.Name == "" {
		d = twilioDialect()
	}
	if set.APIURL == "" {
		set.APIURL = d.APIURL
	}
	base, ok := api.Base(set.APIURL)
	if !ok {
		return nil, fmt.Errorf("%w %q", errBadAPIURL, set.APIURL)
	}
	if set.Timeout <= 0 {
		set.Timeout = defaultTimeout
	}
	if !(set.PerNumberRate > 0) {
		set.PerNumberRate = defaultPerNumberRate
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Transport == nil {
		set.Transport = api.Transport()
	}
	return &Carrier{
		set: set, d: d, api: base,
		status:   set.PublicURL + "/" + d.Name + "/status",
		messages: base.String() + d.Prefix + "/2010-04-01/Accounts/" + url.PathEscape(set.AccountSID) + "/Messages.json",
		// No Timeout: the context of each call bounds it.
		http: &http.Client{Transport: set.Transport},
	}, nil
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return c.d.Name }

// Limits implements carriers.Carrier. Twilio's Messaging API sends to one
// number per message (no group MMS) and reports delivery. Delivery holds
// for SignalWire too: its SMS are reported delivered; its MMS stop at
// sent, which never turns into a receipt, so none is ever false.
func (c *Carrier) Limits() carriers.Limits {
	return carriers.Limits{
		MaxBodyChars:  MaxBody,
		MaxMedia:      MaxMedia,
		MaxMediaBytes: c.d.MaxMediaBytes,
		MediaTypes:    MediaTypes(),
		MaxRecipients: 1,
		Delivery:      true,
		PerNumber:     c.set.PerNumberRate,
	}
}

// MediaTypes lists the content types Twilio accepts in an MMS. Twilio
// formats JPEG, GIF and PNG for the receiving phone; it passes the others
// on as they are (https://www.twilio.com/docs/messaging/guides/accepted-mime-types).
// image/webp is left out: Twilio takes it for WhatsApp stickers only.
func MediaTypes() []string {
	return []string{
		"image/jpeg", "image/jpg", "image/gif", "image/png",
		"image/bmp", "image/tiff", "image/heic", "image/heif",
		"audio/*", "video/*",
		"text/vcard", "text/x-vcard", "text/csv", "text/rtf", "text/richtext", "text/calendar", "text/directory",
		"application/pdf", "application/vcard", "application/vnd.apple.pkpass",
	}
}

// service returns the SDK's API for one call bounded by ctx. The SDK takes
// no context, so a client per call carries ctx down to the HTTP request;
// its transport also keeps what the SDK's errors drop (the HTTP status and
// Retry-After).
func (c *Carrier) service(ctx context.Context) (*openapi.ApiService, *rewrite) {
	rt := &rewrite{ctx: ctx, api: c.api, next: c.set.Transport, title: c.d.Title}
	// No http.Client.Timeout: the context bounds the call, and cancelling
	// it on return also frees error bodies the SDK never closes.
	hc := &http.Client{Transport: rt}
	if c.d.Prefix != "" {
		return openapi.NewApiServiceWithClient(&lamlClient{
			account: c.set.AccountSID, token: c.set.AuthToken, api: c.api, prefix: c.d.Prefix, http: hc,
		}), rt
	}
	cl := &tclient.Client{
		Credentials: tclient.NewCredentials(c.set.AccountSID, c.set.AuthToken),
		HTTPClient:  hc,
	}
	cl.SetAccountSid(c.set.AccountSID)
	return openapi.NewApiServiceWithClient(cl), rt
}

// classify maps an SDK error to the gateway's error kinds: Twilio's 4xx
// answers (bad number, opted-out recipient) are final, the rest may pass.
// A 429's Retry-After, which the SDK's error does not carry, comes from the
// transport.
func (r *rewrite) classify(err error) error {
	var e *carriers.Error
	var rest *tclient.TwilioRestError
	var v1 *tclient.RestErrorV1
	switch {
	case errors.As(err, &rest):
		e = apiError(cmp.Or(rest.Status, r.status), rest.Code, rest.Message)
	case errors.As(err, &v1):
		e = apiError(cmp.Or(v1.HttpStatusCode, r.status), v1.Code, v1.Message)
	default:
		e = &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to " + r.title + " failed: " + api.Scrub(err)}
	}
	if r.status == http.StatusTooManyRequests {
		e.RetryAfter = api.RetryAfter(r.retryAfter, time.Now())
	}
	return e
}

// apiError is Twilio's error answer in the gateway's terms, with the shared
// reason for its code.
func apiError(status, code int, msg string) *carriers.Error {
	e := &carriers.Error{Kind: carriers.ErrUnavailable, Message: msg}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		e.Kind = carriers.ErrRejected
	}
	if code != 0 {
		e.Code = strconv.Itoa(code)
		e.Reason = reasonFor(e.Code)
	}
	return e
}

// rewrite points the SDK's hard-coded https://api.twilio.com at the
// configured API, attaches the call's context, and keeps the last answer's
// status and Retry-After. One serves one call: http.Client runs RoundTrip
// on the caller's goroutine, so the fields are read after the call returns
// without a lock.
type rewrite struct {
	ctx   context.Context
	api   *url.URL
	next  http.RoundTripper
	title string // the carrier, for error text

	status     int
	retryAfter string
}

func (r *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(r.ctx)
	req.URL.Scheme = r.api.Scheme
	req.URL.Host = r.api.Host
	req.Host = r.api.Host
	res, err := r.next.RoundTrip(req)
	if res != nil {
		r.status, r.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
	}
	return res, err
}
