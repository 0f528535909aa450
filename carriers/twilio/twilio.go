// Package twilio is the Twilio carrier adapter: it sends SMS and MMS through
// Twilio's REST API (twilio-go) and receives inbound messages and delivery
// reports through signed webhooks.
package twilio

import (
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
)

// errBadAPIURL: the API base must be scheme://host[:port].
var errBadAPIURL = errors.New("twilio: bad api url")

// Name is the adapter's configuration name and webhook path prefix.
const Name = "twilio"

// MaxBody is Twilio's limit on one message body, in characters.
const MaxBody = 1600

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
	// Transport is the HTTP transport under the SDK; default a clone of
	// http.DefaultTransport that keeps more connections open.
	Transport http.RoundTripper
	Logger    *slog.Logger
}

// Carrier is the Twilio adapter.
type Carrier struct {
	set    Settings
	api    *url.URL
	status string // StatusCallback URL
}

var _ carriers.Carrier = (*Carrier)(nil)
var _ carriers.Webhooks = (*Carrier)(nil)

// New checks set and returns the adapter.
func New(set Settings) (*Carrier, error) {
	if set.APIURL == "" {
		set.APIURL = defaultAPIURL
	}
	api, err := apiURL(set.APIURL)
	if err != nil {
		return nil, fmt.Errorf("%w %q", err, set.APIURL)
	}
	if set.Timeout <= 0 {
		set.Timeout = defaultTimeout
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Transport == nil {
		// Keep connections to the API open between messages: the default
		// keeps two per host, which turns a busy gateway's every send into
		// a new TCP and TLS handshake.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 128
		set.Transport = t
	}
	return &Carrier{set: set, api: api, status: set.PublicURL + "/twilio/status"}, nil
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return Name }

// Limits implements carriers.Carrier.
func (c *Carrier) Limits() carriers.Limits { return carriers.Limits{MaxBodyChars: MaxBody} }

// Send submits m through the Messages API with a StatusCallback, so that
// delivery reports come back to /twilio/status.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	// The SDK takes no context; a client per call carries this one down to
	// the HTTP request.
	cl := &tclient.Client{
		Credentials: tclient.NewCredentials(c.set.AccountSID, c.set.AuthToken),
		// No http.Client.Timeout: the context bounds the call, and cancelling
		// it on return also frees error bodies the SDK never closes.
		HTTPClient: &http.Client{Transport: &rewrite{ctx: ctx, api: c.api, next: c.set.Transport}},
	}
	cl.SetAccountSid(c.set.AccountSID)
	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To).SetFrom(m.From).SetStatusCallback(c.status)
	if m.Body != "" {
		p.SetBody(m.Body)
	}
	if len(m.Media) > 0 {
		urls := make([]string, len(m.Media))
		for i, md := range m.Media {
			urls[i] = md.URL
		}
		p.SetMediaUrl(urls)
	}
	res, err := openapi.NewApiServiceWithClient(cl).CreateMessage(p)
	if err != nil {
		return "", classify(err)
	}
	if res.Sid == nil || *res.Sid == "" {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Twilio answered without a message SID"}
	}
	return *res.Sid, nil
}

// classify maps an SDK error to the gateway's error kinds: Twilio's 4xx
// answers (bad number, opted-out recipient) are final, the rest may pass.
func classify(err error) error {
	var rest *tclient.TwilioRestError
	if errors.As(err, &rest) {
		return apiError(rest.Status, rest.Code, rest.Message)
	}
	var v1 *tclient.RestErrorV1
	if errors.As(err, &v1) {
		return apiError(v1.HttpStatusCode, v1.Code, v1.Message)
	}
	return &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to Twilio failed: " + scrub(err)}
}

func apiError(status, code int, msg string) error {
	kind := carriers.ErrUnavailable
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		kind = carriers.ErrRejected
	}
	e := &carriers.Error{Kind: kind, Message: msg}
	if code != 0 {
		e.Code = strconv.Itoa(code)
	}
	return e
}

// scrub keeps URLs (which may carry the account SID) out of user-facing
// text: a transport error's last part is enough.
func scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// rewrite points the SDK's hard-coded https://api.twilio.com at the
// configured API and attaches the call's context.
type rewrite struct {
	ctx  context.Context
	api  *url.URL
	next http.RoundTripper
}

func (r *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(r.ctx)
	req.URL.Scheme = r.api.Scheme
	req.URL.Host = r.api.Host
	req.Host = r.api.Host
	return r.next.RoundTrip(req)
}
