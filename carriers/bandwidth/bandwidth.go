// Package bandwidth is the Bandwidth Messaging v2 carrier adapter: it sends
// SMS, MMS and group MMS through Bandwidth's REST API (plain HTTP, JSON,
// HTTP Basic auth) and receives inbound messages and delivery reports as
// callbacks authenticated with HTTP Basic credentials.
package bandwidth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// errBadAPIURL: the API base must be scheme://host[:port].
var errBadAPIURL = errors.New("bandwidth: bad api url")

// Name is the adapter's configuration name and webhook path prefix.
const Name = "bandwidth"

// Bandwidth's limits on one message.
const (
	// MaxBody is messageText's maxLength in Bandwidth's API definition.
	MaxBody = 2048
	// MaxMedia: Bandwidth documents no count, only the total size; ten
	// items keeps a message within what handsets display.
	MaxMedia = 10
	// MaxMediaBytes: all media of one MMS, 3.75 MB
	// (error 4411 rejected-message-size-limit-exceeded above it).
	MaxMediaBytes = 3_750_000
	// MaxRecipients: "a maximum of 10 participants in a Group" (error
	// 4435 forbidden-too-many-recipients), the sender being one of them.
	MaxRecipients = 9
	// maxTag is the tag's documented maximum length.
	maxTag = 1024
)

// Settings configures the adapter.
type Settings struct {
	AccountID     string
	Username      string // API credentials (HTTP Basic)
	Password      string
	ApplicationID string
	// APIURL replaces https://messaging.bandwidth.com (scheme, host and
	// port), for tests.
	APIURL string
	// CallbackUsername and CallbackPassword are the HTTP Basic credentials
	// set on the Bandwidth application for its callbacks.
	CallbackUsername string
	CallbackPassword string
	// Timeout bounds every API call; default 15s.
	Timeout time.Duration
	// PerNumberRate is the sends per second one sending number may make
	// (Limits.PerNumber); default 1, a US long code's rate.
	PerNumberRate float64
	// Transport is the HTTP transport; default a clone of
	// http.DefaultTransport that keeps more connections open.
	Transport http.RoundTripper
	Logger    *slog.Logger
}

// Carrier is the Bandwidth adapter.
type Carrier struct {
	set      Settings
	api      *url.URL
	client   *http.Client
	messages string // the Create Message URL
}

var (
	_ carriers.Carrier         = (*Carrier)(nil)
	_ carriers.Webhooks        = (*Carrier)(nil)
	_ carriers.MediaAuthorizer = (*Carrier)(nil)
	_ carriers.MediaRemover    = (*Carrier)(nil)
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
	if set.AccountID == "" || set.Username == "" || set.Password == "" || set.ApplicationID == "" {
		return nil, errors.New("bandwidth: account id, username, password and application id are required")
	}
	if set.CallbackUsername == "" || set.CallbackPassword == "" {
		return nil, errors.New("bandwidth: callback username and password are required")
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
		set:      set,
		api:      base,
		client:   &http.Client{Transport: set.Transport, CheckRedirect: noRedirect},
		messages: base.JoinPath("api/v2/users", set.AccountID, "messages").String(),
	}, nil
}

// noRedirect keeps the API's answer: a redirect would carry the credentials
// or a message elsewhere.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return Name }

// Limits implements carriers.Carrier. Bandwidth sends group MMS (several to
// numbers) and reports delivery (message-delivered callbacks).
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

// messageRequest is the definition's MessageRequest.
type messageRequest struct {
	ApplicationID string   `json:"applicationId"`
	To            []string `json:"to"`
	From          string   `json:"from"`
	Text          string   `json:"text,omitempty"`
	Media         []string `json:"media,omitempty"`
	Tag           string   `json:"tag,omitempty"`
}

// apiError is the definition's MessagingRequestError (and
// CreateMessageRequestError, whose fieldErrors say which field).
type apiError struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	FieldErrors []struct {
		FieldName   string `json:"fieldName"`
		Description string `json:"description"`
	} `json:"fieldErrors"`
}

// maxAnswer bounds what is read of an API answer.
const maxAnswer = 64 << 10

// Send submits m through Create Message. To and Cc together are the to
// numbers: more than one makes a group message. m.Key goes in the tag, which
// Bandwidth repeats in every callback of the message; Bandwidth takes no
// idempotency key, so a send whose answer was lost may have gone out.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	if len(m.Cc)+1 > MaxRecipients {
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: fmt.Sprintf("Bandwidth sends a group message to at most %d numbers", MaxRecipients)}
	}
	req := messageRequest{ApplicationID: c.set.ApplicationID, To: m.Recipients(), From: m.From, Text: m.Body}
	if len(m.Key) <= maxTag {
		req.Tag = m.Key
	}
	for _, md := range m.Media {
		req.Media = append(req.Media, md.URL)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("bandwidth: encode message: %w", err)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, c.messages, body, &out, http.StatusAccepted); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Bandwidth answered without a message id"}
	}
	return out.ID, nil
}

// call makes one API request with the account's credentials and decodes
// the answer into out (when not nil) if its status is the first of want;
// another status of want is success without a body, any other answer a
// carriers.Error.
func (c *Carrier) call(ctx context.Context, method, u string, body []byte, out any, want ...int) error {
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("bandwidth: build request: %w", err)
	}
	req.SetBasicAuth(c.set.Username, c.set.Password)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := c.client.Do(req)
	if err != nil {
		return &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to Bandwidth failed: " + api.Scrub(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return &carriers.Error{Kind: carriers.ErrUnavailable, Message: "reading Bandwidth's answer failed: " + api.Scrub(err)}
	}
	if slices.Contains(want, res.StatusCode) {
		if out != nil && res.StatusCode == want[0] {
			if err := json.Unmarshal(data, out); err != nil {
				return &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Bandwidth's answer is not the JSON its definition gives"}
			}
		}
		return nil
	}
	return httpError(res, data, time.Now())
}

// httpError is a non-success answer in the gateway's terms: 4xx but 429 are
// final, the rest may pass. Bandwidth's error type goes in Code, its
// description (with the fields it names) in Message.
func httpError(res *http.Response, data []byte, now time.Time) *carriers.Error {
	e := &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Bandwidth answered " + res.Status}
	st := res.StatusCode
	if st >= 400 && st < 500 && st != http.StatusTooManyRequests {
		e.Kind = carriers.ErrRejected
	}
	var a apiError
	if json.Unmarshal(data, &a) == nil && (a.Type != "" || a.Description != "") {
		e.Code, e.Message = a.Type, a.Description
		for _, f := range a.FieldErrors {
			e.Message += "; " + f.FieldName + ": " + f.Description
		}
	}
	if e.Message == "" {
		e.Message = "Bandwidth answered " + res.Status
	}
	if st == http.StatusTooManyRequests {
		e.Reason = carriers.ReasonRateLimited
		e.RetryAfter = api.RetryAfter(res.Header.Get("Retry-After"), now)
	}
	return e
}

// errorCode formats a callback's errorCode; "" when there is none.
func errorCode(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
