// Package telnyx is the Telnyx carrier adapter: it sends SMS, MMS and group
// MMS through Telnyx's Messaging API v2 (plain HTTP, JSON) and receives
// inbound messages and delivery reports through Ed25519-signed webhooks.
package telnyx

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// Errors of New and Open for settings the adapter cannot use.
var (
	// errBadAPIURL: the API base must be scheme://host[:port].
	errBadAPIURL = errors.New("telnyx: bad api url")
	// errBadPublicKey: not a base64 Ed25519 public key.
	errBadPublicKey = errors.New("telnyx: bad public key")
)

// Name is the adapter's configuration name and webhook path prefix.
const Name = "telnyx"

// Telnyx's limits on one message (the Messaging API's MessageSendParams and
// MessageSendGroupMmsParams in the official SDK, and its MMS guide).
const (
	MaxBody       = 1600        // body characters: a conservative bound (about ten parts), as for Twilio
	MaxMedia      = 10          // media URLs in one MMS
	MaxMediaBytes = 1000 * 1000 // "the total media size must be less than 1 MB"
	MaxRecipients = 8           // group MMS: "no more than 8 destinations"
)

// maxAnswer bounds what the adapter reads of an API answer.
const maxAnswer = 1 << 20

// Settings configures the adapter.
type Settings struct {
	APIKey             string
	MessagingProfileID string
	// PublicKey checks webhook signatures.
	PublicKey ed25519.PublicKey
	// APIURL replaces https://api.telnyx.com (scheme, host and port), for
	// tests.
	APIURL string
	// PublicURL is the gateway's address as Telnyx calls it, without a
	// trailing slash; each message names {PublicURL}/telnyx/webhook as its
	// webhook_url. Empty: the messaging profile's webhook URL is used.
	PublicURL string
	// Tolerance is how far a webhook's timestamp may be from now; default
	// 5 minutes.
	Tolerance time.Duration
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration
	// PerNumberRate is the sends per second one sending number may make
	// (Limits.PerNumber); default 1, a US long code's rate.
	PerNumberRate float64
	// Transport carries API calls; default api.Transport().
	Transport http.RoundTripper
	// Now is the clock webhook timestamps are checked against; default
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Carrier is the Telnyx adapter.
type Carrier struct {
	set     Settings
	api     *url.URL
	client  *http.Client
	webhook string // webhook_url of every message; "" when PublicURL is unset
}

var (
	_ carriers.Carrier  = (*Carrier)(nil)
	_ carriers.Webhooks = (*Carrier)(nil)
)

// New checks set and returns the adapter.
func New(set Settings) (*Carrier, error) {
	if set.APIURL == "" {
		set.APIURL = defaultAPIURL
	}
	base, ok := api.Base(set.APIURL)
	if !ok {
		return nil, fmt.Errorf("%w %q", errBadAPIURL, set.APIURL)
	}
	if len(set.PublicKey) != ed25519.PublicKeySize {
		return nil, errBadPublicKey
	}
	if set.Tolerance <= 0 {
		set.Tolerance = defaultTolerance
	}
	if set.Timeout <= 0 {
		set.Timeout = defaultTimeout
	}
	if !(set.PerNumberRate > 0) {
		set.PerNumberRate = defaultPerNumberRate
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Transport == nil {
		set.Transport = api.Transport()
	}
	c := &Carrier{set: set, api: base, client: &http.Client{Transport: set.Transport}}
	if set.PublicURL != "" {
		c.webhook = strings.TrimRight(set.PublicURL, "/") + webhookPath
	}
	return c, nil
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return Name }

// Limits implements carriers.Carrier.
func (c *Carrier) Limits() carriers.Limits {
	return carriers.Limits{
		MaxBodyChars:  MaxBody,
		MaxMedia:      MaxMedia,
		MaxMediaBytes: MaxMediaBytes,
		MaxRecipients: MaxRecipients,
		Delivery:      true,
		PerNumber:     c.set.PerNumberRate,
	}
}

// sendRequest is the body of POST /v2/messages and, with several
// recipients, POST /v2/messages/group_mms (which takes to as a list and no
// messaging profile).
type sendRequest struct {
	From               string   `json:"from"`
	To                 any      `json:"to"` // string, or []string for group MMS
	Text               string   `json:"text,omitempty"`
	MediaURLs          []string `json:"media_urls,omitempty"`
	MessagingProfileID string   `json:"messaging_profile_id,omitempty"`
	WebhookURL         string   `json:"webhook_url,omitempty"`
}

// Send submits m: one recipient through POST /v2/messages, several (m.Cc)
// through POST /v2/messages/group_mms. Delivery reports come to the
// webhook_url named in the request (or the profile's).
//
// m.Key is not sent: Telnyx's Messaging API documents no idempotency key,
// so a send whose answer was lost may have gone out.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	body := sendRequest{From: m.From, To: m.To, Text: m.Body, WebhookURL: c.webhook}
	path := "/v2/messages"
	if len(m.Cc) > 0 {
		if len(m.Cc)+1 > MaxRecipients {
			return "", &carriers.Error{Kind: carriers.ErrRejected, Reason: carriers.ReasonTooLarge,
				Message: fmt.Sprintf("Telnyx sends group texts to at most %d numbers", MaxRecipients)}
		}
		path = "/v2/messages/group_mms"
		body.To = m.Recipients()
	} else {
		body.MessagingProfileID = c.set.MessagingProfileID
	}
	for _, md := range m.Media {
		body.MediaURLs = append(body.MediaURLs, md.URL)
	}
	var answer struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodPost, path, body, &answer); err != nil {
		return "", err
	}
	if answer.Data.ID == "" {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Telnyx answered without a message id"}
	}
	return answer.Data.ID, nil
}

// call makes one API request with the account's key and decodes a 2xx
// answer into out; anything else becomes a *carriers.Error.
func (c *Carrier) call(ctx context.Context, method, path string, in, out any) error {
	return c.callQuery(ctx, method, path, nil, in, out)
}

// callQuery is call with a query string.
func (c *Carrier) callQuery(ctx context.Context, method, path string, q url.Values, in, out any) error {
	_, err := c.do(ctx, method, path, q, in, out)
	return err
}

// do is callQuery that also returns the answer's HTTP status (0 when there
// was none).
func (c *Carrier) do(ctx context.Context, method, path string, q url.Values, in, out any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("telnyx: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	u := *c.api
	u.Path = path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return 0, fmt.Errorf("telnyx: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.set.APIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := c.client.Do(req)
	if err != nil {
		return 0, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to Telnyx failed: " + scrub(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return res.StatusCode, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "reading Telnyx's answer failed: " + scrub(err)}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, apiError(res.StatusCode, res.Header.Get("Retry-After"), data, c.set.Now())
	}
	if out == nil {
		return res.StatusCode, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return res.StatusCode, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Telnyx answered with malformed JSON"}
	}
	return res.StatusCode, nil
}

// apiError is Telnyx's error answer ({"errors": [{code, title, detail}]})
// in the gateway's terms: 4xx other than 429 is a rejection, the rest may
// pass; the first error's code gives the shared reason.
func apiError(status int, retry string, body []byte, now time.Time) *carriers.Error {
	e := &carriers.Error{Kind: carriers.ErrUnavailable, Message: fmt.Sprintf("Telnyx answered HTTP %d", status)}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		e.Kind = carriers.ErrRejected
	}
	var answer struct {
		Errors []apiErr `json:"errors"`
	}
	if json.Unmarshal(body, &answer) == nil && len(answer.Errors) > 0 {
		first := answer.Errors[0]
		e.Code = first.Code.String()
		if msg := first.text(); msg != "" {
			e.Message = msg
		}
		e.Reason = reasonFor(e.Code)
	}
	if status == http.StatusTooManyRequests {
		e.RetryAfter = api.RetryAfter(retry, now)
		if e.Reason == carriers.ReasonUnknown {
			e.Reason = carriers.ReasonRateLimited
		}
	}
	return e
}

// apiErr is one of Telnyx's errors, in API answers and webhook payloads.
type apiErr struct {
	Code   code   `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// text is the error's words: title and detail.
func (e apiErr) text() string {
	switch {
	case e.Title != "" && e.Detail != "" && e.Detail != e.Title:
		return e.Title + ": " + e.Detail
	case e.Title != "":
		return e.Title
	}
	return e.Detail
}

// code is an error code, which Telnyx documents as a string ("40300") but
// which some of its answers carry as a number.
type code string

func (c *code) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = code(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("telnyx: error code: %w", err)
	}
	*c = code(n.String())
	return nil
}

func (c code) String() string { return string(c) }

// scrub keeps URLs out of user-facing text: a transport error's last part
// is enough.
func scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out"
		}
		return ue.Err.Error()
	}
	return err.Error()
}
